//! The `allocations` table.

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
    /// Fund channel.
    pub fund: String,
    /// Why this amount.
    pub reason: String,
    /// The allocation plan it was committed from.
    pub plan_id: Option<Uuid>,
    /// Official who allocated.
    pub allocated_by: String,
    /// The transfer id of its ledger movement.
    pub txn_id: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
