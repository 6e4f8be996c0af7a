//! Helpers (帮扶责任人): every assignment of a cadre to a household, past and current, and one
//! row per cadre (by the blind index of the phone) that assignments lock.

use chain_api::card::HelperAssignment;
use chain_api::identification::HouseholdStatus;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, QueryOrder};

use crate::domain::household::label;

/// The `helpers` table.
pub mod helper {
    use sea_orm::entity::prelude::*;

    /// One assignment of a helper to a household.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "helpers")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The household.
        pub household_id: Uuid,
        /// Its village.
        pub village: String,
        /// Order in the household's history, from 0.
        pub position: i32,
        /// Full name.
        pub name: String,
        /// Work unit.
        pub unit: String,
        /// The unit's layer (absent on assignments from before units were asked for).
        pub unit_layer: Option<String>,
        /// The unit's division.
        pub unit_division: Option<String>,
        /// The phone, encrypted.
        pub phone_cipher: Option<String>,
        /// The phone, masked.
        pub phone_masked: Option<String>,
        /// The phone's blind index: who the cadre is.
        pub phone_index: Option<String>,
        /// First day.
        pub since: Date,
        /// Last day; NULL for the current helper.
        pub until: Option<Date>,
        /// Who recorded it.
        pub assigned_by: String,
        /// When.
        pub recorded_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `cadres` table.
pub mod cadre {
    use sea_orm::entity::prelude::*;

    /// A cadre known by the blind index of the phone; assignments to it lock its row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cadres")]
    pub struct Model {
        /// The phone's blind index.
        #[sea_orm(primary_key, auto_increment = false)]
        pub phone_index: String,
        /// Assignments ever made to the cadre.
        pub assignments: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A household's helper history, oldest first.
pub async fn history<C: ConnectionTrait>(conn: &C, household: Uuid) -> Result<Vec<helper::Model>, DbErr> {
    helper::Entity::find()
        .filter(helper::Column::HouseholdId.eq(household))
        .order_by_asc(helper::Column::Position)
        .all(conn)
        .await
}

/// Locks the cadre's row for the rest of the transaction (creating it on first use), so that
/// assignments to the same cadre are counted one after the other.
pub async fn lock_cadre<C: ConnectionTrait>(conn: &C, index: &str) -> Result<(), DbErr> {
    let row = cadre::ActiveModel { phone_index: sea_orm::Set(index.to_owned()), assignments: sea_orm::Set(0) };
    cadre::Entity::insert(row)
        .on_conflict(OnConflict::column(cadre::Column::PhoneIndex).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    cadre::Entity::update_many()
        .col_expr(cadre::Column::Assignments, Expr::col(cadre::Column::Assignments).add(1))
        .filter(cadre::Column::PhoneIndex.eq(index))
        .exec(conn)
        .await?;
    Ok(())
}

/// The households the cadre helps now: current assignments whose household was neither turned
/// down nor removed (exited households stay helped).
pub async fn load_of<C: ConnectionTrait>(conn: &C, index: &str) -> Result<u64, DbErr> {
    use super::households::household;
    let gone = [label(HouseholdStatus::Rejected), label(HouseholdStatus::Removed)];
    helper::Entity::find()
        .filter(helper::Column::PhoneIndex.eq(index))
        .filter(helper::Column::Until.is_null())
        .filter(
            helper::Column::HouseholdId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(household::Column::Id)
                    .from(household::Entity)
                    .and_where(household::Column::Status.is_not_in(gone))
                    .to_owned(),
            ),
        )
        .count(conn)
        .await
}

impl helper::Model {
    /// The assignment as answered, the phone masked.
    pub fn to_api(&self) -> HelperAssignment {
        HelperAssignment {
            name: self.name.clone(),
            unit: self.unit.clone(),
            unit_layer: self.unit_layer.clone(),
            unit_division: self.unit_division.clone(),
            phone: self.phone_masked.clone(),
            since: self.since,
            until: self.until,
            assigned_by: self.assigned_by.clone(),
            recorded_at: self.recorded_at,
        }
    }
}
