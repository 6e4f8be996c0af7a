//! Funding: allocations down the chain, disbursements to approved plans, and the ledger.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An allocation from the caller's division to a division below it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateAllocation {
    /// The receiving division, inside the caller's jurisdiction and below it.
    #[schema(example = "52")]
    #[schema(value_type = crate::schema::DivisionCode)]
    pub to: String,
    /// Budget year.
    #[schema(example = 2016)]
    pub year: i32,
    /// Amount in fen (> 0).
    #[schema(example = 100_000_000)]
    pub amount_fen: i64,
    /// Fund source, e.g. `central-special`.
    #[schema(example = "central-special")]
    pub fund: String,
}

/// A recorded allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Allocation {
    /// Public id.
    pub id: Uuid,
    /// The allocating division (`CN` for the centre).
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub from: String,
    /// The receiving division.
    #[schema(value_type = crate::schema::DivisionCode)]
    pub to: String,
    /// Budget year.
    pub year: i32,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Fund source.
    pub fund: String,
    /// Official who allocated.
    pub allocated_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A county's disbursement to an approved household plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateDisbursement {
    /// The approved plan.
    pub plan_id: Uuid,
    /// Amount in fen (> 0).
    #[schema(example = 500_000)]
    pub amount_fen: i64,
    /// What the money is for.
    pub purpose: String,
}

/// A recorded disbursement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Disbursement {
    /// Public id.
    pub id: Uuid,
    /// The plan paid.
    pub plan_id: Uuid,
    /// The plan's household.
    pub household_id: Uuid,
    /// The paying county.
    #[schema(value_type = crate::schema::CountyCode)]
    pub county: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Purpose.
    pub purpose: String,
    /// Official who disbursed.
    pub disbursed_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What a division has received, passed on and spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    /// The division (`CN` for the centre).
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// Total received from above, fen.
    pub received_fen: i64,
    /// Total allocated onward, fen.
    pub allocated_fen: i64,
    /// Total disbursed to households, fen.
    pub disbursed_fen: i64,
    /// What remains: received − allocated − disbursed (for the centre: what it has allocated, negated).
    pub balance_fen: i64,
}

/// The result of checking the whole ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerCheck {
    /// Number of ledger entries.
    pub entries: u64,
    /// Sum of every entry, fen: zero when every transaction balances.
    pub sum_fen: i64,
    /// Transactions whose entries do not sum to zero.
    pub unbalanced_transactions: u64,
    /// Accounts whose stored balance differs from the sum of their entries.
    pub inconsistent_accounts: u64,
    /// Whether the ledger balances to the fen.
    pub balanced: bool,
}

/// A ledger query for one division.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountQuery {
    /// Division code or `CN`.
    pub division: String,
}
