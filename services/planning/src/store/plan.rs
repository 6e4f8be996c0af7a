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
    /// The API form.
    pub fn to_api(&self) -> Result<Plan, DbErr> {
        Ok(Plan {
            id: self.id,
            household_id: self.household_id,
            village: self.village.clone(),
            status: parse_enum::<PlanStatus>(&self.status)?,
            measures: json(&self.measures)?,
            helper: json(&self.helper)?,
            task_id: self.task_id,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Loads a plan and its API form.
pub async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<(Model, Plan)>, DbErr> {
    let Some(row) = Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let api = row.to_api()?;
    Ok(Some((row, api)))
}

/// The plan of a household, if it has one.
pub async fn of_household<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find().filter(Column::HouseholdId.eq(household_id)).one(conn).await
}

/// Moves the plan to `status` at `at` if it is still at the version `row` was read at, and bumps
/// the version; whether it was.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &Model,
    status: PlanStatus,
    at: DateTimeUtc,
) -> Result<bool, DbErr> {
    let changed = Entity::update_many()
        .col_expr(Column::Status, Expr::value(label(status)))
        .col_expr(Column::Version, Expr::value(row.version + 1))
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .filter(Column::Id.eq(row.id))
        .filter(Column::Version.eq(row.version))
        .exec(conn)
        .await?;
    Ok(changed.rows_affected == 1)
}
