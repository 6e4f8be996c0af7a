//! The `allocation_plans` table: factor-based splits proposed by one official and committed by
//! a second.

use sea_orm::entity::prelude::*;

/// An allocation plan.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "allocation_plans")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The allocating layer (`CN` or a province code).
    pub allocator: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// The factor table's year used.
    pub factors_year: i32,
    /// `province` or `county`.
    pub level: String,
    /// The total, fen.
    pub total_fen: i64,
    /// `proposed` or `committed`.
    pub status: String,
    /// The lines (`Vec<PlanLine>`) as JSON.
    pub lines: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// When proposed.
    pub created_at: DateTimeUtc,
    /// When approved.
    pub approved_at: Option<DateTimeUtc>,
    /// Bumped on every change.
    pub version: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
