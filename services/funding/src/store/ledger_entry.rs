//! The `ledger_entries` table: the double-entry journal.

use sea_orm::entity::prelude::*;

/// One side of a money movement.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    /// Journal order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The transfer both entries belong to (its transfer id).
    pub txn_id: Uuid,
    /// Account key.
    pub account: String,
    /// The account's holder.
    pub holder: String,
    /// The division the holder lies in.
    pub division: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
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
