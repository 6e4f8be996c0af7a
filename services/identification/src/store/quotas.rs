//! Scale control's tables: each county's quota for a year and its villages' places and their use.

/// The `quotas` table: a county's total for a year.
pub mod county_quota {
    use sea_orm::entity::prelude::*;

    /// A county's quota row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "quotas")]
    pub struct Model {
        /// 6-digit county code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub county: String,
        /// Year.
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        /// Households the county may identify in the year.
        pub total: i64,
        /// Bumped by every change of the total or the breakdown.
        pub version: i64,
        /// Last change.
        pub updated_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `village_quotas` table: a village's places for a year and how many are used.
pub mod village_quota {
    use sea_orm::entity::prelude::*;

    /// A village's row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "village_quotas")]
    pub struct Model {
        /// 12-digit village code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub village: String,
        /// Year.
        #[sea_orm(primary_key, auto_increment = false)]
        pub year: i32,
        /// The village's county.
        pub county: String,
        /// Places allotted (none when null).
        pub quota: Option<i64>,
        /// Households approved.
        pub used: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
