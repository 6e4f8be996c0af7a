//! The `plans` table: at most one plan per household, and its version-guarded status change.

use chain_api::planning::{Plan, PlanStatus};
use chain_store::text::parse_enum;
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use crate::domain::label;

/// A plan row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The household; one plan per household.
    #[sea_orm(unique)]
    pub household_id: Uuid,
    /// The household's village.
    pub village: String,
    /// Status (snake_case).
    pub status: String,
    /// Measures, JSON array.
    pub measures: String,
    /// Responsible helper, JSON object.
    pub helper: String,
    /// The county task the plan answers.
    pub task_id: Uuid,
    /// Version.
    pub version: i64,
    /// Drafting official.
    pub created_by: String,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Updated.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_str(s).map_err(|e| DbErr::Type(e.to_string()))
}

impl Model {
    /// The plan's status.
    pub fn status(&self) -> Result<PlanStatus, DbErr> {
        parse_enum(&self.status)
    }

    /// The API form.
    pub fn to_api(&self) -> Result<Plan, DbErr> {
        Ok(Plan {
            id: self.id,
            household_id: self.household_id,
            village: self.village.clone(),
            status: self.status()?,
            measures: json(&self.measures)?,
            helper: json(&self.helper)?,
            task_id: self.task_id,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The plan of a household, if it has one.
pub async fn of_household<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find().filter(Column::HouseholdId.eq(household_id)).one(conn).await
}

/// Moves the plan to `status` at `at` if it is still at the version `row` was read at; whether it
/// was.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &Model,
    status: PlanStatus,
    at: DateTimeUtc,
) -> Result<bool, DbErr> {
    let changes = [(Column::Status, Expr::value(label(status))), (Column::UpdatedAt, Expr::value(at))];
    chain_kit::rows::update_versioned::<Entity, _>(conn, Column::Id.eq(row.id), (Column::Version, row.version), changes)
        .await
}
