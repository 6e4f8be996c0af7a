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
/// Milestones of one measure of a plan.
pub const PLAN_MILESTONES: usize = 12;
/// Characters of a plan milestone's text.
pub const MILESTONE_CHARS: usize = 200;
/// Years ahead a plan's milestone may be due.
pub const MILESTONE_YEARS: u32 = 5;
/// Characters of a cadre's phone number: at least this many digits …
pub const PHONE_MIN_CHARS: usize = chain_domain::cadre::PHONE_MIN_CHARS;
/// … and at most this many characters (digits and an optional leading `+`).
pub const PHONE_MAX_CHARS: usize = chain_domain::cadre::PHONE_MAX_CHARS;
/// Days a work-team member can record for one month (the longest month).
pub const MONTH_DAYS: u32 = 31;
/// Characters of a month, `YYYY-MM`.
pub const MONTH_CHARS: usize = 7;
/// Characters of a fund source.
pub const FUND_CHARS: usize = 64;
/// Characters of a disbursement's purpose.
pub const PURPOSE_CHARS: usize = 200;
/// Largest amount of one allocation or disbursement, in fen.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;
/// Most hand-set lines in one allocation plan.
pub const HAND_SET_LINES: usize = 100;
/// Largest quota of one county or village, in places.
pub const MAX_PLACES: i64 = 1_000_000;

/// Characters of a task's or schedule's title.
pub const TITLE_CHARS: usize = 200;
/// Characters of a kind of work, a notice kind and other plain names.
pub const KIND_CHARS: usize = 64;
/// Bytes of a directive's free-form `body`, as compact JSON. Every task of the directive carries
/// it, so it bounds what each task adds to a page of tasks.
pub const BODY_BYTES: usize = 16 * 1024;
/// Nesting depth of a directive's `body`: a scalar is depth 0, `[1]` depth 1.
pub const BODY_DEPTH: usize = 16;
/// Divisions a directive or a decomposition may list by code; more
/// are reached through `level`.
pub const TARGET_DIVISIONS: usize = 5_000;
/// Characters of who an objection is lodged for.
pub const ON_BEHALF_CHARS: usize = 100;

/// Field errors a validation problem lists (it counts them all).
pub const FIELD_ERRORS: usize = 100;

/// Bytes of a JSON request body the gateway accepts on any route but uploads; a larger one is
/// refused with 413 before anything is sent on the bus. It leaves ample room, under the bus's
/// payload (1 MiB by default), for the principal and its proof that travel with the request.
pub const REQUEST_BYTES: usize = 256 * 1024;
/// Bytes of one page of a listing as a service answers it on the bus: a page is cut short at this
/// size (and says where to go on), so no answer nears the bus's payload, whatever `limit` asked.
pub const PAGE_BYTES: usize = 512 * 1024;
/// Characters of a recurring report's title (the period is appended to it).
pub const SCHEDULE_TITLE_CHARS: usize = 150;
/// Days a recurring report's task is given, at most.
pub const MAX_DUE_DAYS: u32 = 366;
/// Distinct approvers one sign-off can be made to need.
pub const MAX_APPROVALS: u32 = 5;
/// Characters of an `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_CHARS: usize = 200;

/// The most any income figure on a file card may be, fen (¥100 million): a typing error above.
pub const MAX_INCOME_FEN: i64 = 10_000_000_000;
/// Months of migrant work a member's card records for a year.
pub const MONTHS: i64 = 12;
/// Floor area of a house, square metres: at least 1, at most this.
pub const MAX_AREA_M2: i64 = 10_000;
/// Distance to the nearest market, km.
pub const MAX_MARKET_KM: i64 = 1_000;
/// The earliest year a house on a file card can have been built.
pub const FIRST_BUILT_YEAR: i64 = 1900;

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
    /// `GET /v1/teams/uncovered` and `GET /v1/presence-flags`.
    pub const TEAMS: u64 = 500;
}
/// Characters of a county project's name, implementer or responsible person.
pub const PROJECT_NAME_CHARS: usize = 100;
/// Characters of a county project's tasks, subsidy standard, performance targets or evaluation.
pub const PROJECT_TEXT_CHARS: usize = 2000;
/// Villages a county project's site may list.
pub const PROJECT_VILLAGES: usize = 100;
/// Fund channels a county project may name as its sources.
pub const PROJECT_FUNDS: usize = 5;
/// Households a county project may list as linked to it.
pub const PROJECT_HOUSEHOLDS: usize = 2000;
/// Poor households one county project may count as benefiting.
pub const PROJECT_BENEFICIARIES: u32 = 1_000_000;
/// Characters of a project payment's business key (its tranche).
pub const TRANCHE_CHARS: usize = 50;
