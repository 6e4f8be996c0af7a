//! Pure rules of return-to-poverty monitoring (DOMAIN.md §7): the per-province policy table, the
//! range test that admits a case, the steps from signal to decision, and when a household's risk
//! may be removed. No I/O; the verbs in `crate::monitoring` apply these.

use chain_api::monitoring::{MonitoringStatus, OpenMonitoringCase, RangeReason};
use chain_domain::{Division, Invalid, Level, Money, ResidentId, registry, text};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

use super::Refusal;

/// Per-province parameters of monitoring (`data/monitoring_policy.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The range's multiple of the poverty line, in thousandths.
    pub income_multiplier_permille: u32,
    /// Days from the first signal to the county's decision.
    pub decision_days: u32,
    /// The village's notice kind.
    pub notice_kind: String,
    /// Months of stable income, and of monitoring, before risk removal.
    pub risk_removal_min_months: u32,
    /// The fall from the year before, in thousandths, that counts as a sharp drop.
    pub income_drop_permille: u32,
}

/// The table of [`Policy`] by province.
#[derive(Debug, Clone)]
pub struct Policies {
    default: Policy,
    provinces: Vec<(String, Policy)>,
}

const HEADER: &str =
    "province,income_multiplier_permille,decision_days,notice_kind,risk_removal_min_months,income_drop_permille";

impl Policies {
    /// The table shipped with the service.
    pub fn embedded() -> &'static Policies {
        static TABLE: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            Policies::from_csv(include_str!("../../../data/monitoring_policy.csv")).expect("the embedded table parses")
        })
    }

    /// Parses a table with the header [`HEADER`], `#` comments and a required `*` row.
    pub fn from_csv(text: &str) -> Result<Policies, String> {
        let mut rows = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        if rows.next() != Some(HEADER) {
            return Err(format!("the header must be {HEADER}"));
        }
        let (mut default, mut provinces) = (None, Vec::new());
        for (n, row) in rows.enumerate() {
            let bad = |what: &str| format!("row {}: {what}", n + 1);
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            let [province, multiplier, days, kind, months, drop] = cells[..] else {
                return Err(bad("six cells expected"));
            };
            let num = |v: &str, lo: u32, hi: u32, what: &str| {
                v.parse::<u32>().ok().filter(|x| (lo..=hi).contains(x)).ok_or_else(|| bad(what))
            };
            let policy = Policy {
                income_multiplier_permille: num(multiplier, 1000, 5000, "the multiplier is 1000 to 5000 permille")?,
                decision_days: num(days, 1, 365, "decision days are 1 to 365")?,
                notice_kind: Some(kind)
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| bad("a notice kind is required"))?
                    .into(),
                risk_removal_min_months: num(months, 1, 60, "months are 1 to 60")?,
                income_drop_permille: num(drop, 1, 1000, "the drop is 1 to 1000 permille")?,
            };
            match province {
                "*" => default = Some(policy),
                p if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => provinces.push((p.to_owned(), policy)),
                p => return Err(bad(&format!("{p:?} is neither * nor a 2-digit province code"))),
            }
        }
        Ok(Policies { default: default.ok_or("the * row is required")?, provinces })
    }

    /// The parameters for a case in `village`.
    pub fn for_division(&self, village: &Division) -> &Policy {
        let code = village.as_str();
        self.provinces.iter().find(|(p, _)| code.starts_with(p.as_str())).map(|(_, p)| p).unwrap_or(&self.default)
    }
}

/// A signal that passed validation: its village and, for a household not in the register, its
/// head's resident ID.
#[derive(Debug, Clone)]
pub struct ValidSignal {
    /// The village.
    pub village: Division,
    /// The head's ID (only for a household not in the register).
    pub head_id: Option<ResidentId>,
}

/// Validates a signal's village, years and dates, and (for a household not in the register) its
/// head's name and ID; every invalid field is reported at once.
pub fn signal(req: &OpenMonitoringCase, today: NaiveDate) -> Result<ValidSignal, Invalid> {
    let mut bad = Invalid::new();
    let village = match Division::parse(&req.village) {
        Ok(d) if d.level() == Level::Village && registry().exists(&d) => Some(d),
        Ok(_) => {
            bad.push("village", "must be the 12-digit code of a village in the registry");
            None
        }
        Err(e) => {
            bad.push("village", e.to_string());
            None
        }
    };
    if !(chain_api::limits::FIRST_YEAR..=today.year()).contains(&req.year) {
        bad.push("year", format!("must be between 2014 and {}", today.year()));
    }
    if req.signal_date > today || req.signal_date.year() < chain_api::limits::FIRST_YEAR {
        bad.push("signal_date", "must be a date since 2014 and not in the future");
    }
    let mut head_id = None;
    if req.household_id.is_none() {
        let name = text::field(req.head_name.as_deref().unwrap_or_default(), text::Kind::Name, "head_name", &mut bad);
        if name.is_empty() || name.chars().count() > chain_api::limits::NAME_CHARS {
            bad.push("head_name", "a household not in the register needs its head's name (1–50 characters)");
        }
        match req.head_resident_id.as_deref().map(|id| ResidentId::parse(id, today)) {
            Some(Ok(id)) => head_id = Some(id),
            Some(Err(e)) => bad.push("head_resident_id", e.to_string()),
            None => bad.push("head_resident_id", "a household not in the register needs its head's ID"),
        }
    }
    match village {
        Some(village) if bad.is_empty() => Ok(ValidSignal { village, head_id }),
        _ => Err(bad),
    }
}

/// The upper bound of the range: the line × the policy's multiple, rounded down to whole fen.
pub fn ceiling(line: Money, policy: &Policy) -> i64 {
    let fen = i128::from(line.fen()) * i128::from(policy.income_multiplier_permille) / 1000;
    i64::try_from(fen).unwrap_or(i64::MAX)
}

/// The facts of a signal that the range test looks at (all per capita per year, fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Net income.
    pub income_fen: i64,
    /// The year before's net income, if a drop is the concern.
    pub previous_income_fen: Option<i64>,
    /// Rigid spending (illness, disability, disaster).
    pub rigid_spending_fen: Option<i64>,
    /// Whether the rigid spending's reason was given.
    pub rigid_reason_given: bool,
}

/// Why a case is in range, or a field-level refusal: income below `ceiling_fen`, rigid spending
/// above income, or a drop of at least the policy's share.
pub fn range(f: &Facts, ceiling_fen: i64, policy: &Policy) -> Result<Vec<RangeReason>, Invalid> {
    let mut bad = Invalid::new();
    let mut err = |field: &str, message: String| bad.push(field, message);
    if f.income_fen < 0 {
        err("per_capita_income_fen", "must not be negative".into());
    }
    if f.previous_income_fen.is_some_and(|p| p < 0) {
        err("previous_income_fen", "must not be negative".into());
    }
    if f.rigid_spending_fen.is_some_and(|r| r < 0) {
        err("rigid_spending_fen", "must not be negative".into());
    }
    if f.rigid_spending_fen.is_some() != f.rigid_reason_given {
        err(
            "rigid_spending_reason",
            "rigid spending and its reason (illness, disability, disaster) go together".into(),
        );
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    let mut reasons = Vec::new();
    if f.income_fen < ceiling_fen {
        reasons.push(RangeReason::IncomeBelowCeiling);
    }
    if f.rigid_spending_fen.is_some_and(|r| r > f.income_fen) {
        reasons.push(RangeReason::RigidSpendingAboveIncome);
    }
    let dropped = f.previous_income_fen.is_some_and(|p| {
        p > 0 && i128::from(p - f.income_fen) * 1000 >= i128::from(p) * i128::from(policy.income_drop_permille)
    });
    if dropped {
        reasons.push(RangeReason::SharpIncomeDrop);
    }
    if reasons.is_empty() {
        return Err(Invalid::field(
            "per_capita_income_fen",
            format!(
                "not in the monitoring range: income is not below {ceiling_fen} fen ({} ‰ of the poverty line), no rigid spending above it, and no drop of {} ‰ or more from the year before",
                policy.income_multiplier_permille, policy.income_drop_permille
            ),
        ));
    }
    Ok(reasons)
}

/// The county's deadline: the end (Beijing time) of the `decision_days`-th day after the signal.
pub fn decision_due(signal: NaiveDate, policy: &Policy) -> DateTime<Utc> {
    let last = signal.checked_add_days(chrono::Days::new(u64::from(policy.decision_days))).unwrap_or(NaiveDate::MAX);
    chain_domain::calendar::end_of_day_beijing(last)
}

/// A step of a monitoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The village visits the household.
    Visit,
    /// The household consents, or not.
    Consent {
        /// Given.
        given: bool,
    },
    /// The county matches the facts against other agencies' data.
    Match {
        /// Confirmed.
        passed: bool,
    },
    /// The village's democratic appraisal.
    Appraise {
        /// Majority for.
        passed: bool,
    },
    /// The village posts its notice (again, after an objection).
    PostNotice,
    /// The notice ran out with no objection.
    NoticePassed,
    /// Somebody objected during the notice.
    Objection,
    /// The township reviews.
    Review,
    /// The county decides.
    Decide {
        /// Include.
        include: bool,
    },
    /// An assistance measure is recorded.
    AddMeasure,
    /// The county removes the risk.
    RemoveRisk,
    /// The county puts a removed household back under monitoring.
    Reinstate,
}

/// The status after a step, or why not.
pub fn next(status: MonitoringStatus, step: Step) -> Result<MonitoringStatus, Refusal> {
    use MonitoringStatus::*;
    let refuse = |what: &str| Err(Refusal::transition(format!("{what}; this case is {}", label(status))));
    match (status, step) {
        (Alerted, Step::Visit) => Ok(Visited),
        (_, Step::Visit) => refuse("the village visits a household once the signal is recorded"),
        (Visited, Step::Consent { given }) => Ok(if given { Consented } else { Declined }),
        (_, Step::Consent { .. }) => refuse("consent is asked after the home visit"),
        (Consented, Step::Match { passed }) => Ok(if passed { Matched } else { NotIncluded }),
        (_, Step::Match { .. }) => refuse("the data are matched once the household consents"),
        (Matched, Step::Appraise { passed }) => Ok(if passed { Appraised } else { NotIncluded }),
        (_, Step::Appraise { .. }) => refuse("the village appraises a case after data matching"),
        (Appraised | Objected, Step::PostNotice) => Ok(Notice),
        (_, Step::PostNotice) => refuse("the village posts its notice after the appraisal"),
        (Notice, Step::NoticePassed) => Ok(AwaitingTownship),
        (Notice, Step::Objection) => Ok(Objected),
        (_, Step::NoticePassed | Step::Objection) => refuse("no notice of this case is up"),
        (AwaitingTownship, Step::Review) => Ok(AwaitingCounty),
        (_, Step::Review) => refuse("the township reviews once the village's notice has passed"),
        (AwaitingCounty, Step::Decide { include }) => Ok(if include { Included } else { NotIncluded }),
        (_, Step::Decide { .. }) => refuse("the county decides once the township has reviewed"),
        (Included, Step::AddMeasure) => Ok(Included),
        (_, Step::AddMeasure) => refuse("measures are recorded for a household under monitoring"),
        (Included, Step::RemoveRisk) => Ok(RiskRemoved),
        (_, Step::RemoveRisk) => refuse("only a household under monitoring has a risk to remove"),
        (RiskRemoved, Step::Reinstate) => Ok(Included),
        (_, Step::Reinstate) => refuse("only a household whose risk was removed is reinstated"),
    }
}

/// What the county's risk-removal finding is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// Labour capacity recorded on the case.
    pub has_labour: bool,
    /// Measures recorded.
    pub measures: usize,
    /// Since when monitored (Beijing date of the decision or reinstatement).
    pub monitored_since: NaiveDate,
    /// Today (Beijing).
    pub today: NaiveDate,
    /// Income found now, fen.
    pub income_fen: i64,
    /// Stable since.
    pub stable_since: NaiveDate,
    /// The range's ceiling for the case, fen.
    pub ceiling_fen: i64,
}

/// Whether the risk may be removed. What the case lacks (labour, a measure, the months of
/// monitoring) a transition refusal; a finding that does not meet the rule (income in range, not
/// stable long enough) names its fields. There is no quota: every household is judged on its own
/// facts.
pub fn may_remove(r: &Removal, policy: &Policy) -> Result<(), Refusal> {
    if !r.has_labour {
        return Err(Refusal::transition(
            "the risk of a household without labour is never removed; it stays under monitoring with assistance",
        ));
    }
    if r.measures == 0 {
        return Err(Refusal::transition("record at least one assistance measure before removing the risk"));
    }
    let months = Months::new(policy.risk_removal_min_months);
    if r.monitored_since.checked_add_months(months).is_none_or(|d| d > r.today) {
        return Err(Refusal::transition(format!(
            "the household has been monitored since {}; risk removal needs at least {} months",
            r.monitored_since, policy.risk_removal_min_months
        )));
    }
    let mut bad = Invalid::new();
    if r.income_fen < r.ceiling_fen {
        bad.push("per_capita_income_fen", format!("still in the monitoring range (below {} fen)", r.ceiling_fen));
    }
    if r.stable_since > r.today || r.stable_since.checked_add_months(months).is_none_or(|d| d > r.today) {
        bad.push(
            "stable_since",
            format!("income must have been stable for at least {} months", policy.risk_removal_min_months),
        );
    }
    bad.or(()).map_err(Refusal::from)
}

/// The snake_case name of a status.
pub fn label(s: MonitoringStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
