//! The `exit_cases` table: at most one case per household, and its version-guarded status
//! change.

use chain_api::exit::{ExitCase, ExitStatus};
use chain_store::text::parse_enum;
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use crate::domain::label;

/// An exit case row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "exit_cases")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// The household's village code.
    pub village: String,
    /// Assessment year.
    pub year: i32,
    /// Verified per-capita net income, fen.
    pub per_capita_income_fen: i64,
    /// The poverty line that applied, fen.
    pub poverty_line_fen: i64,
    /// The verified guarantees, JSON object.
    pub guarantees: String,
    /// Status (snake_case).
    pub status: String,
    /// Who acknowledged for the household.
    pub acknowledged_by: Option<String>,
    /// Version.
    pub version: i64,
    /// The proposing official.
    pub proposed_by: String,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Updated.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The case's status.
    pub fn status(&self) -> Result<ExitStatus, DbErr> {
        parse_enum(&self.status)
    }

    /// The API form, without the notice (the engine holds it) and the household's assistance
    /// (its projection holds it).
    pub fn to_api(&self) -> Result<ExitCase, DbErr> {
        Ok(ExitCase {
            id: self.id,
            household_id: self.household_id,
            village: self.village.clone(),
            year: self.year,
            per_capita_income_fen: self.per_capita_income_fen,
            poverty_line_fen: self.poverty_line_fen,
            guarantees: serde_json::from_str(&self.guarantees).map_err(|e| DbErr::Type(e.to_string()))?,
            assistance: None,
            status: self.status()?,
            notice: None,
            acknowledged_by: self.acknowledged_by.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The case of a household, if one was proposed.
pub async fn of_household<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find().filter(Column::HouseholdId.eq(household_id)).one(conn).await
}

/// Moves the case to `status` at `at` (recording who acknowledged, when given) if it is still at
/// the version `row` was read at; whether it was.
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    row: &Model,
    status: ExitStatus,
    acknowledged_by: Option<&str>,
    at: DateTimeUtc,
) -> Result<bool, DbErr> {
    let mut changes = vec![(Column::Status, Expr::value(label(status))), (Column::UpdatedAt, Expr::value(at))];
    changes.extend(acknowledged_by.map(|name| (Column::AcknowledgedBy, Expr::value(name))));
    chain_kit::rows::update_versioned::<Entity, _>(conn, Column::Id.eq(row.id), (Column::Version, row.version), changes)
        .await
}
