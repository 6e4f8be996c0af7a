//! Funding deadlines (DOMAIN.md §5): how long a province or city has to pass received funds on,
//! and how long an allocating layer has to publish the allocation's results.
//!
//! Both are policy, so they live in a table embedded from `libs/domain/data/funding_deadlines.csv`
//! (replaceable with [`FundingDeadlines::from_csv`]) with a national `*,*` row and optional rows
//! per province, per fund channel, or both; the most specific row applies (province and fund,
//! then the fund nationally, then the province for every fund, then the default). Deadlines are Beijing days: a deadline falls at the end of its day in
//! Beijing, like the engine's directive deadlines.
//!
//! Working days follow the State Council's holiday arrangements ([`WorkCalendar`]): Monday to
//! Friday, less the statutory holidays, plus the weekend days worked in their place.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::calendar::{beijing_date, end_of_day_beijing};
use crate::division::{Division, Level};
use crate::policy_table::{TableProblem, parse_province, rows, whole_number};
use crate::work_calendar::WorkCalendar;

/// The embedded table (`province,fund,onward_days,disclosure_working_days`).
const FUNDING_DEADLINES_TABLE: &str = include_str!("../data/funding_deadlines.csv");
/// The longest period a table may declare, in days of either kind (one year).
const MAX_DAYS: u32 = 365;

/// The funding deadlines that apply in one province.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FundingDeadline {
    /// Calendar days a province or city has to allocate received funds onward.
    pub onward_days: u32,
    /// Working days ([`WorkCalendar`]) an allocating layer has to publish the allocation.
    pub disclosure_working_days: u32,
}

impl FundingDeadline {
    /// When funds received at `received` must have been passed on: the end (Beijing time) of the
    /// day `onward_days` after the day they arrived.
    pub fn onward_due(&self, received: DateTime<Utc>) -> DateTime<Utc> {
        let day = beijing_date(received);
        let due = day.checked_add_signed(TimeDelta::days(i64::from(self.onward_days))).unwrap_or(NaiveDate::MAX);
        end_of_day_beijing(due)
    }

    /// When an allocation made at `allocated` must have been published: the end (Beijing time)
    /// of the `disclosure_working_days`-th working day after the day it was made.
    pub fn disclosure_due(&self, allocated: DateTime<Utc>) -> DateTime<Utc> {
        end_of_day_beijing(add_working_days(beijing_date(allocated), self.disclosure_working_days))
    }
}

/// The date `n` working days after `from` by the embedded [`WorkCalendar`], not counting `from`
/// itself; with `n = 0`, `from`. Saturates at the last representable date.
pub fn add_working_days(from: NaiveDate, n: u32) -> NaiveDate {
    WorkCalendar::embedded().add_working_days(from, n)
}

/// Why a funding-deadline table could not be loaded. `line` is the 1-based line in the CSV text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FundingDeadlinesError {
    /// The text is not well-formed CSV (e.g. a row with the wrong number of fields).
    #[error("funding-deadline table is not valid CSV: {0}")]
    Csv(String),
    /// The header row is not exactly `province,fund,onward_days,disclosure_working_days`.
    #[error("funding-deadline table must have the header province,fund,onward_days,disclosure_working_days")]
    Header,
    /// The province is neither `*` nor a 2-digit province code.
    #[error("line {line}: province must be \"*\" or a 2-digit province code")]
    Province {
        /// Line number in the CSV text.
        line: u64,
    },
    /// A number of days is not a whole number from 1 to 365.
    #[error("line {line}: days must be a whole number from 1 to 365")]
    Days {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The fund is neither `*` nor a fund code (lowercase letters, digits and hyphens).
    #[error("line {line}: fund must be \"*\" or a fund code")]
    Fund {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The same province and fund appear twice.
    #[error("line {line}: province {province} already has funding deadlines for fund {fund}")]
    Duplicate {
        /// Line number in the CSV text.
        line: u64,
        /// The repeated province (`*` or a province code).
        province: String,
        /// The repeated fund (`*` or a fund code).
        fund: String,
    },
    /// There is no `*,*` row, so some allocations would have no deadline.
    #[error("funding-deadline table must have a row for province * and fund *")]
    MissingDefault,
}

impl From<TableProblem> for FundingDeadlinesError {
    fn from(problem: TableProblem) -> Self {
        match problem {
            TableProblem::Csv(message) => FundingDeadlinesError::Csv(message),
            TableProblem::Header => FundingDeadlinesError::Header,
        }
    }
}

/// Funding deadlines nationally, per province and per fund channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundingDeadlines {
    /// Rows by province (`None`: every province) and fund (`None`: every fund), but the default.
    rows: BTreeMap<(Option<Division>, Option<String>), FundingDeadline>,
    /// The `*,*` row.
    default: FundingDeadline,
}

impl FundingDeadlines {
    /// The table embedded in this crate, parsed on first use.
    pub fn default_table() -> &'static FundingDeadlines {
        static TABLE: OnceLock<FundingDeadlines> = OnceLock::new();
        TABLE.get_or_init(|| {
            FundingDeadlines::from_csv(FUNDING_DEADLINES_TABLE).expect("embedded funding_deadlines.csv is valid")
        })
    }

    /// Loads a table from CSV text with the header
    /// `province,fund,onward_days,disclosure_working_days`.
    ///
    /// `province` is `*` or a 2-digit province code; `fund` is `*` or a fund code; each pair at
    /// most once, and `*,*` (the national default for every fund) is required. Both numbers are
    /// whole days from 1 to 365. Lines starting with `#` are comments; fields are trimmed.
    pub fn from_csv(text: &str) -> Result<FundingDeadlines, FundingDeadlinesError> {
        let mut table: BTreeMap<(Option<Division>, Option<String>), FundingDeadline> = BTreeMap::new();
        for row in rows(text, &["province", "fund", "onward_days", "disclosure_working_days"])? {
            let (line, record) = row?;
            let province = parse_province(&record[0]).ok_or(FundingDeadlinesError::Province { line })?;
            let fund = match &record[1] {
                "*" => None,
                code if !code.is_empty()
                    && code.len() <= 64
                    && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
                {
                    Some(code.to_owned())
                }
                _ => return Err(FundingDeadlinesError::Fund { line }),
            };
            let days = |text: &str| whole_number(text, 1..=MAX_DAYS).ok_or(FundingDeadlinesError::Days { line });
            let row = FundingDeadline { onward_days: days(&record[2])?, disclosure_working_days: days(&record[3])? };
            if table.insert((province, fund), row).is_some() {
                return Err(FundingDeadlinesError::Duplicate {
                    line,
                    province: record[0].to_owned(),
                    fund: record[1].to_owned(),
                });
            }
        }
        let default = table.remove(&(None, None)).ok_or(FundingDeadlinesError::MissingDefault)?;
        Ok(FundingDeadlines { rows: table, default })
    }

    /// The deadlines for an allocation of `fund` in `division` (`None`: the centre): the row of
    /// its province and that fund, else of that fund nationally, else of its province, else the
    /// national default.
    pub fn for_allocation(&self, division: Option<&Division>, fund: &str) -> FundingDeadline {
        let province = division.and_then(|d| d.ancestor_at(Level::Province));
        let fund = Some(fund.to_owned());
        let keys = [(province.clone(), fund.clone()), (None, fund), (province, None)];
        keys.iter().find_map(|key| self.rows.get(key).copied()).unwrap_or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Weekday};

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
    }

    fn date(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    const HEADER: &str = "province,fund,onward_days,disclosure_working_days\n";
    const FUND: &str = "central-special";

    #[test]
    fn the_embedded_table_gives_thirty_days_and_fifteen_working_days() {
        let table = FundingDeadlines::default_table();
        let expected = FundingDeadline { onward_days: 30, disclosure_working_days: 15 };
        assert_eq!(table.for_allocation(Some(&d("52")), FUND), expected);
        assert_eq!(table.for_allocation(Some(&d("520624")), "county-special"), expected);
        assert_eq!(table.for_allocation(None, FUND), expected);
    }

    #[test]
    fn a_province_row_overrides_the_default_for_everything_inside_it() {
        let table = FundingDeadlines::from_csv(&format!("{HEADER}*,*,30,15\n52,*,20,10\n")).unwrap();
        let guizhou = FundingDeadline { onward_days: 20, disclosure_working_days: 10 };
        assert_eq!(table.for_allocation(Some(&d("52")), FUND), guizhou);
        assert_eq!(table.for_allocation(Some(&d("5206")), FUND), guizhou);
        assert_eq!(table.for_allocation(Some(&d("520624")), FUND), guizhou);
        assert_eq!(table.for_allocation(Some(&d("53")), FUND).onward_days, 30);
        assert_eq!(table.for_allocation(None, FUND).disclosure_working_days, 15);
    }

    #[test]
    fn a_fund_row_overrides_the_province_and_the_default_and_a_province_fund_row_overrides_both() {
        let rows = "*,*,30,15\n52,*,20,10\n*,social-paired,45,15\n52,social-paired,40,12\n*,county-special,25,15\n";
        let table = FundingDeadlines::from_csv(&format!("{HEADER}{rows}")).unwrap();
        let onward =
            |division: Option<&str>, fund: &str| table.for_allocation(division.map(d).as_ref(), fund).onward_days;
        assert_eq!(onward(Some("520624"), "social-paired"), 40);
        assert_eq!(onward(Some("53"), "social-paired"), 45);
        assert_eq!(onward(None, "social-paired"), 45);
        assert_eq!(onward(Some("520624"), "county-special"), 25, "the fund's own row before the province's");
        assert_eq!(onward(Some("520624"), FUND), 20);
        assert_eq!(onward(Some("53"), FUND), 30);
    }

    #[test]
    fn onward_deadline_is_the_end_of_the_beijing_day_n_days_later() {
        let rule = FundingDeadline { onward_days: 30, disclosure_working_days: 15 };
        // 2026-03-01 10:00 in Beijing.
        assert_eq!(rule.onward_due(utc("2026-03-01T02:00:00Z")), utc("2026-03-31T16:00:00Z"));
        // 2026-03-01 23:30 in Beijing is still 1 March there, though 15:30 UTC.
        assert_eq!(rule.onward_due(utc("2026-03-01T15:30:00Z")), utc("2026-03-31T16:00:00Z"));
        // 00:30 on 2 March in Beijing.
        assert_eq!(rule.onward_due(utc("2026-03-01T16:30:00Z")), utc("2026-04-01T16:00:00Z"));
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-30 is a Monday.
        let monday = date(2026, 11, 30);
        assert_eq!(monday.weekday(), Weekday::Mon);
        assert_eq!(add_working_days(monday, 0), monday);
        assert_eq!(add_working_days(monday, 1), date(2026, 12, 1));
        assert_eq!(add_working_days(monday, 4), date(2026, 12, 4));
        assert_eq!(add_working_days(monday, 5), date(2026, 12, 7));
        assert_eq!(add_working_days(monday, 15), date(2026, 12, 21));
        // From a Friday or a weekend day the next working day is Monday.
        assert_eq!(add_working_days(date(2026, 12, 4), 1), date(2026, 12, 7));
        assert_eq!(add_working_days(date(2026, 12, 5), 1), date(2026, 12, 7));
        assert_eq!(add_working_days(date(2026, 12, 6), 1), date(2026, 12, 7));
        assert_eq!(add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    #[test]
    fn disclosure_deadline_counts_working_days_in_beijing() {
        let rule = FundingDeadline { onward_days: 30, disclosure_working_days: 15 };
        // Monday 30 November 2026, 09:00 in Beijing: three weeks on is Monday 21 December.
        assert_eq!(rule.disclosure_due(utc("2026-11-30T01:00:00Z")), utc("2026-12-21T16:00:00Z"));
        // Sunday 22:00 UTC is already Monday in Beijing.
        assert_eq!(rule.disclosure_due(utc("2026-11-29T22:00:00Z")), utc("2026-12-21T16:00:00Z"));
        // Over the 2026 National Day week: from Friday 25 September (Mid-Autumn, off) the 15th
        // working day is Thursday 22 October (Saturday 10 October worked), not Friday 16 October.
        assert_eq!(rule.disclosure_due(utc("2026-09-25T02:00:00Z")), utc("2026-10-22T16:00:00Z"));
    }

    #[test]
    fn the_table_rejects_bad_rows() {
        let load = |rows: &str| FundingDeadlines::from_csv(&format!("{HEADER}*,*,30,15\n{rows}"));
        assert_eq!(load("52,*,0,15\n"), Err(FundingDeadlinesError::Days { line: 3 }));
        assert_eq!(load("52,*,30,366\n"), Err(FundingDeadlinesError::Days { line: 3 }));
        assert_eq!(load("52,*,-1,15\n"), Err(FundingDeadlinesError::Days { line: 3 }));
        assert_eq!(load("52,*,thirty,15\n"), Err(FundingDeadlinesError::Days { line: 3 }));
        assert!(load("52,*,365,1\n").is_ok());
        for province in ["5", "520", "5206", "CN", "", "00"] {
            assert_eq!(load(&format!("{province},*,30,15\n")), Err(FundingDeadlinesError::Province { line: 3 }));
        }
        for fund in ["", "Central", "central special", "基金"] {
            assert_eq!(load(&format!("52,{fund},30,15\n")), Err(FundingDeadlinesError::Fund { line: 3 }));
        }
        let duplicate = |line, province: &str, fund: &str| {
            Err(FundingDeadlinesError::Duplicate { line, province: province.into(), fund: fund.into() })
        };
        assert_eq!(load("*,*,20,10\n"), duplicate(3, "*", "*"));
        assert_eq!(load("52,*,20,10\n52,*,25,10\n"), duplicate(4, "52", "*"));
        assert_eq!(load("52,x,20,10\n52,x,25,10\n"), duplicate(4, "52", "x"));
        assert!(load("52,x,20,10\n53,x,25,10\n52,*,1,1\n").is_ok());
        assert!(matches!(load("52,*,30\n"), Err(FundingDeadlinesError::Csv(_))));
        assert_eq!(
            FundingDeadlines::from_csv(&format!("{HEADER}52,*,30,15\n*,x,30,15\n")),
            Err(FundingDeadlinesError::MissingDefault)
        );
        assert_eq!(
            FundingDeadlines::from_csv("province,onward_days,disclosure_working_days\n"),
            Err(FundingDeadlinesError::Header)
        );
        // Comments and padding are allowed.
        let padded = FundingDeadlines::from_csv(&format!("# note\n{HEADER} * , * , 30 , 15 \n")).unwrap();
        assert_eq!(padded.for_allocation(None, FUND).onward_days, 30);
    }
}
