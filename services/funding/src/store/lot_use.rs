//! The `lot_uses` table: which lots paid which transfer, and how much of each. A held (pending)
//! transfer takes its lots when it is held; voiding it gives them back (`released`).

use sea_orm::entity::prelude::*;

/// One lot's part in one transfer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lot_uses")]
pub struct Model {
    /// Order of writing.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The transfer paid.
    pub transfer_id: Uuid,
    /// The lot (the transfer that brought the money).
    pub lot: Uuid,
    /// Fen taken from the lot.
    pub amount_fen: i64,
    /// Given back when the transfer was voided.
    pub released: bool,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
