//! [`NoticeDays`]: public-notice window lengths by kind and province, a policy table embedded
//! from `libs/domain/data/notice_days.csv` and replaceable with `from_csv`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::division::{Division, Level};
use crate::policy_table::{TableProblem, is_valid_kind, parse_province, rows, whole_number};

/// The embedded notice-window table (`kind,province,days`).
const NOTICE_DAYS_TABLE: &str = include_str!("../data/notice_days.csv");
/// The longest notice window a table may declare, in days.
const MAX_NOTICE_DAYS: u32 = 90;

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
        let mut table = NoticeDays::default();
        for row in rows(text, &["kind", "province", "days"])? {
            let (line, record) = row?;
            let (kind, province, days) = (&record[0], &record[1], &record[2]);
            if !is_valid_kind(kind) {
                return Err(NoticeDaysError::Kind { line });
            }
            let scope = parse_province(province).ok_or(NoticeDaysError::Province { line })?;
            let days = whole_number(days, 1..=MAX_NOTICE_DAYS).ok_or(NoticeDaysError::Days { line })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
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
}
