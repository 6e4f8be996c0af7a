//! The `lots` table: money as it arrived in an account, one lot per credit, spent first in, first
//! out. A lot is named by the transfer that brought it and ordered by that transfer's credit entry.

use sea_orm::entity::prelude::*;

/// A lot.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lots")]
pub struct Model {
    /// The transfer that credited it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub transfer_id: Uuid,
    /// The credited account key.
    pub account: String,
    /// The journal position of its credit entry: the order lots are spent in.
    pub seq: i64,
    /// What arrived, fen.
    pub amount_fen: i64,
    /// What is not yet spent or held, fen.
    pub remaining_fen: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
