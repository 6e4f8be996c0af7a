//! The working-day calendar (DOMAIN.md §5: allocation results are published "within 15 working
//! days"). A working day is Monday to Friday, except the statutory holidays the State Council
//! arranges each year, plus the weekend days worked in their place (调休). The arrangements are
//! data, embedded from `libs/domain/data/work_calendar.csv` (`date,kind,holiday`, `kind` being
//! `holiday` or `workday`); a year the table does not list counts Monday to Friday, so a deadline
//! in it can only fall earlier than the arrangement would put it, never later.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::policy_table::{TableProblem, rows};

/// The embedded arrangements.
const WORK_CALENDAR_TABLE: &str = include_str!("../data/work_calendar.csv");

/// What the arrangement makes of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// A day off of a statutory holiday.
    Holiday,
    /// A weekend day worked in a holiday's place.
    Workday,
}

/// Why a work-calendar table could not be loaded. `line` is the 1-based line in the CSV text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkCalendarError {
    /// The text is not well-formed CSV.
    #[error("work calendar is not valid CSV: {0}")]
    Csv(String),
    /// The header row is not exactly `date,kind,holiday`.
    #[error("work calendar must have the header date,kind,holiday")]
    Header,
    /// The date is not `YYYY-MM-DD`.
    #[error("line {line}: date must be YYYY-MM-DD")]
    Date {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The kind is neither `holiday` nor `workday`.
    #[error("line {line}: kind must be holiday or workday")]
    Kind {
        /// Line number in the CSV text.
        line: u64,
    },
    /// A weekend day declared worked is not a Saturday or Sunday.
    #[error("line {line}: only a Saturday or Sunday can be a worked weekend day")]
    NotWeekend {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The holiday is not named.
    #[error("line {line}: the holiday must be named")]
    Name {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The same day appears twice.
    #[error("line {line}: {date} is listed already")]
    Duplicate {
        /// Line number in the CSV text.
        line: u64,
        /// The repeated day.
        date: NaiveDate,
    },
}

impl From<TableProblem> for WorkCalendarError {
    fn from(problem: TableProblem) -> Self {
        match problem {
            TableProblem::Csv(message) => WorkCalendarError::Csv(message),
            TableProblem::Header => WorkCalendarError::Header,
        }
    }
}

/// The holiday arrangements of the years a table lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, (DayKind, String)>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// The calendar embedded in this crate, parsed on first use.
    pub fn embedded() -> &'static WorkCalendar {
        static TABLE: OnceLock<WorkCalendar> = OnceLock::new();
        TABLE.get_or_init(|| WorkCalendar::from_csv(WORK_CALENDAR_TABLE).expect("embedded work_calendar.csv is valid"))
    }

    /// Loads a calendar from CSV text with the header `date,kind,holiday`; lines starting with
    /// `#` are comments. A year is covered once any of its days is listed.
    pub fn from_csv(text: &str) -> Result<WorkCalendar, WorkCalendarError> {
        let mut days = BTreeMap::new();
        for row in rows(text, &["date", "kind", "holiday"])? {
            let (line, record) = row?;
            let date =
                NaiveDate::parse_from_str(&record[0], "%Y-%m-%d").map_err(|_| WorkCalendarError::Date { line })?;
            let kind = match &record[1] {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                _ => return Err(WorkCalendarError::Kind { line }),
            };
            if kind == DayKind::Workday && !weekend(date) {
                return Err(WorkCalendarError::NotWeekend { line });
            }
            if record[2].is_empty() {
                return Err(WorkCalendarError::Name { line });
            }
            if days.insert(date, (kind, record[2].to_owned())).is_some() {
                return Err(WorkCalendarError::Duplicate { line, date });
            }
        }
        let years = days.keys().map(Datelike::year).collect();
        Ok(WorkCalendar { days, years })
    }

    /// Whether the table holds the arrangements of `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The holiday a day belongs to (a day off, or a weekend day worked for it), if any.
    pub fn holiday(&self, day: NaiveDate) -> Option<(DayKind, &str)> {
        self.days.get(&day).map(|(kind, name)| (*kind, name.as_str()))
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.days.get(&day) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !weekend(day),
        }
    }

    /// The date `n` working days after `from`, not counting `from` itself; with `n = 0`, `from`.
    /// Saturates at the last representable date.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            let Some(next) = day.succ_opt() else { return NaiveDate::MAX };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

fn weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_embedded_calendar_covers_2014_to_2026() {
        let c = WorkCalendar::embedded();
        assert!((2014..=2026).all(|y| c.covers(y)));
        assert!(!c.covers(2013) && !c.covers(2027));
    }

    /// The 2026 arrangement: Spring Festival 15–23 February off, Saturdays 14 and 28 February
    /// worked; National Day 1–7 October off (with Mid-Autumn 25–27 September), Sunday 20
    /// September and Saturday 10 October worked.
    #[test]
    fn the_2026_arrangement_moves_working_days() {
        let c = WorkCalendar::embedded();
        assert!(!c.is_working_day(date(2026, 2, 16)), "a Monday of the Spring Festival");
        assert!(c.is_working_day(date(2026, 2, 14)), "a Saturday worked");
        assert_eq!(c.holiday(date(2026, 2, 28)), Some((DayKind::Workday, "春节")));
        assert!(c.is_working_day(date(2026, 9, 20)) && c.is_working_day(date(2026, 10, 10)));
        assert!(!c.is_working_day(date(2026, 10, 1)));
        assert!(c.is_working_day(date(2026, 12, 1)) && !c.is_working_day(date(2026, 12, 5)));
        // 15 working days from Friday 11 September 2026: Sunday 20 September counts, the
        // Mid-Autumn Friday and the National Day week do not.
        assert_eq!(c.add_working_days(date(2026, 9, 11), 15), date(2026, 10, 9));
        // Without the arrangement it would be Friday 2 October.
        let plain = WorkCalendar::from_csv("date,kind,holiday\n").unwrap();
        assert_eq!(plain.add_working_days(date(2026, 9, 11), 15), date(2026, 10, 2));
    }

    #[test]
    fn a_year_not_listed_counts_monday_to_friday() {
        let c = WorkCalendar::embedded();
        assert_eq!(c.add_working_days(date(2027, 1, 29), 1), date(2027, 2, 1));
        assert_eq!(c.add_working_days(date(2027, 3, 1), 0), date(2027, 3, 1));
    }

    #[test]
    fn bad_tables_are_refused_with_their_line() {
        let refused = |body: &str| WorkCalendar::from_csv(&format!("date,kind,holiday\n{body}")).unwrap_err();
        assert_eq!(refused("2026-02-30,holiday,春节\n"), WorkCalendarError::Date { line: 2 });
        assert_eq!(refused("2026-02-16,off,春节\n"), WorkCalendarError::Kind { line: 2 });
        assert_eq!(refused("2026-02-16,workday,春节\n"), WorkCalendarError::NotWeekend { line: 2 });
        assert_eq!(refused("2026-02-16,holiday,\n"), WorkCalendarError::Name { line: 2 });
        assert_eq!(
            refused("2026-02-16,holiday,春节\n2026-02-16,holiday,春节\n"),
            WorkCalendarError::Duplicate { line: 3, date: date(2026, 2, 16) }
        );
        assert_eq!(WorkCalendar::from_csv("day,kind\n").unwrap_err(), WorkCalendarError::Header);
    }
}
