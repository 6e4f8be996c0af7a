//! The limits the services enforce on what they are sent, in one place: the validators check
//! against these constants and the OpenAPI document states them (`#[schema(max_length = …)]`), so
//! the two cannot drift apart.

/// The first year of targeted poverty alleviation: no identification year before it.
pub const FIRST_YEAR: i32 = 2014;
/// Members of one household, head included.
pub const MAX_MEMBERS: usize = 30;
/// Characters of a person's name (members, helpers, who acknowledged an exit).
pub const NAME_CHARS: usize = 50;
/// Characters of a work unit or a bank's name, and of a plan helper's name or unit.
pub const UNIT_CHARS: usize = 100;
/// Characters of an ethnic group.
pub const ETHNICITY_CHARS: usize = 20;
/// Digits of a bank account or card number: at least this many …
pub const BANK_NUMBER_MIN_DIGITS: usize = 8;
/// … and at most this many.
pub const BANK_NUMBER_MAX_DIGITS: usize = 30;
/// Characters of a reason or a remark recorded in the audit trail (identification, monitoring).
pub const REMARK_CHARS: usize = 2000;
/// Characters of a measure's description (plans, monitoring).
pub const MEASURE_CHARS: usize = 500;
/// Measures of one plan.
pub const PLAN_MEASURES: usize = 20;
/// Characters of a fund source.
pub const FUND_CHARS: usize = 64;
/// Characters of a disbursement's purpose.
pub const PURPOSE_CHARS: usize = 200;
/// Largest amount of one allocation or disbursement, in fen.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;
/// Largest quota of one county or village, in places.
pub const MAX_PLACES: i64 = 1_000_000;

/// Characters of a directive's title.
pub const TITLE_CHARS: usize = 200;
/// Characters of a recurring report's title (the period is appended to it).
pub const SCHEDULE_TITLE_CHARS: usize = 150;
/// Days a recurring report's task is given, at most.
pub const MAX_DUE_DAYS: u32 = 366;
/// Characters of a kind of work (`supervision.monthly`).
pub const KIND_CHARS: usize = 64;
/// Distinct approvers one sign-off can be made to need.
pub const MAX_APPROVALS: u32 = 5;
/// Characters of an `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_CHARS: usize = 200;

/// Page sizes: the largest `limit` each listing accepts.
pub mod page {
    /// `GET /v1/tasks`.
    pub const TASKS: u64 = 500;
    /// `GET /v1/households`.
    pub const HOUSEHOLDS: u64 = 500;
    /// `GET /v1/notices` (a village's board).
    pub const BOARD: u64 = 500;
    /// `GET /v1/audit` and `GET /v1/accountability`, per service.
    pub const RECORDS: u64 = 1000;
    /// A task tree's children.
    pub const TREE: u64 = 1000;
}
