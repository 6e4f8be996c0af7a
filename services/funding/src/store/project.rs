//! The `projects` table: the county project library.

use sea_orm::entity::prelude::*;

/// A project.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Its county.
    pub county: String,
    /// The village or township that proposed it.
    pub proposer: String,
    /// Budget year.
    pub year: i32,
    /// The site's villages, space-separated (so a prefix filter can match any of them).
    pub villages: String,
    /// What will be built or done.
    pub tasks: String,
    /// Subsidy standard.
    pub subsidy_standard: String,
    /// Fund channels, space-separated.
    pub fund_sources: String,
    /// Who carries it out.
    pub implementer: String,
    /// The person responsible.
    pub responsible_person: String,
    /// Budget, fen.
    pub budget_fen: i64,
    /// Planned management fee, fen.
    pub management_fee_fen: i64,
    /// The management-fee cap, fen.
    pub fee_cap_fen: i64,
    /// Performance targets.
    pub performance_targets: String,
    /// `households`, `wages`, `dividends` or `infrastructure`.
    pub benefit: String,
    /// Linked households, JSON array of ids.
    pub households: String,
    /// How many poor households benefit.
    pub beneficiaries: i32,
    /// Status.
    pub status: String,
    /// Paid to it so far, fen.
    pub paid_fen: i64,
    /// Of which management fee, fen.
    pub fee_paid_fen: i64,
    /// Whether its targets were met (once closed).
    pub targets_met: Option<bool>,
    /// The evaluation (once closed).
    pub evaluation: Option<String>,
    /// Who proposed it.
    pub proposed_by: String,
    /// When.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Bumped on every change.
    pub version: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
