//! [`DeadlineLadder`]: when a task is reminded and escalated around its due instant, by kind and
//! province, a policy table embedded from `libs/domain/data/deadline_ladder.csv`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, TimeDelta, Utc};

use crate::division::{Division, Level};
use crate::policy_table::{ANY, TableProblem, is_valid_kind, parse_province, rows, whole_number};

/// The embedded escalation table (`kind,province,remind_before_hours,grace_hours`).
const DEADLINE_LADDER_TABLE: &str = include_str!("../data/deadline_ladder.csv");
/// The longest reminder lead or escalation grace a table may declare, in hours (one year).
const MAX_LADDER_HOURS: u32 = 8760;

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
        let mut by_kind: BTreeMap<String, BTreeMap<Option<Division>, Ladder>> = BTreeMap::new();
        let mut any_kind = BTreeMap::new();
        for row in rows(text, &["kind", "province", "remind_before_hours", "grace_hours"])? {
            let (line, record) = row?;
            let (kind, province) = (&record[0], &record[1]);
            if kind != ANY && !is_valid_kind(kind) {
                return Err(DeadlineLadderError::Kind { line });
            }
            let scope = parse_province(province).ok_or(DeadlineLadderError::Province { line })?;
            let hours = |text: &str| {
                whole_number(text, 0..=MAX_LADDER_HOURS)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
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
}
