//! Funding: fund channels, allocations down the chain (by hand or by a factor-based allocation
//! plan), disbursements to approved plans, two-phase transfers, and the ledger of accounts per
//! division × fund × year.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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
    /// Fund channel, one of the catalogue's (`central-special`, `provincial-special`,
    /// `county-special`, `integrated-agriculture`, `social-paired`).
    #[schema(example = "central-special")]
    pub fund: String,
    /// Why this amount: an allocation set by hand needs a reason (a factor-based one is made
    /// through `POST /v1/allocation-plans`).
    #[schema(example = "emergency relocation reserve")]
    pub reason: String,
    /// Makes the movement idempotent: the same id with the same content answers the first
    /// allocation again; with other content it is a conflict. Default: a fresh id.
    #[serde(default)]
    pub transfer_id: Option<Uuid>,
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
    /// Fund channel.
    pub fund: String,
    /// Why this amount (hand-set), or the plan's note.
    pub reason: String,
    /// The allocation plan it was committed from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<Uuid>,
    /// The ledger movement.
    pub transfer_id: Uuid,
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
    /// The county's fund to pay from; default the oldest of its accounts that holds enough.
    #[serde(default)]
    pub fund: Option<String>,
    /// The budget year of that fund; default as for `fund`.
    #[serde(default)]
    pub year: Option<i32>,
    /// `true`: a two-phase payment leaving the system — the money is held (pending) until
    /// `POST /v1/transfers/{id}:post` pays it or `:void` returns it.
    #[serde(default)]
    pub pending: bool,
    /// Makes the payment idempotent, as for allocations. Default: a fresh id.
    #[serde(default)]
    pub transfer_id: Option<Uuid>,
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
    /// Fund channel paid from.
    pub fund: String,
    /// Budget year of the fund.
    pub year: i32,
    /// The ledger movement.
    pub transfer_id: Uuid,
    /// `posted`, or `pending` until posted or voided.
    pub status: TransferStatus,
    /// Official who disbursed.
    pub disbursed_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What a division has received, passed on and spent, over all its funds, and per fund and year.
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
    /// Held by pending transfers, fen (still in the balance, not available).
    pub pending_fen: i64,
    /// What can be spent now: balance − pending.
    pub available_fen: i64,
    /// The same per fund and year, oldest year first.
    pub funds: Vec<FundAccount>,
}

/// One account of a division: one fund channel in one budget year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FundAccount {
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// Total received, fen.
    pub received_fen: i64,
    /// Total allocated onward, fen.
    pub allocated_fen: i64,
    /// Total disbursed, fen.
    pub disbursed_fen: i64,
    /// Balance, fen (negative only for the fund's source account).
    pub balance_fen: i64,
    /// Held by pending transfers, fen.
    pub pending_fen: i64,
    /// balance − pending.
    pub available_fen: i64,
}

/// Where a transfer is: posted at once, or pending until posted or voided, each exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// The money is held on the debited account, not yet moved.
    Pending,
    /// The money moved (two ledger entries).
    Posted,
    /// The hold was released; nothing moved.
    Voided,
}

/// A movement of money, by its transfer id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Transfer {
    /// The transfer id.
    pub id: Uuid,
    /// `allocation` or `disbursement`.
    pub kind: String,
    /// The debited holder (`CN`, a division code).
    pub from: String,
    /// The credited holder (a division code or `household:<id>`).
    pub to: String,
    /// The division the credited holder lies in (a household: its village).
    pub to_division: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Status.
    pub status: TransferStatus,
    /// The allocation or disbursement it records.
    pub ref_id: Uuid,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Who posted or voided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    /// When it was posted or voided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// Filters of `GET /v1/transfers`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// Division prefix: transfers from or to a division under it (intersected with the caller's
    /// jurisdiction).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only this fund channel.
    pub fund: Option<String>,
    /// Only this budget year.
    pub year: Option<i32>,
    /// Only this status.
    pub status: Option<TransferStatus>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
}

/// A page of transfers, in id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransferPage {
    /// The transfers.
    pub items: Vec<Transfer>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}

/// Filters of `GET /v1/disbursements`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisbursementQuery {
    /// Division prefix: disbursements to households of villages under it (intersected with the
    /// caller's jurisdiction).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only to this household.
    pub household_id: Option<Uuid>,
    /// Only paying this plan.
    pub plan_id: Option<Uuid>,
    /// Only this fund channel.
    pub fund: Option<String>,
    /// Only this budget year.
    pub year: Option<i32>,
    /// Only this status.
    pub status: Option<TransferStatus>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
}

/// A page of disbursements, in id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DisbursementPage {
    /// The disbursements.
    pub items: Vec<Disbursement>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}

/// One link of a trace: `amount_fen` of the money the transfer `lot` brought into an account
/// paid the transfer `paid` out of it (first in, first out within the account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TraceLink {
    /// The transfer that brought the money.
    pub lot: Uuid,
    /// The transfer it paid.
    pub paid: Uuid,
    /// Fen.
    pub amount_fen: i64,
}

/// Where a transfer's money came from and where it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trace {
    /// The transfer traced.
    pub transfer: Transfer,
    /// Links back, level by level, to the transfers out of a fund's source account (the centre's
    /// allocation for a central fund): empty when the transfer itself left a source.
    pub back: Vec<TraceLink>,
    /// Links forward, level by level, to the transfers its money paid, down to the payees.
    pub forward: Vec<TraceLink>,
    /// Every transfer the links name, in id order.
    pub transfers: Vec<Transfer>,
    /// Whether links were left out (at most 1,000 each way; read the statements for more).
    pub truncated: bool,
}

/// Filters of `GET /v1/allocations`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// Division prefix of the receiving division (intersected with the caller's jurisdiction).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only this fund channel.
    pub fund: Option<String>,
    /// Only this budget year.
    pub year: Option<i32>,
    /// Only those committed from this allocation plan.
    pub plan_id: Option<Uuid>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
}

/// A page of allocations, in id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationPage {
    /// The allocations.
    pub items: Vec<Allocation>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}

/// Filters of `GET /v1/ledger/entries`: an account statement.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// Division prefix of the account's holder (a household's: its village); `CN` for the
    /// centre's own accounts.
    #[schema(value_type = Option<crate::schema::DivisionOrCentre>)]
    #[param(value_type = Option<crate::schema::DivisionOrCentre>)]
    pub division: Option<String>,
    /// Only this fund channel.
    pub fund: Option<String>,
    /// Only this budget year.
    pub year: Option<i32>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page (a journal sequence number).
    pub after: Option<i64>,
}

/// One side of a movement in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    /// Journal order.
    pub seq: i64,
    /// The transfer both sides belong to.
    pub transfer_id: Uuid,
    /// The holder (`CN`, a division code, `household:<id>`).
    pub holder: String,
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
    pub created_at: DateTime<Utc>,
}

/// A page of ledger entries, in journal order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EntryPage {
    /// The entries.
    pub items: Vec<LedgerEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// A hand-set amount in an allocation plan: the recipient gets exactly this, and the rest of the
/// total is split among the others by their factors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HandSet {
    /// A recipient of the plan.
    #[schema(value_type = crate::schema::DivisionCode)]
    pub to: String,
    /// Amount, fen (≥ 0).
    pub amount_fen: i64,
    /// Why it departs from the factors (required).
    pub reason: String,
}

/// A factor-based allocation plan: the caller's layer splits `total_fen` of one fund and year
/// among the divisions one level below it (centre → provinces, province → its counties) by the
/// factor tables of the year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateAllocationPlan {
    /// Fund channel.
    #[schema(example = "central-special")]
    pub fund: String,
    /// Budget year (the factor table in force that year is used).
    #[schema(example = 2016)]
    pub year: i32,
    /// The total to split, fen (> 0).
    #[schema(example = 100_000_000_000_i64)]
    pub total_fen: i64,
    /// Amounts set by hand, each with a reason.
    #[serde(default)]
    pub hand_set: Vec<HandSet>,
}

/// Where an allocation plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationPlanStatus {
    /// Previewed, awaiting a second official's approval.
    Proposed,
    /// Approved: its allocations are made.
    Committed,
}

/// One recipient's line of an allocation plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanLine {
    /// The recipient.
    #[schema(value_type = crate::schema::DivisionCode)]
    pub to: String,
    /// Its weighted factor score (the weighted sum of its normalised factors; the scores of
    /// a plan's recipients sum to 1).
    pub score: f64,
    /// Its share of what the factors split (0 for a hand-set line).
    pub share: f64,
    /// Its amount, fen: the factor share rounded by largest remainder, or the hand-set amount.
    pub amount_fen: i64,
    /// Why the amount was set by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_set_reason: Option<String>,
    /// The allocation made for it once committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<Uuid>,
}

/// An allocation plan with its preview (the lines) and, once committed, its allocations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationPlan {
    /// Public id.
    pub id: Uuid,
    /// The allocating layer (`CN` or a province).
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub allocator: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// The factor table's year used (the latest not after `year`).
    pub factors_year: i32,
    /// The recipients' level: `province` or `county`.
    pub level: String,
    /// The total, fen: the lines sum to it exactly.
    pub total_fen: i64,
    /// Status.
    pub status: AllocationPlanStatus,
    /// One line per recipient, by code.
    pub lines: Vec<PlanLine>,
    /// Who proposed it.
    pub proposed_by: String,
    /// The second official who approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// When proposed.
    pub created_at: DateTime<Utc>,
    /// When approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// Filters of `GET /v1/allocation-plans`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationPlanQuery {
    /// Division prefix of the allocator (intersected with the caller's jurisdiction; the centre's
    /// plans are read by central officials).
    #[schema(value_type = Option<crate::schema::DivisionCode>)]
    #[param(value_type = Option<crate::schema::DivisionCode>)]
    pub division: Option<String>,
    /// Only this fund channel.
    pub fund: Option<String>,
    /// Only this budget year.
    pub year: Option<i32>,
    /// Only this status.
    pub status: Option<AllocationPlanStatus>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// The `next_after` of the previous page.
    pub after: Option<Uuid>,
}

/// A page of allocation plans, in id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationPlanPage {
    /// The plans.
    pub items: Vec<AllocationPlan>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
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
    /// Accounts other than a fund's source whose balance less what pending transfers hold is
    /// negative.
    pub negative_accounts: u64,
    /// Accounts whose held amount differs from the sum of their pending transfers.
    pub inconsistent_holds: u64,
    /// Transfers still pending.
    pub pending_transfers: u64,
    /// Transfers out of an account other than a fund's source, not voided, whose lots do not sum
    /// to their amount.
    pub untraced_transfers: u64,
    /// Lots whose remainder is not what arrived less what was taken, and accounts (other than
    /// sources) whose lots do not hold exactly their available balance.
    pub inconsistent_lots: u64,
    /// Transfers resolved other than once: posted without exactly two entries, pending or voided
    /// with entries, pending with a resolution time, voided without one.
    pub irregular_transfers: u64,
    /// Whether the ledger balances to the fen, no account but a source is negative, every hold
    /// matches its pending transfers, every payment is traced to its lots and every transfer was
    /// resolved at most once.
    pub balanced: bool,
}

/// A ledger query for one division.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountQuery {
    /// Division code or `CN`.
    pub division: String,
}
