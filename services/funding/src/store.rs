//! The funding database: accounts, ledger entries, allocations, disbursements and the projection
//! of approved plans.

/// The `accounts` table: one row per account ever touched.
pub mod account {
    use sea_orm::entity::prelude::*;

    /// An account: `CN`, a division code, or `household:<uuid>`.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        /// Account key.
        #[sea_orm(primary_key, auto_increment = false)]
        pub account: String,
        /// Current balance, fen (only `CN` may be negative).
        pub balance_fen: i64,
        /// Total received, fen.
        pub received_fen: i64,
        /// Total allocated onward, fen.
        pub allocated_fen: i64,
        /// Total disbursed to households, fen.
        pub disbursed_fen: i64,
        /// Bumped on every change.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `ledger_entries` table: the double-entry journal.
pub mod ledger_entry {
    use sea_orm::entity::prelude::*;

    /// One side of a money movement.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_entries")]
    pub struct Model {
        /// Journal order.
        #[sea_orm(primary_key)]
        pub seq: i64,
        /// The movement both entries belong to.
        pub txn_id: Uuid,
        /// Account key.
        pub account: String,
        /// Signed amount, fen: negative debits, positive credits.
        pub amount_fen: i64,
        /// `allocation` or `disbursement`.
        pub kind: String,
        /// The allocation or disbursement.
        pub ref_id: Uuid,
        /// When written.
        pub created_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `allocations` table.
pub mod allocation {
    use sea_orm::entity::prelude::*;

    /// A recorded allocation.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "allocations")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Allocating account (`CN` or a division code).
        pub from_account: String,
        /// Receiving division.
        pub to_division: String,
        /// Budget year.
        pub year: i32,
        /// Amount, fen.
        pub amount_fen: i64,
        /// Fund source.
        pub fund: String,
        /// Official who allocated.
        pub allocated_by: String,
        /// The ledger movement.
        pub txn_id: Uuid,
        /// When.
        pub created_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `disbursements` table.
pub mod disbursement {
    use sea_orm::entity::prelude::*;

    /// A recorded disbursement.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disbursements")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The plan paid.
        pub plan_id: Uuid,
        /// Its household.
        pub household_id: Uuid,
        /// The paying county.
        pub county: String,
        /// The household's village.
        pub village: String,
        /// Amount, fen.
        pub amount_fen: i64,
        /// Purpose.
        pub purpose: String,
        /// Official who disbursed.
        pub disbursed_by: String,
        /// The ledger movement.
        pub txn_id: Uuid,
        /// When.
        pub created_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `approved_plans` table: plans the planning service announced as approved.
pub mod approved_plan {
    use sea_orm::entity::prelude::*;

    /// An approved plan, as far as funding needs to know it.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "approved_plans")]
    pub struct Model {
        /// The plan.
        #[sea_orm(primary_key, auto_increment = false)]
        pub plan_id: Uuid,
        /// Its household.
        pub household_id: Uuid,
        /// The household's village.
        pub village: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use chain_store::text::{enum_str, parse_enum};
