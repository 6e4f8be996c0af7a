//! The `accounts` table: one row per account ever touched.

use sea_orm::entity::prelude::*;

/// An account: one holder (`CN`, a division code, or `household:<uuid>`) in one fund and year;
/// its key is `<holder>/<fund>/<year>`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    /// Account key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account: String,
    /// The holder.
    pub holder: String,
    /// The division the holder lies in (`CN` for the centre, a household's village).
    pub division: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// Whether this is the fund's source account, the only kind that may go below zero.
    pub source: bool,
    /// Current balance, fen (only a source account may be negative).
    pub balance_fen: i64,
    /// Held by pending transfers, fen: part of the balance that cannot be spent.
    pub pending_fen: i64,
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
