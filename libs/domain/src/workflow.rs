//! Rules the responsibility-chain engine schedules and divides work by.
//!
//! - [`apportion`] splits an integer total (fen, quota places) among weights exactly, by the
//!   largest-remainder method.
//! - [`NoticeDays`] holds public-notice window lengths and [`DeadlineLadder`] the reminder and
//!   escalation offsets of tasks; both are policy tables embedded from `libs/domain/data/` and
//!   replaceable with `from_csv`, keyed by kind and, where provinces differ, by province.
//! - Day deadlines are Beijing days: China keeps UTC+08:00 all year, so a date's start and end are
//!   fixed UTC instants ([`start_instant`], [`end_of_day_beijing`], [`beijing_date`]).
//! - Recurring supervision runs on calendar [`Period`]s (month, quarter, half year, year).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::division::{Division, Level};

/// The embedded notice-window table (`kind,province,days`).
const NOTICE_DAYS_TABLE: &str = include_str!("../data/notice_days.csv");
/// The embedded escalation table (`kind,province,remind_before_hours,grace_hours`).
const DEADLINE_LADDER_TABLE: &str = include_str!("../data/deadline_ladder.csv");
/// The province (or kind) field meaning "any".
pub(crate) const ANY: &str = "*";
/// The longest notice window a table may declare, in days.
const MAX_NOTICE_DAYS: u32 = 90;
/// The longest reminder lead or escalation grace a table may declare, in hours (one year).
const MAX_LADDER_HOURS: u32 = 8760;
/// The longest kind name accepted, in bytes.
const MAX_KIND_LEN: usize = 64;
/// Offset of Beijing time (China Standard Time) from UTC, in seconds; there is no daylight saving.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

// ---------------------------------------------------------------------------------------------
// Apportionment
// ---------------------------------------------------------------------------------------------

/// Why a total could not be apportioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApportionError {
    /// The total is below zero.
    #[error("the total to apportion must not be negative")]
    NegativeTotal,
    /// There are no weights to apportion among.
    #[error("there must be at least one weight to apportion among")]
    NoWeights,
    /// Every weight is zero, so no share is defined.
    #[error("at least one weight must be positive")]
    ZeroWeights,
    /// An intermediate value does not fit the arithmetic.
    #[error("the apportionment overflows")]
    Overflow,
}

/// Splits `total` among `weights` by the largest-remainder (Hamilton) method.
///
/// Each part is first the floor of its exact share `total × weight / Σ weights`; the units left
/// over go one each to the parts with the largest remainders, the lower index first among equal
/// remainders. The parts therefore sum to `total` exactly, each is the floor or the ceiling of its
/// share, a zero weight gets 0, and a larger weight never gets less than a smaller one.
pub fn apportion(total: i64, weights: &[u64]) -> Result<Vec<i64>, ApportionError> {
    let total = u128::try_from(total).map_err(|_| ApportionError::NegativeTotal)?;
    if weights.is_empty() {
        return Err(ApportionError::NoWeights);
    }
    let sum = weights
        .iter()
        .try_fold(0u128, |acc, &weight| acc.checked_add(u128::from(weight)))
        .ok_or(ApportionError::Overflow)?;
    if sum == 0 {
        return Err(ApportionError::ZeroWeights);
    }
    let mut parts = Vec::with_capacity(weights.len());
    // (remainder of the exact share, index), to rank who receives the leftover units.
    let mut remainders = Vec::with_capacity(weights.len());
    let mut assigned = 0u128;
    for (index, &weight) in weights.iter().enumerate() {
        let scaled = total.checked_mul(u128::from(weight)).ok_or(ApportionError::Overflow)?;
        let floor = scaled / sum;
        assigned = assigned.checked_add(floor).ok_or(ApportionError::Overflow)?;
        parts.push(floor);
        remainders.push((scaled % sum, index));
    }
    // Each remainder is below `sum`, so fewer units are left over than there are non-zero
    // remainders: a part whose share is already whole never receives one.
    let leftover = usize::try_from(total - assigned).map_err(|_| ApportionError::Overflow)?;
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, index) in &remainders[..leftover] {
        parts[index] += 1;
    }
    parts.into_iter().map(|part| i64::try_from(part).map_err(|_| ApportionError::Overflow)).collect()
}

// ---------------------------------------------------------------------------------------------
// Shared table parsing
// ---------------------------------------------------------------------------------------------

/// Whether `kind` is a well-formed kind name: dot-separated segments of lowercase ASCII letters,
/// digits, `_` and `-`, e.g. `identification.village`.
fn is_valid_kind(kind: &str) -> bool {
    kind.len() <= MAX_KIND_LEN
        && kind.split('.').all(|segment| {
            !segment.is_empty()
                && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

/// Parses a province field: `Some(None)` for `*`, `Some(Some(code))` for a 2-digit province code,
/// `None` for anything else.
pub(crate) fn parse_province(text: &str) -> Option<Option<Division>> {
    if text == ANY {
        return Some(None);
    }
    Division::parse(text).ok().filter(|d| d.level() == Level::Province).map(Some)
}

/// Opens CSV text with `#` comments and trimmed fields, checking the header row.
pub(crate) fn open_csv<'a>(text: &'a str, header: &[&str]) -> Result<csv::Reader<&'a [u8]>, TableProblem> {
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| TableProblem::Csv(e.to_string()))?;
    if headers != header {
        return Err(TableProblem::Header);
    }
    Ok(reader)
}

/// A parsing failure common to both tables, converted into each table's own error type.
pub(crate) enum TableProblem {
    Csv(String),
    Header,
}

// ---------------------------------------------------------------------------------------------
// Notice windows
// ---------------------------------------------------------------------------------------------

/// Why a notice-window table could not be loaded. `line` is the 1-based line in the CSV text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoticeDaysError {
    /// The text is not well-formed CSV (e.g. a row with the wrong number of fields).
    #[error("notice-day table is not valid CSV: {0}")]
    Csv(String),
    /// The header row is not exactly `kind,province,days`.
    #[error("notice-day table must have the header kind,province,days")]
    Header,
    /// The kind is not a dot-separated lowercase name such as `identification.village`.
    #[error("line {line}: kind must be dot-separated lowercase segments such as identification.village")]
    Kind {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The province is neither `*` nor a 2-digit province code.
    #[error("line {line}: province must be \"*\" or a 2-digit province code")]
    Province {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The number of days is not a whole number from 1 to 90.
    #[error("line {line}: days must be a whole number from 1 to 90")]
    Days {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The same kind and province appear twice.
    #[error("line {line}: {kind} already has a notice length for province {province}")]
    Duplicate {
        /// Line number in the CSV text.
        line: u64,
        /// The repeated kind.
        kind: String,
        /// The repeated province (`*` or a province code).
        province: String,
    },
}

impl From<TableProblem> for NoticeDaysError {
    fn from(problem: TableProblem) -> Self {
        match problem {
            TableProblem::Csv(message) => NoticeDaysError::Csv(message),
            TableProblem::Header => NoticeDaysError::Header,
        }
    }
}

/// Public-notice (公示) window lengths in days, by notice kind, nationally and per province.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoticeDays {
    /// kind → province (`None` = national default) → days.
    by_kind: BTreeMap<String, BTreeMap<Option<Division>, u32>>,
}

impl NoticeDays {
    /// The table embedded in this crate (the national notice lengths), parsed on first use.
    pub fn default_table() -> &'static NoticeDays {
        static TABLE: OnceLock<NoticeDays> = OnceLock::new();
        TABLE.get_or_init(|| NoticeDays::from_csv(NOTICE_DAYS_TABLE).expect("embedded notice_days.csv is valid"))
    }

    /// Loads a table from CSV text with the header `kind,province,days`.
    ///
    /// `kind` is a dot-separated lowercase name, `province` is `*` (the national default) or a
    /// 2-digit province code, `days` a whole number from 1 to 90; each (kind, province) pair may
    /// appear once. Lines starting with `#` are comments; fields are trimmed.
    pub fn from_csv(text: &str) -> Result<NoticeDays, NoticeDaysError> {
        let mut reader = open_csv(text, &["kind", "province", "days"])?;
        let mut table = NoticeDays::default();
        for record in reader.records() {
            let record = record.map_err(|e| NoticeDaysError::Csv(e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let (kind, province, days) = (&record[0], &record[1], &record[2]);
            if !is_valid_kind(kind) {
                return Err(NoticeDaysError::Kind { line });
            }
            let scope = parse_province(province).ok_or(NoticeDaysError::Province { line })?;
            let days = days
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=MAX_NOTICE_DAYS).contains(d))
                .ok_or(NoticeDaysError::Days { line })?;
            if table.by_kind.entry(kind.to_owned()).or_default().insert(scope, days).is_some() {
                return Err(NoticeDaysError::Duplicate { line, kind: kind.to_owned(), province: province.to_owned() });
            }
        }
        Ok(table)
    }

    /// The notice length in days for a notice of `kind` about a record in `division`: the
    /// province's own length if it has set one, otherwise the national default. `None` if the
    /// kind has neither.
    pub fn days_for(&self, kind: &str, division: &Division) -> Option<u32> {
        let by_province = self.by_kind.get(kind)?;
        let province = division.ancestor_at(Level::Province);
        province.and_then(|p| by_province.get(&Some(p)).copied()).or_else(|| by_province.get(&None).copied())
    }

    /// Every kind with at least one row, in sorted order.
    pub fn kinds(&self) -> Vec<&str> {
        self.by_kind.keys().map(String::as_str).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Deadline escalation
// ---------------------------------------------------------------------------------------------

/// When a task with a due instant is reminded and escalated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ladder {
    /// How long before the due instant the assignee is reminded.
    pub remind_before: TimeDelta,
    /// How long after the due instant an unfinished task is escalated to the layer above.
    pub grace: TimeDelta,
}

impl Ladder {
    /// The instant to remind the assignee of a task due at `due` (saturating at the earliest
    /// representable instant).
    pub fn remind_at(&self, due: DateTime<Utc>) -> DateTime<Utc> {
        due.checked_sub_signed(self.remind_before).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The instant to escalate a task due at `due` that is still unfinished (saturating at the
    /// latest representable instant).
    pub fn escalate_at(&self, due: DateTime<Utc>) -> DateTime<Utc> {
        due.checked_add_signed(self.grace).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Why an escalation table could not be loaded. `line` is the 1-based line in the CSV text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineLadderError {
    /// The text is not well-formed CSV (e.g. a row with the wrong number of fields).
    #[error("deadline table is not valid CSV: {0}")]
    Csv(String),
    /// The header row is not exactly `kind,province,remind_before_hours,grace_hours`.
    #[error("deadline table must have the header kind,province,remind_before_hours,grace_hours")]
    Header,
    /// The kind is neither `*` nor a dot-separated lowercase name such as `exit.household`.
    #[error("line {line}: kind must be \"*\" or dot-separated lowercase segments such as exit.household")]
    Kind {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The province is neither `*` nor a 2-digit province code.
    #[error("line {line}: province must be \"*\" or a 2-digit province code")]
    Province {
        /// Line number in the CSV text.
        line: u64,
    },
    /// An hours field is not a whole number from 0 to 8760.
    #[error("line {line}: hours must be a whole number from 0 to 8760")]
    Hours {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The same kind and province appear twice.
    #[error("line {line}: kind {kind} already has a deadline ladder for province {province}")]
    Duplicate {
        /// Line number in the CSV text.
        line: u64,
        /// The repeated kind (`*` or a kind name).
        kind: String,
        /// The repeated province (`*` or a province code).
        province: String,
    },
    /// There is no `*,*` row, so some tasks would have no ladder.
    #[error("deadline table must have a row for kind * and province *")]
    MissingDefault,
}

impl From<TableProblem> for DeadlineLadderError {
    fn from(problem: TableProblem) -> Self {
        match problem {
            TableProblem::Csv(message) => DeadlineLadderError::Csv(message),
            TableProblem::Header => DeadlineLadderError::Header,
        }
    }
}

/// Reminder and escalation offsets by task kind and province, with a required default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineLadder {
    /// Rows for a named kind: kind → province (`None` = any) → ladder.
    by_kind: BTreeMap<String, BTreeMap<Option<Division>, Ladder>>,
    /// Rows for any kind, by province (`None` = any).
    any_kind: BTreeMap<Option<Division>, Ladder>,
    /// The `*,*` row.
    default: Ladder,
}

impl DeadlineLadder {
    /// The table embedded in this crate, parsed on first use.
    pub fn default_table() -> &'static DeadlineLadder {
        static TABLE: OnceLock<DeadlineLadder> = OnceLock::new();
        TABLE.get_or_init(|| {
            DeadlineLadder::from_csv(DEADLINE_LADDER_TABLE).expect("embedded deadline_ladder.csv is valid")
        })
    }

    /// Loads a table from CSV text with the header `kind,province,remind_before_hours,grace_hours`.
    ///
    /// `kind` is `*` (any kind) or a dot-separated lowercase name, `province` is `*` or a 2-digit
    /// province code, the hours whole numbers from 0 to 8760; each (kind, province) pair may
    /// appear once and the `*,*` row must be present. Lines starting with `#` are comments;
    /// fields are trimmed.
    pub fn from_csv(text: &str) -> Result<DeadlineLadder, DeadlineLadderError> {
        let mut reader = open_csv(text, &["kind", "province", "remind_before_hours", "grace_hours"])?;
        let mut by_kind: BTreeMap<String, BTreeMap<Option<Division>, Ladder>> = BTreeMap::new();
        let mut any_kind = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| DeadlineLadderError::Csv(e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let (kind, province) = (&record[0], &record[1]);
            if kind != ANY && !is_valid_kind(kind) {
                return Err(DeadlineLadderError::Kind { line });
            }
            let scope = parse_province(province).ok_or(DeadlineLadderError::Province { line })?;
            let hours = |text: &str| {
                text.parse::<u32>()
                    .ok()
                    .filter(|h| *h <= MAX_LADDER_HOURS)
                    .map(|h| TimeDelta::hours(i64::from(h)))
                    .ok_or(DeadlineLadderError::Hours { line })
            };
            let ladder = Ladder { remind_before: hours(&record[2])?, grace: hours(&record[3])? };
            let rows = if kind == ANY { &mut any_kind } else { by_kind.entry(kind.to_owned()).or_default() };
            if rows.insert(scope, ladder).is_some() {
                return Err(DeadlineLadderError::Duplicate {
                    line,
                    kind: kind.to_owned(),
                    province: province.to_owned(),
                });
            }
        }
        let default = *any_kind.get(&None).ok_or(DeadlineLadderError::MissingDefault)?;
        Ok(DeadlineLadder { by_kind, any_kind, default })
    }

    /// The ladder for a task of `kind` in `division` (or of no particular division).
    ///
    /// Precedence: the kind's row for the division's province, the kind's `*` row, the `*` kind's
    /// row for the province, and finally the `*,*` row. Without a division only `*` provinces
    /// apply.
    pub fn for_task(&self, kind: &str, division: Option<&Division>) -> Ladder {
        let province = division.and_then(|d| d.ancestor_at(Level::Province));
        let specific = self.by_kind.get(kind);
        let in_province = |rows: &BTreeMap<Option<Division>, Ladder>| {
            province.as_ref().and_then(|p| rows.get(&Some(p.clone())).copied())
        };
        specific
            .and_then(in_province)
            .or_else(|| specific.and_then(|rows| rows.get(&None).copied()))
            .or_else(|| in_province(&self.any_kind))
            .unwrap_or(self.default)
    }
}

// ---------------------------------------------------------------------------------------------
// Beijing days
// ---------------------------------------------------------------------------------------------

/// The UTC time of day at which a Beijing day begins (the previous UTC day's 16:00).
fn beijing_midnight_in_utc() -> NaiveTime {
    NaiveTime::MIN.overflowing_sub_signed(TimeDelta::seconds(i64::from(BEIJING_OFFSET_SECS))).0
}

/// The deadline instant for a day in Beijing: the moment the next Beijing day begins, e.g.
/// 2026-12-31 → 2026-12-31T16:00:00Z. Anything strictly before it is on time.
pub fn end_of_day_beijing(date: NaiveDate) -> DateTime<Utc> {
    // Beijing is east of UTC, so the next Beijing day begins on the same UTC date.
    date.and_time(beijing_midnight_in_utc()).and_utc()
}

/// The instant a day begins in Beijing (local midnight), e.g. 2026-01-01 → 2025-12-31T16:00:00Z.
/// Saturates at the earliest representable instant for the first representable date.
pub fn start_instant(date: NaiveDate) -> DateTime<Utc> {
    date.pred_opt().map_or(DateTime::<Utc>::MIN_UTC, end_of_day_beijing)
}

/// The calendar date in Beijing at the instant `at` (for the last eight representable hours,
/// whose Beijing date lies beyond the calendar, the last representable date).
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    let utc = at.naive_utc();
    if utc.time() < beijing_midnight_in_utc() { utc.date() } else { utc.date().succ_opt().unwrap_or(NaiveDate::MAX) }
}

// ---------------------------------------------------------------------------------------------
// Reporting periods
// ---------------------------------------------------------------------------------------------

/// A calendar reporting period for recurring supervision (monthly checks, quarterly supervision,
/// half-year evaluation, year-end check). Periods start on the first of a month aligned to the
/// calendar year: quarters on 1 January, April, July and October; half years on 1 January and July.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// One calendar month.
    Monthly,
    /// One calendar quarter.
    Quarterly,
    /// One half of a calendar year.
    HalfYearly,
    /// One calendar year.
    Yearly,
}

impl Period {
    /// Every period, shortest first.
    pub const ALL: [Period; 4] = [Period::Monthly, Period::Quarterly, Period::HalfYearly, Period::Yearly];

    /// The length of the period in months (1, 3, 6 or 12).
    pub const fn months(self) -> u32 {
        match self {
            Period::Monthly => 1,
            Period::Quarterly => 3,
            Period::HalfYearly => 6,
            Period::Yearly => 12,
        }
    }
}

/// The start of the period of kind `period` that contains `date`.
pub fn period_start_containing(period: Period, date: NaiveDate) -> NaiveDate {
    let months = period.months();
    let first_month0 = date.month0() / months * months;
    NaiveDate::from_ymd_opt(date.year(), first_month0 + 1, 1).expect("the first of a month in a valid year exists")
}

/// The first period boundary on or after `date`: `date` itself if a period starts on it,
/// otherwise the start of the next period.
///
/// # Panics
///
/// If that boundary lies beyond the last date chrono can represent (31 December 262142).
pub fn period_start_on_or_after(period: Period, date: NaiveDate) -> NaiveDate {
    let containing = period_start_containing(period, date);
    if containing == date { date } else { next_period_start(period, containing) }
}

/// The start of the period after the one containing `start` (for a period start, the start of the
/// following period); always later than `start`.
///
/// # Panics
///
/// If that boundary lies beyond the last date chrono can represent (31 December 262142).
pub fn next_period_start(period: Period, start: NaiveDate) -> NaiveDate {
    period_start_containing(period, start)
        .checked_add_months(Months::new(period.months()))
        .expect("period boundary within the representable calendar")
}

/// The label of the period containing `start`: `2026-11` (month), `2026-Q4` (quarter),
/// `2026-H2` (half year) or `2026` (year). Distinct periods of one kind have distinct labels.
pub fn period_label(period: Period, start: NaiveDate) -> String {
    let year = start.year();
    let month0 = start.month0();
    match period {
        Period::Monthly => format!("{year:04}-{:02}", month0 + 1),
        Period::Quarterly => format!("{year:04}-Q{}", month0 / 3 + 1),
        Period::HalfYearly => format!("{year:04}-H{}", month0 / 6 + 1),
        Period::Yearly => format!("{year:04}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::FixedOffset;
    use proptest::prelude::*;

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
    }

    fn date(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The Beijing time zone as chrono's fixed offset, to check the arithmetic above against.
    fn beijing() -> FixedOffset {
        FixedOffset::east_opt(BEIJING_OFFSET_SECS).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    // --- apportion ---------------------------------------------------------------------------

    #[test]
    fn apportion_gives_leftover_units_to_the_largest_remainders() {
        // Shares 3.5, 2.1, 1.4 → floors 3, 2, 1 and one unit left for the 0.5 remainder.
        assert_eq!(apportion(7, &[50, 30, 20]), Ok(vec![4, 2, 1]));
        // Shares 3.33.. each: one unit left, which goes to the lowest index.
        assert_eq!(apportion(10, &[1, 1, 1]), Ok(vec![4, 3, 3]));
        assert_eq!(apportion(11, &[1, 1, 1]), Ok(vec![4, 4, 3]));
    }

    #[test]
    fn apportion_breaks_ties_by_lower_index_whatever_the_order_of_weights() {
        assert_eq!(apportion(1, &[2, 1, 2]), Ok(vec![1, 0, 0]));
        assert_eq!(apportion(1, &[1, 2, 2]), Ok(vec![0, 1, 0]));
    }

    #[test]
    fn apportion_gives_zero_weights_nothing() {
        assert_eq!(apportion(5, &[0, 3, 0, 2]), Ok(vec![0, 3, 0, 2]));
        assert_eq!(apportion(1, &[0, 1]), Ok(vec![0, 1]));
        assert_eq!(apportion(0, &[4, 5]), Ok(vec![0, 0]));
    }

    #[test]
    fn apportion_handles_large_totals_and_weights() {
        let total = 1_000_000_000_000_000; // 10^15 fen
        let weights = [1_000_000_000_000, 999_999_999_999, 1, 333_333_333_333];
        let parts = apportion(total, &weights).unwrap();
        assert_eq!(parts.iter().sum::<i64>(), total);
        assert_eq!(apportion(i64::MAX, &[u64::MAX, u64::MAX]), Ok(vec![i64::MAX / 2 + 1, i64::MAX / 2]));
    }

    #[test]
    fn apportion_rejects_what_it_cannot_split() {
        assert_eq!(apportion(-1, &[1]), Err(ApportionError::NegativeTotal));
        assert_eq!(apportion(5, &[]), Err(ApportionError::NoWeights));
        assert_eq!(apportion(5, &[0, 0]), Err(ApportionError::ZeroWeights));
    }

    proptest! {
        #[test]
        fn apportion_is_exact_and_within_one_of_each_share(
            total in 0i64..=1_000_000_000_000_000,
            weights in prop::collection::vec(0u64..=1_000_000_000_000, 1..40),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let parts = apportion(total, &weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (part, weight) in parts.iter().zip(&weights) {
                // |part − total·w/sum| < 1, i.e. the part is the floor or the ceiling of its share.
                let gap = i128::from(*part) * sum - i128::from(total) * i128::from(*weight);
                prop_assert!(gap.abs() < sum, "part {part} for weight {weight}");
                if *weight == 0 {
                    prop_assert_eq!(*part, 0);
                }
            }
        }

        #[test]
        fn apportion_is_monotone_in_weight(
            total in 0i64..=1_000_000_000,
            weights in prop::collection::vec(0u64..=1_000, 1..30),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let parts = apportion(total, &weights).unwrap();
            for i in 0..weights.len() {
                for j in 0..weights.len() {
                    if weights[i] > weights[j] {
                        prop_assert!(parts[i] >= parts[j]);
                    }
                    if weights[i] == weights[j] {
                        prop_assert!((parts[i] - parts[j]).abs() <= 1);
                    }
                }
            }
        }

        #[test]
        fn apportion_with_equal_weights_differs_by_at_most_one(
            total in 0i64..=1_000_000_000_000_000,
            weight in 1u64..=1_000_000_000_000,
            count in 1usize..50,
        ) {
            let parts = apportion(total, &vec![weight; count]).unwrap();
            let (min, max) = (parts.iter().min().unwrap(), parts.iter().max().unwrap());
            prop_assert!(max - min <= 1);
            // The extra units go to the lowest indices.
            prop_assert!(parts.windows(2).all(|w| w[0] >= w[1]));
        }
    }

    // --- notice days ---------------------------------------------------------------------------

    #[test]
    fn default_notice_table_has_the_national_lengths() {
        let table = NoticeDays::default_table();
        let village = d("520624101201");
        assert_eq!(table.days_for("identification.village", &village), Some(7));
        assert_eq!(table.days_for("identification.township", &village), Some(7));
        assert_eq!(table.days_for("exit.household", &village), Some(7));
        assert_eq!(table.days_for("exit.village", &village), Some(7));
        assert_eq!(table.days_for("exit.county", &d("520624")), Some(7));
        assert_eq!(table.days_for("monitoring.village", &village), Some(5));
        assert_eq!(table.days_for("funds.disclosure", &d("52")), Some(10));
        assert_eq!(table.days_for("no.such.kind", &village), None);
        assert_eq!(
            table.kinds(),
            vec![
                "exit.county",
                "exit.household",
                "exit.village",
                "funds.disclosure",
                "identification.township",
                "identification.village",
                "monitoring.village",
            ]
        );
    }

    #[test]
    fn a_province_notice_length_overrides_the_default_inside_that_province_only() {
        let csv = "kind,province,days\n# comment\nidentification.village,*,7\n identification.village , 44 , 5 \n";
        let table = NoticeDays::from_csv(csv).unwrap();
        assert_eq!(table.days_for("identification.village", &d("440106001001")), Some(5));
        assert_eq!(table.days_for("identification.village", &d("44")), Some(5));
        assert_eq!(table.days_for("identification.village", &d("520624101201")), Some(7));
    }

    #[test]
    fn a_kind_with_only_province_rows_has_no_length_elsewhere() {
        let table = NoticeDays::from_csv("kind,province,days\nexit.village,37,10\n").unwrap();
        assert_eq!(table.days_for("exit.village", &d("3701")), Some(10));
        assert_eq!(table.days_for("exit.village", &d("5201")), None);
        assert_eq!(table.kinds(), vec!["exit.village"]);
    }

    #[test]
    fn notice_table_rejects_bad_rows() {
        let load = |rows: &str| NoticeDays::from_csv(&format!("kind,province,days\n{rows}"));
        assert_eq!(load("a.b,*,0\n"), Err(NoticeDaysError::Days { line: 2 }));
        assert_eq!(load("a.b,*,91\n"), Err(NoticeDaysError::Days { line: 2 }));
        assert_eq!(load("a.b,*,-3\n"), Err(NoticeDaysError::Days { line: 2 }));
        assert_eq!(load("a.b,*,seven\n"), Err(NoticeDaysError::Days { line: 2 }));
        assert_eq!(load("a.b,*,90\n").map(|t| t.days_for("a.b", &d("11"))), Ok(Some(90)));
        for province in ["4", "440", "4401", "00", "CN", ""] {
            assert_eq!(load(&format!("a.b,{province},7\n")), Err(NoticeDaysError::Province { line: 2 }), "{province}");
        }
        for kind in ["", "*", "Exit.household", "exit..household", ".exit", "exit.", "exit household", "出列"] {
            assert_eq!(load(&format!("{kind},*,7\n")), Err(NoticeDaysError::Kind { line: 2 }), "{kind:?}");
        }
        assert_eq!(load(&format!("{},*,7\n", "a".repeat(65))), Err(NoticeDaysError::Kind { line: 2 }));
        assert_eq!(
            load("a.b,*,7\na.b,44,5\na.b,44,6\n"),
            Err(NoticeDaysError::Duplicate { line: 4, kind: "a.b".into(), province: "44".into() })
        );
        assert_eq!(
            load("a.b,*,7\na.b,*,7\n"),
            Err(NoticeDaysError::Duplicate { line: 3, kind: "a.b".into(), province: "*".into() })
        );
        assert!(matches!(load("a.b,*\n"), Err(NoticeDaysError::Csv(_))));
        assert_eq!(NoticeDays::from_csv("kind,scope,days\n"), Err(NoticeDaysError::Header));
    }

    // --- deadline ladder -----------------------------------------------------------------------

    #[test]
    fn default_ladder_reminds_and_escalates_three_days_either_side() {
        let ladder = DeadlineLadder::default_table().for_task("exit.household", Some(&d("520624")));
        assert_eq!(ladder, Ladder { remind_before: TimeDelta::hours(72), grace: TimeDelta::hours(72) });
        let due = utc("2026-12-31T16:00:00Z");
        assert_eq!(ladder.remind_at(due), utc("2026-12-28T16:00:00Z"));
        assert_eq!(ladder.escalate_at(due), utc("2027-01-03T16:00:00Z"));
        assert_eq!(DeadlineLadder::default_table().for_task("plan.household", None), ladder);
    }

    #[test]
    fn ladder_lookup_prefers_kind_and_province_then_kind_then_province_then_default() {
        let csv = "kind,province,remind_before_hours,grace_hours\n\
                   *,*,1,1\n\
                   *,52,2,2\n\
                   exit.household,*,3,3\n\
                   exit.household,52,4,4\n";
        let table = DeadlineLadder::from_csv(csv).unwrap();
        let hours = |kind: &str, division: Option<&str>| {
            let ladder = table.for_task(kind, division.map(d).as_ref());
            assert_eq!(ladder.remind_before, ladder.grace);
            ladder.grace.num_hours()
        };
        assert_eq!(hours("exit.household", Some("520624101201")), 4);
        assert_eq!(hours("exit.household", Some("110101")), 3);
        assert_eq!(hours("exit.household", None), 3);
        assert_eq!(hours("plan.household", Some("5206")), 2);
        assert_eq!(hours("plan.household", Some("11")), 1);
        assert_eq!(hours("plan.household", None), 1);
        // A query for the literal kind "*" is just another kind without rows of its own.
        assert_eq!(hours("*", Some("52")), 2);
    }

    #[test]
    fn ladder_with_a_kind_province_row_but_no_kind_default_falls_back_to_any_kind() {
        let csv = "kind,province,remind_before_hours,grace_hours\n*,*,72,72\n*,44,24,0\nplan.household,52,48,96\n";
        let table = DeadlineLadder::from_csv(csv).unwrap();
        let ladder = table.for_task("plan.household", Some(&d("4401")));
        assert_eq!(ladder, Ladder { remind_before: TimeDelta::hours(24), grace: TimeDelta::zero() });
        let due = utc("2026-06-30T16:00:00Z");
        assert_eq!(ladder.escalate_at(due), due);
        assert_eq!(table.for_task("plan.household", Some(&d("52"))).grace, TimeDelta::hours(96));
    }

    #[test]
    fn ladder_instants_saturate_at_the_ends_of_time() {
        let ladder = Ladder { remind_before: TimeDelta::hours(8760), grace: TimeDelta::hours(8760) };
        assert_eq!(ladder.remind_at(DateTime::<Utc>::MIN_UTC), DateTime::<Utc>::MIN_UTC);
        assert_eq!(ladder.escalate_at(DateTime::<Utc>::MAX_UTC), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn ladder_table_rejects_bad_rows() {
        let header = "kind,province,remind_before_hours,grace_hours\n";
        let load = |rows: &str| DeadlineLadder::from_csv(&format!("{header}*,*,72,72\n{rows}"));
        assert_eq!(load("a.b,*,8761,0\n"), Err(DeadlineLadderError::Hours { line: 3 }));
        assert_eq!(load("a.b,*,0,-1\n"), Err(DeadlineLadderError::Hours { line: 3 }));
        assert_eq!(load("a.b,*,1.5,1\n"), Err(DeadlineLadderError::Hours { line: 3 }));
        assert!(load("a.b,*,8760,0\n").is_ok());
        assert_eq!(load("a.b,520,1,1\n"), Err(DeadlineLadderError::Province { line: 3 }));
        assert_eq!(load("A.B,*,1,1\n"), Err(DeadlineLadderError::Kind { line: 3 }));
        assert_eq!(load("**,*,1,1\n"), Err(DeadlineLadderError::Kind { line: 3 }));
        assert_eq!(
            load("*,*,1,1\n"),
            Err(DeadlineLadderError::Duplicate { line: 3, kind: "*".into(), province: "*".into() })
        );
        assert_eq!(
            load("a.b,11,1,1\na.b,11,2,2\n"),
            Err(DeadlineLadderError::Duplicate { line: 4, kind: "a.b".into(), province: "11".into() })
        );
        assert_eq!(
            DeadlineLadder::from_csv(&format!("{header}a.b,*,1,1\n*,11,1,1\n")),
            Err(DeadlineLadderError::MissingDefault)
        );
        assert_eq!(DeadlineLadder::from_csv(header), Err(DeadlineLadderError::MissingDefault));
        assert_eq!(DeadlineLadder::from_csv("kind,province,hours\n"), Err(DeadlineLadderError::Header));
        assert!(matches!(load("a.b,*,1\n"), Err(DeadlineLadderError::Csv(_))));
    }

    // --- Beijing days --------------------------------------------------------------------------

    #[test]
    fn a_beijing_day_ends_at_sixteen_hundred_utc() {
        assert_eq!(end_of_day_beijing(date(2026, 12, 31)), utc("2026-12-31T16:00:00Z"));
        assert_eq!(start_instant(date(2027, 1, 1)), utc("2026-12-31T16:00:00Z"));
        assert_eq!(start_instant(date(2026, 3, 1)), utc("2026-02-28T16:00:00Z"));
        assert_eq!(beijing_date(utc("2026-12-31T15:59:59Z")), date(2026, 12, 31));
        assert_eq!(beijing_date(utc("2026-12-31T16:00:00Z")), date(2027, 1, 1));
    }

    #[test]
    fn beijing_days_at_the_ends_of_the_calendar_do_not_panic() {
        assert_eq!(start_instant(NaiveDate::MIN), DateTime::<Utc>::MIN_UTC);
        assert_eq!(end_of_day_beijing(NaiveDate::MAX), NaiveDate::MAX.and_hms_opt(16, 0, 0).unwrap().and_utc());
        assert_eq!(beijing_date(DateTime::<Utc>::MIN_UTC), NaiveDate::MIN);
        assert_eq!(beijing_date(DateTime::<Utc>::MAX_UTC), NaiveDate::MAX);
    }

    /// Dates from year 1 to 9999.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1i32..=3_652_059).prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap())
    }

    proptest! {
        #[test]
        fn a_beijing_day_runs_from_its_start_to_its_end(day in any_date()) {
            let start = start_instant(day);
            let end = end_of_day_beijing(day);
            prop_assert_eq!(end - start, TimeDelta::days(1));
            prop_assert_eq!(beijing_date(start), day);
            prop_assert_eq!(beijing_date(end - TimeDelta::nanoseconds(1)), day);
            prop_assert_eq!(beijing_date(end), day.succ_opt().unwrap());
            let local_midnight = day.and_time(NaiveTime::MIN).and_local_timezone(beijing()).unwrap();
            prop_assert_eq!(start, local_midnight.to_utc());
        }

        #[test]
        fn beijing_date_agrees_with_the_fixed_offset(secs in -62_135_596_800i64..=253_402_300_799, nanos in 0u32..1_000_000_000) {
            let at = DateTime::from_timestamp(secs, nanos).unwrap();
            prop_assert_eq!(beijing_date(at), at.with_timezone(&beijing()).date_naive());
        }
    }

    // --- periods -------------------------------------------------------------------------------

    #[test]
    fn periods_start_on_calendar_boundaries() {
        let day = date(2026, 11, 15);
        assert_eq!(period_start_on_or_after(Period::Monthly, day), date(2026, 12, 1));
        assert_eq!(period_start_on_or_after(Period::Quarterly, day), date(2027, 1, 1));
        assert_eq!(period_start_on_or_after(Period::HalfYearly, day), date(2027, 1, 1));
        assert_eq!(period_start_on_or_after(Period::Yearly, day), date(2027, 1, 1));
        assert_eq!(period_start_on_or_after(Period::Quarterly, date(2026, 2, 1)), date(2026, 4, 1));
        assert_eq!(period_start_on_or_after(Period::Quarterly, date(2026, 7, 1)), date(2026, 7, 1));
        assert_eq!(period_start_on_or_after(Period::HalfYearly, date(2026, 4, 1)), date(2026, 7, 1));
        assert_eq!(period_start_on_or_after(Period::Monthly, date(2026, 11, 1)), date(2026, 11, 1));
        assert_eq!(next_period_start(Period::Monthly, date(2026, 12, 1)), date(2027, 1, 1));
        assert_eq!(next_period_start(Period::Quarterly, date(2026, 10, 1)), date(2027, 1, 1));
        assert_eq!(next_period_start(Period::HalfYearly, date(2026, 1, 1)), date(2026, 7, 1));
        assert_eq!(next_period_start(Period::Yearly, date(2026, 1, 1)), date(2027, 1, 1));
        assert_eq!(next_period_start(Period::Quarterly, date(2026, 5, 20)), date(2026, 7, 1));
        assert_eq!(Period::ALL.map(Period::months), [1, 3, 6, 12]);
    }

    #[test]
    fn period_labels_name_the_month_quarter_half_or_year() {
        let start = date(2026, 11, 1);
        assert_eq!(period_label(Period::Monthly, start), "2026-11");
        assert_eq!(period_label(Period::Quarterly, date(2026, 10, 1)), "2026-Q4");
        assert_eq!(period_label(Period::Quarterly, date(2026, 1, 1)), "2026-Q1");
        assert_eq!(period_label(Period::HalfYearly, date(2026, 7, 1)), "2026-H2");
        assert_eq!(period_label(Period::HalfYearly, date(2026, 6, 30)), "2026-H1");
        assert_eq!(period_label(Period::Yearly, start), "2026");
        assert_eq!(period_label(Period::Monthly, date(987, 3, 1)), "0987-03");
    }

    #[test]
    fn periods_serialize_in_snake_case() {
        assert_eq!(serde_json::to_string(&Period::HalfYearly).unwrap(), "\"half_yearly\"");
        assert_eq!(serde_json::from_str::<Period>("\"quarterly\"").unwrap(), Period::Quarterly);
    }

    fn any_period() -> impl Strategy<Value = Period> {
        prop::sample::select(Period::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn period_starts_are_idempotent_boundaries(period in any_period(), day in any_date()) {
            let start = period_start_on_or_after(period, day);
            prop_assert!(start >= day);
            prop_assert_eq!(period_start_on_or_after(period, start), start);
            prop_assert_eq!(period_start_containing(period, start), start);
            prop_assert_eq!(start.day(), 1);
            prop_assert_eq!(start.month0() % period.months(), 0);
            // No boundary lies strictly between the date and the one found.
            prop_assert!(period_start_containing(period, day) == day || next_period_start(period, day) == start);
        }

        #[test]
        fn the_next_period_starts_one_period_later(period in any_period(), day in any_date()) {
            let start = period_start_on_or_after(period, day);
            let next = next_period_start(period, start);
            prop_assert!(next > start);
            prop_assert_eq!(next, start.checked_add_months(Months::new(period.months())).unwrap());
            prop_assert_eq!(period_start_containing(period, next - TimeDelta::days(1)), start);
            prop_assert_ne!(period_label(period, start), period_label(period, next));
        }

        #[test]
        fn labels_are_unique_per_period(period in any_period(), a in any_date(), b in any_date()) {
            let same_period = period_start_containing(period, a) == period_start_containing(period, b);
            prop_assert_eq!(period_label(period, a) == period_label(period, b), same_period);
        }
    }
}
