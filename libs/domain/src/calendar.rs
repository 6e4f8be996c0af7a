//! The Beijing calendar. Day deadlines are Beijing days: China keeps UTC+08:00 all year, so a
//! date's start and end are fixed UTC instants ([`start_instant`], [`end_of_day_beijing`],
//! [`beijing_date`]). Recurring supervision runs on calendar [`Period`]s (month, quarter, half
//! year, year).

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Offset of Beijing time (China Standard Time) from UTC, in seconds; there is no daylight saving.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

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
