//! Pure rules of village work teams (驻村工作队) and first secretaries (第一书记): the policy table
//! by year and province (`data/team_policy.csv`), who may be sent (a unit of the county or a
//! higher layer), terms, when a member is in the team, the month's presence and the days a member
//! owes it. No I/O; `crate::team` applies these.

use chain_api::limits::{MONTH_CHARS, NAME_CHARS, UNIT_CHARS};
use chain_api::planning::{AssignMember, EndMember, RecordPresence, TeamRole};
use chain_domain::{ByYear, Division, Invalid, Layer, cadre, text};
use chrono::{Datelike, Months, NaiveDate};

/// Parameters of work teams for a year and province (`data/team_policy.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// A first secretary's term, at most, in months.
    pub first_secretary_term_months: u32,
    /// The term a member is given when none is stated, in months.
    pub member_term_months: u32,
    /// Days in the village a member owes each month.
    pub min_presence_days: u32,
    /// Days after a month's end during which its presence may still be recorded.
    pub presence_grace_days: u32,
    /// Days a county has to send a first secretary to a poor village without one.
    pub send_team_days: u32,
}

/// The table of [`Policy`] by year and province.
#[derive(Debug, Clone)]
pub struct Policies(ByYear<Policy>);

const HEADER: [&str; 7] = [
    "year",
    "province",
    "first_secretary_term_months",
    "member_term_months",
    "min_presence_days",
    "presence_grace_days",
    "send_team_days",
];

impl Policies {
    /// The table shipped with the service.
    pub fn embedded() -> &'static Policies {
        static TABLE: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            Policies::from_csv(include_str!("../../data/team_policy.csv")).expect("the embedded table parses")
        })
    }

    /// Parses a table with the header [`HEADER`] and `#` comments; a `*` row for the first year
    /// any other row names is required, so every later year and province has a policy.
    pub fn from_csv(csv: &str) -> Result<Policies, String> {
        ByYear::from_csv(csv, &HEADER, |r| {
            let num = |i: usize, lo: u32, hi: u32, what: &str| {
                r[i].parse::<u32>().ok().filter(|x| (lo..=hi).contains(x)).ok_or_else(|| what.to_owned())
            };
            Ok(Policy {
                first_secretary_term_months: num(2, 1, 120, "a first secretary's term is 1 to 120 months")?,
                member_term_months: num(3, 1, 120, "a member's term is 1 to 120 months")?,
                min_presence_days: num(4, 0, 28, "the minimum presence is 0 to 28 days")?,
                presence_grace_days: num(5, 0, 28, "the grace period is 0 to 28 days")?,
                send_team_days: num(6, 1, 365, "the days to send a team are 1 to 365")?,
            })
        })
        .map(Policies)
    }

    /// The parameters for `year` in the province of `village`: the province's latest row not
    /// after the year, else the national default's (the earliest row when the year precedes all).
    pub fn for_year(&self, year: i32, village: &Division) -> &Policy {
        self.0.for_year(year, village)
    }

    /// The longest grace period any province has for months of `year`: a month is judged
    /// everywhere at once, so no province's members are judged before their grace is over.
    pub fn longest_grace_days(&self, year: i32) -> u32 {
        let in_force = self.0.in_force(year).into_iter().map(|p| p.presence_grace_days).max();
        in_force.unwrap_or_else(|| self.0.all().map(|p| p.presence_grace_days).max().unwrap_or(0))
    }
}

/// A member to be assigned, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMember {
    /// Name, trimmed and in NFC.
    pub name: String,
    /// Sending unit, trimmed and in NFC.
    pub unit: String,
    /// The unit's layer.
    pub unit_layer: Layer,
    /// The unit's division (`CN` for the centre).
    pub unit_division: String,
    /// Role.
    pub role: TeamRole,
    /// First day of the term.
    pub term_start: NaiveDate,
    /// Last day of the term.
    pub term_end: NaiveDate,
    /// Phone, as given (digits, optional leading `+`).
    pub phone: String,
}

/// The last day of a term of `months` starting on `start`.
pub fn term_end(start: NaiveDate, months: u32) -> NaiveDate {
    let after = start.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX);
    after.pred_opt().unwrap_or(after)
}

/// Validates a member to be sent to a team of `village` on `today`; every bad field is reported.
/// The term starts on or after 2014-01-01 and at most a year ahead; it ends on or after it
/// starts, a first secretary's within the policy's term (the default when none is stated).
pub fn validate_member(
    req: &AssignMember,
    village: &Division,
    today: NaiveDate,
    policies: &Policies,
) -> Result<ValidMember, Invalid> {
    let mut bad = Invalid::new();
    let name = text::field(&req.name, text::Kind::Name, "name", &mut bad);
    if name.is_empty() || name.chars().count() > NAME_CHARS {
        bad.push("name", format!("1 to {NAME_CHARS} characters"));
    }
    let unit = text::field(&req.unit, text::Kind::Name, "unit", &mut bad);
    if unit.is_empty() || unit.chars().count() > UNIT_CHARS {
        bad.push("unit", format!("1 to {UNIT_CHARS} characters"));
    }
    let origin = cadre::unit(&req.unit_layer, &req.unit_division, Layer::County, "", &mut bad);
    let phone = cadre::phone(&req.phone, "phone", &mut bad);
    let first = NaiveDate::from_ymd_opt(chain_api::limits::FIRST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = today.checked_add_months(Months::new(12)).unwrap_or(NaiveDate::MAX);
    if req.term_start < first || req.term_start > latest {
        bad.push("term_start", format!("must be between {first} and {latest}"));
    }
    let policy = policies.for_year(req.term_start.year(), village);
    let months = match req.role {
        TeamRole::FirstSecretary => policy.first_secretary_term_months,
        TeamRole::Leader | TeamRole::Member => policy.member_term_months,
    };
    let longest = term_end(req.term_start, months);
    let end = req.term_end.unwrap_or(longest);
    if end < req.term_start {
        bad.push("term_end", "must not be before term_start");
    } else if req.role == TeamRole::FirstSecretary && end > longest {
        bad.push("term_end", format!("a first secretary's term is at most {months} months: until {longest}"));
    }
    let (unit_layer, unit_division) = origin.unwrap_or((Layer::County, String::new()));
    bad.or(ValidMember {
        name,
        unit,
        unit_layer,
        unit_division,
        role: req.role,
        term_start: req.term_start,
        term_end: end,
        phone,
    })
}

/// A member's time in the team: the first day, the last day (the term's end, or the day it was
/// ended on), and the term's end as assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// First day.
    pub start: NaiveDate,
    /// Last day of the term as assigned.
    pub term_end: NaiveDate,
    /// The last day, when ended early.
    pub ended_on: Option<NaiveDate>,
}

impl Membership {
    /// The last day in the team.
    pub fn last_day(&self) -> NaiveDate {
        self.ended_on.map_or(self.term_end, |e| e.min(self.term_end))
    }

    /// Whether the member is in the team on `day`.
    pub fn current_on(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.last_day()
    }

    /// Days of `month` the member is in the team.
    pub fn days_in(&self, month: Month) -> u32 {
        let from = self.start.max(month.first());
        let to = self.last_day().min(month.last());
        if to < from { 0 } else { (to - from).num_days() as u32 + 1 }
    }
}

/// Why a membership cannot be ended as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Ended already.
    #[error("the membership was ended already, on {0}")]
    AlreadyEnded(NaiveDate),
    /// The month was judged already.
    #[error("the presence of {0} was judged already; it can no longer be recorded")]
    MonthJudged(String),
}

/// Validates ending `m` on `req.last_day`: between the term's start (the day before it, for a
/// member who never took up the post) and its end, and not once ended.
pub fn validate_end(m: &Membership, req: &EndMember) -> Result<(NaiveDate, String), EndError> {
    if let Some(e) = m.ended_on {
        return Err(EndError::Refused(Refusal::AlreadyEnded(e)));
    }
    let mut bad = Invalid::new();
    let earliest = m.start.pred_opt().unwrap_or(m.start);
    if req.last_day < earliest || req.last_day > m.term_end {
        bad.push("last_day", format!("must be between {earliest} and the term's end {}", m.term_end));
    }
    let reason = text::field(&req.reason, text::Kind::Prose, "reason", &mut bad);
    if reason.is_empty() || reason.chars().count() > chain_api::limits::REMARK_CHARS {
        bad.push("reason", format!("1 to {} characters", chain_api::limits::REMARK_CHARS));
    }
    bad.or((req.last_day, reason)).map_err(EndError::Invalid)
}

/// A refused end of membership: bad fields, or a state that does not allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndError {
    /// Bad fields.
    Invalid(Invalid),
    /// Not allowed in the membership's state.
    Refused(Refusal),
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if s.len() != MONTH_CHARS || y.len() != 4 || m.len() != 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1).map(Month)
    }

    /// The month `day` lies in.
    pub fn of(day: NaiveDate) -> Month {
        Month(day.with_day(1).unwrap_or(day))
    }

    /// The first day.
    pub fn first(self) -> NaiveDate {
        self.0
    }

    /// The last day.
    pub fn last(self) -> NaiveDate {
        self.next().0.pred_opt().unwrap_or(self.0)
    }

    /// The month after.
    pub fn next(self) -> Month {
        Month(self.0.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX))
    }

    /// Its days.
    pub fn days(self) -> u32 {
        self.last().day()
    }

    /// The day on which the month is judged: the first day after its grace period.
    pub fn judged_on(self, grace_days: u32) -> NaiveDate {
        self.last() + chrono::Duration::days(i64::from(grace_days) + 1)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

/// Validates a month's presence of `m`, recorded on `today`: a month since 2014 and not after
/// the current one, the member in the team part of it, at most its days; the month and the note
/// (trimmed, in NFC, `None` when empty).
pub fn validate_presence(
    req: &RecordPresence,
    m: &Membership,
    today: NaiveDate,
) -> Result<(Month, Option<String>), Invalid> {
    let mut bad = Invalid::new();
    let month = Month::parse(&req.month);
    match month {
        None => bad.push("month", "must be a month as YYYY-MM"),
        Some(mo) if mo.first().year() < chain_api::limits::FIRST_YEAR || mo > Month::of(today) => {
            bad.push("month", "must be a month since 2014 and not after this one")
        }
        Some(mo) if m.days_in(mo) == 0 => bad.push("month", "the member was not in the team that month"),
        Some(mo) if req.days > mo.days() => bad.push("days", format!("{mo} has {} days", mo.days())),
        Some(_) => {}
    }
    let note = req.note.as_deref().map(|n| text::field(n, text::Kind::Prose, "note", &mut bad));
    if note.as_ref().is_some_and(|n| n.chars().count() > chain_api::limits::REMARK_CHARS) {
        bad.push("note", format!("at most {} characters", chain_api::limits::REMARK_CHARS));
    }
    match month {
        Some(mo) if bad.is_empty() => Ok((mo, note.filter(|n| !n.is_empty()))),
        _ => Err(bad),
    }
}

/// The days a member in the team `in_team` days of `month` owes it: the policy's minimum, in
/// proportion, rounded up.
pub fn required_days(min_presence_days: u32, month: Month, in_team: u32) -> u32 {
    let total = month.days();
    (min_presence_days * in_team.min(total)).div_ceil(total)
}

/// The label of a role, as stored.
pub fn role_label(r: TeamRole) -> &'static str {
    match r {
        TeamRole::FirstSecretary => "first_secretary",
        TeamRole::Leader => "leader",
        TeamRole::Member => "member",
    }
}

#[cfg(test)]
mod tests;
