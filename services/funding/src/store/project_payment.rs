//! The `project_payments` table: money paid to library projects, one row per business key.

use sea_orm::entity::prelude::*;

/// A payment to a project.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "project_payments")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The business key within the project (unique with it).
    pub tranche: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// Whether it is management fee.
    pub fee: bool,
    /// Its transfer id.
    pub txn_id: Uuid,
    /// Who paid it.
    pub paid_by: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
