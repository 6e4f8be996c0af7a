//! The `disbursements` table.

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
    /// Fund channel paid from.
    pub fund: String,
    /// Budget year of the fund.
    pub year: i32,
    /// `posted`, `pending` or `voided` (as its transfer).
    pub status: String,
    /// Official who disbursed.
    pub disbursed_by: String,
    /// The transfer id of its ledger movement.
    pub txn_id: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
