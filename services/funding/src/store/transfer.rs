//! The `transfers` table: every movement of money by its transfer id, with what was asked
//! (for idempotent replays) and, for a two-phase one, whether it is pending, posted or voided.

use sea_orm::entity::prelude::*;

/// A transfer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    /// The transfer id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `allocation` or `disbursement`.
    pub kind: String,
    /// Debited account key.
    pub from_account: String,
    /// Debited holder.
    pub from_holder: String,
    /// The division the debited holder lies in.
    pub from_division: String,
    /// Credited account key.
    pub to_account: String,
    /// Credited holder.
    pub to_holder: String,
    /// The division the credited holder lies in.
    pub to_division: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// Amount, fen.
    pub amount_fen: i64,
    /// `pending`, `posted` or `voided`.
    pub status: String,
    /// The allocation or disbursement it records.
    pub ref_id: Uuid,
    /// What was asked, as canonical JSON (none for movements recorded before transfer ids).
    pub request: Option<String>,
    /// The first answer, as JSON.
    pub answer: Option<String>,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTimeUtc,
    /// Who posted or voided it.
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<DateTimeUtc>,
    /// Bumped on every change.
    pub version: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
