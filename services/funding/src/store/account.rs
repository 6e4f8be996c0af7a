//! The `accounts` table: one row per account ever touched.

use sea_orm::entity::prelude::*;

/// An account: `CN`, a division code, or `household:<uuid>`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    /// Account key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account: String,
    /// Current balance, fen (only `CN` may be negative).
    pub balance_fen: i64,
    /// Total received, fen.
    pub received_fen: i64,
    /// Total allocated onward, fen.
    pub allocated_fen: i64,
    /// Total disbursed to households, fen.
    pub disbursed_fen: i64,
    /// Bumped on every change.
    pub version: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
