//! Pure rules of identification: validating an application and the procedure's steps.

use chain_api::identification::{HouseholdKind, HouseholdStatus, MemberInput, RegisterHousehold, Relation};
use chain_api::{FieldError, Problem};
use chain_domain::{Causes, Division, Level, PovertyCause, ResidentId, registry};
use chrono::{Datelike, NaiveDate};

/// Most members a household may list.
pub const MAX_MEMBERS: usize = 30;

/// An application that passed validation.
#[derive(Debug, Clone)]
pub struct ValidHousehold {
    /// The village.
    pub village: Division,
    /// Year of identification.
    pub year: i32,
    /// Kind.
    pub kind: HouseholdKind,
    /// Causes.
    pub causes: Causes,
    /// Per-capita net income, fen.
    pub per_capita_income_fen: i64,
    /// Members with parsed IDs.
    pub members: Vec<ValidMember>,
    /// The rest of the file card.
    pub card: chain_api::card::CardInput,
    /// The dynamic-adjustment campaign the application belongs to.
    pub adjustment: Option<chain_api::identification::CampaignEntry>,
}

/// A member that passed validation.
#[derive(Debug, Clone)]
pub struct ValidMember {
    /// Name.
    pub name: String,
    /// Parsed resident ID.
    pub resident_id: ResidentId,
    /// Relation.
    pub relation: Relation,
    /// The rest of the member's file-card entry.
    pub details: chain_api::card::MemberDetails,
}

fn field(errors: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    errors.push(FieldError { field: field.into(), message: message.into() });
}

/// Validates an application; every invalid field is reported at once.
pub fn validate(req: &RegisterHousehold, today: NaiveDate) -> Result<ValidHousehold, Problem> {
    let current_year = today.year();
    let mut errors = Vec::new();
    let village = match Division::parse(&req.village) {
        Ok(d) if d.level() != Level::Village => {
            field(&mut errors, "village", "must be a 12-digit village code");
            None
        }
        Ok(d) if !registry().exists(&d) => {
            field(&mut errors, "village", "no such village in the division registry");
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            field(&mut errors, "village", e.to_string());
            None
        }
    };
    if !(2014..=current_year + 1).contains(&req.year) {
        field(&mut errors, "year", format!("must be between 2014 and {}", current_year + 1));
    }
    let main = match req.main_cause.parse::<PovertyCause>() {
        Ok(c) => Some(c),
        Err(_) => {
            field(&mut errors, "main_cause", "unknown poverty cause");
            None
        }
    };
    let mut others = Vec::new();
    for (i, c) in req.other_causes.iter().enumerate() {
        match c.parse::<PovertyCause>() {
            Ok(c) => others.push(c),
            Err(_) => field(&mut errors, format!("other_causes/{i}"), "unknown poverty cause"),
        }
    }
    let causes = match main.map(|m| Causes::new(m, others)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            field(&mut errors, "other_causes", e.to_string());
            None
        }
        None => None,
    };
    if req.per_capita_income_fen < 0 {
        field(&mut errors, "per_capita_income_fen", "must not be negative");
    }
    let members = validate_members(&req.members, today, &mut errors);
    crate::card::validate(&req.card, req.members.len(), req.per_capita_income_fen, current_year, &mut errors);
    for (i, m) in req.members.iter().enumerate() {
        crate::card::validate_member(&m.details, &format!("members/{i}"), &mut errors);
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok(ValidHousehold {
        village: village.expect("checked"),
        year: req.year,
        kind: req.kind,
        causes: causes.expect("checked"),
        per_capita_income_fen: req.per_capita_income_fen,
        members,
        card: req.card.clone(),
        adjustment: req.adjustment,
    })
}

fn validate_members(input: &[MemberInput], today: NaiveDate, errors: &mut Vec<FieldError>) -> Vec<ValidMember> {
    if input.is_empty() || input.len() > MAX_MEMBERS {
        field(errors, "members", format!("a household lists 1 to {MAX_MEMBERS} members"));
    }
    let heads = input.iter().filter(|m| m.relation == Relation::Head).count();
    if heads != 1 && !input.is_empty() {
        field(errors, "members", "exactly one member must be the head of household");
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, m) in input.iter().enumerate() {
        let name = m.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            field(errors, format!("members/{i}/name"), "must be 1 to 50 characters");
        }
        match ResidentId::parse(&m.resident_id, today) {
            Ok(id) => {
                if out.iter().any(|o: &ValidMember| o.resident_id == id) {
                    field(errors, format!("members/{i}/resident_id"), "appears twice in this household");
                }
                out.push(ValidMember {
                    name: name.to_owned(),
                    resident_id: id,
                    relation: m.relation,
                    details: m.details.clone(),
                });
            }
            Err(e) => field(errors, format!("members/{i}/resident_id"), e.to_string()),
        }
    }
    out
}

/// A step of the procedure ("two notices and one announcement"): the village appraises,
/// (where the province requires it) the county matches the data, the village verifies and posts
/// the first notice, the township reviews and posts the second, the county approves and
/// announces. Objections to a notice send the case back to the layer that posted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The villager representatives' democratic appraisal, passed or not.
    Appraise {
        /// Whether the appraisal put the household on the list.
        passed: bool,
    },
    /// The county's data matching, clear or not.
    Match {
        /// Whether nothing disqualifying was found.
        passed: bool,
    },
    /// The village verifies the case and posts the first notice (again, after an objection).
    Verify,
    /// The first notice ran out with no objection.
    FirstNoticePassed,
    /// The township reviews the list and posts the second notice (again, after an objection).
    Review,
    /// The second notice ran out with no objection.
    SecondNoticePassed,
    /// The county approves: the household is identified and announced.
    Approve,
    /// Somebody objected during a notice.
    Objection,
    /// The layer holding the case finds the household should not be registered.
    Reject,
    /// Exit approved elsewhere; removed from the register.
    Exit,
}

/// Per-province parameters of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The county matches the data between appraisal and verification.
    pub data_matching: bool,
    /// Days the township has to review once the first notice has passed.
    pub township_review_days: u32,
    /// Days the county has to approve once the second notice has passed.
    pub county_approval_days: u32,
}

/// The table of [`Policy`] by province.
#[derive(Debug, Clone)]
pub struct Policies {
    default: Policy,
    provinces: Vec<(String, Policy)>,
}

impl Policies {
    /// The table shipped with the service (`data/identification_policy.csv`).
    pub fn embedded() -> &'static Policies {
        static TABLE: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            Policies::from_csv(include_str!("../data/identification_policy.csv"))
                .expect("the embedded policy table parses")
        })
    }

    /// Parses a table: a header `province,data_matching,township_review_days,county_approval_days`,
    /// `#` comments, and a required `*` row.
    pub fn from_csv(text: &str) -> Result<Policies, String> {
        let mut rows = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        if rows.next() != Some("province,data_matching,township_review_days,county_approval_days") {
            return Err("the header must be province,data_matching,township_review_days,county_approval_days".into());
        }
        let mut default = None;
        let mut provinces = Vec::new();
        for (n, row) in rows.enumerate() {
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            let [province, matching, review, approval] = cells[..] else {
                return Err(format!("row {}: four cells expected", n + 1));
            };
            let days = |v: &str| v.parse::<u32>().ok().filter(|d| (1..=365).contains(d));
            let policy = Policy {
                data_matching: match matching {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("row {}: data_matching is true or false", n + 1)),
                },
                township_review_days: days(review).ok_or(format!("row {}: days are 1 to 365", n + 1))?,
                county_approval_days: days(approval).ok_or(format!("row {}: days are 1 to 365", n + 1))?,
            };
            match province {
                "*" => default = Some(policy),
                p if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => provinces.push((p.to_owned(), policy)),
                p => return Err(format!("row {}: {p:?} is neither * nor a 2-digit province code", n + 1)),
            }
        }
        Ok(Policies { default: default.ok_or("the * row is required")?, provinces })
    }

    /// The parameters for a household in `village`.
    pub fn for_division(&self, village: &Division) -> Policy {
        let code = village.as_str();
        self.provinces.iter().find(|(p, _)| code.starts_with(p.as_str())).map(|(_, p)| *p).unwrap_or(self.default)
    }
}

/// The status after a step, or why it is not allowed.
pub fn next(status: HouseholdStatus, step: Step, policy: &Policy) -> Result<HouseholdStatus, Problem> {
    use HouseholdStatus::*;
    let refuse = |what: &str| Err(Problem::transition(format!("{what}; this household is {}", label(status))));
    match (status, step) {
        (Applied, Step::Appraise { passed: true }) => Ok(Appraised),
        (Applied, Step::Appraise { passed: false }) => Ok(Rejected),
        (_, Step::Appraise { .. }) => refuse("only an application is appraised"),
        (_, Step::Match { .. }) if !policy.data_matching => {
            Err(Problem::transition("this province has no data-matching step in its procedure"))
        }
        (Appraised, Step::Match { passed: true }) => Ok(Matched),
        (Appraised, Step::Match { passed: false }) => Ok(Rejected),
        (_, Step::Match { .. }) => refuse("data matching follows the democratic appraisal"),
        (Appraised, Step::Verify) if policy.data_matching => {
            refuse("this province matches the data before the village verifies")
        }
        (Appraised | Matched | Objected, Step::Verify) => Ok(FirstNotice),
        (_, Step::Verify) => refuse("the village verifies an appraised household"),
        (FirstNotice, Step::FirstNoticePassed) => Ok(AwaitingTownship),
        (AwaitingTownship | Objected, Step::Review) => Ok(SecondNotice),
        (_, Step::Review) => refuse("the township reviews once the village's notice has passed"),
        (SecondNotice, Step::SecondNoticePassed) => Ok(AwaitingCounty),
        (AwaitingCounty, Step::Approve) => Ok(Identified),
        (_, Step::Approve) => refuse("the county approves once the township's notice has passed"),
        (FirstNotice | SecondNotice, Step::Objection) => Ok(Objected),
        (Identified | Exited | Rejected | SuspectedDuplicate, Step::Reject) => {
            refuse("only a household still in the procedure is rejected; a suspected duplicate is adjudicated")
        }
        (FirstNotice | SecondNotice, Step::Reject) => {
            refuse("a notice is up; an objection interrupts it, and then the case can be turned down")
        }
        (_, Step::Reject) => Ok(Rejected),
        (Identified, Step::Exit) => Ok(Exited),
        (_, Step::Exit) => refuse("only an identified household can exit"),
        (_, Step::FirstNoticePassed | Step::SecondNoticePassed | Step::Objection) => {
            refuse("no notice of this procedure is open")
        }
    }
}

/// The snake_case name of a status.
pub fn label(s: HouseholdStatus) -> &'static str {
    match s {
        HouseholdStatus::Applied => "applied",
        HouseholdStatus::Appraised => "appraised",
        HouseholdStatus::Matched => "matched",
        HouseholdStatus::FirstNotice => "first_notice",
        HouseholdStatus::AwaitingTownship => "awaiting_township",
        HouseholdStatus::SecondNotice => "second_notice",
        HouseholdStatus::AwaitingCounty => "awaiting_county",
        HouseholdStatus::Identified => "identified",
        HouseholdStatus::Objected => "objected",
        HouseholdStatus::SuspectedDuplicate => "suspected_duplicate",
        HouseholdStatus::Rejected => "rejected",
        HouseholdStatus::Exited => "exited",
        HouseholdStatus::RemovalFirstNotice => "removal_first_notice",
        HouseholdStatus::RemovalAwaitingTownship => "removal_awaiting_township",
        HouseholdStatus::RemovalSecondNotice => "removal_second_notice",
        HouseholdStatus::RemovalAwaitingCounty => "removal_awaiting_county",
        HouseholdStatus::RemovalObjected => "removal_objected",
        HouseholdStatus::Removed => "removed",
    }
}

/// Whether a household in this status still holds its members' resident IDs.
pub fn holds_ids(s: HouseholdStatus) -> bool {
    !matches!(
        s,
        HouseholdStatus::Rejected
            | HouseholdStatus::Exited
            | HouseholdStatus::SuspectedDuplicate
            | HouseholdStatus::Removed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn application(ids: &[&str]) -> RegisterHousehold {
        RegisterHousehold {
            village: "520624101201".into(),
            year: 2016,
            kind: HouseholdKind::Ordinary,
            main_cause: "illness".into(),
            other_causes: vec!["lack_of_skills".into()],
            per_capita_income_fen: 210_000,
            members: ids
                .iter()
                .enumerate()
                .map(|(i, id)| MemberInput {
                    name: format!("member {i}"),
                    resident_id: (*id).into(),
                    relation: if i == 0 { Relation::Head } else { Relation::Child },
                    details: Default::default(),
                })
                .collect(),
            card: Default::default(),
            adjustment: None,
        }
    }

    #[test]
    fn a_wrong_check_digit_is_reported_on_its_field_without_echoing_the_number() {
        let good = chain_domain::with_check_digit("52062419800101002");
        let mut bad = good.clone();
        let last = if bad.ends_with('0') { '1' } else { '0' };
        bad.pop();
        bad.push(last);
        let p = validate(&application(&[&good, &bad]), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).unwrap_err();
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].field, "members/1/resident_id");
        assert!(!serde_json::to_string(&p).unwrap().contains(&bad[6..14]));
    }

    #[test]
    fn the_same_id_twice_in_one_household_is_refused() {
        let id = chain_domain::with_check_digit("52062419800101002");
        let p = validate(&application(&[&id, &id]), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).unwrap_err();
        assert_eq!(p.errors[0].field, "members/1/resident_id");
    }

    const PLAIN: Policy = Policy { data_matching: false, township_review_days: 10, county_approval_days: 15 };
    const MATCHING: Policy = Policy { data_matching: true, ..PLAIN };

    fn run(policy: &Policy, steps: &[Step]) -> Result<HouseholdStatus, Problem> {
        steps.iter().try_fold(HouseholdStatus::Applied, |s, step| next(s, *step, policy))
    }

    #[test]
    fn two_notices_and_one_announcement_in_order() {
        use Step::*;
        let all = [Appraise { passed: true }, Verify, FirstNoticePassed, Review, SecondNoticePassed, Approve];
        assert_eq!(run(&PLAIN, &all).unwrap(), HouseholdStatus::Identified);
        // No step can be skipped.
        for skip in 0..all.len() {
            let mut fewer = all.to_vec();
            fewer.remove(skip);
            let ended = run(&PLAIN, &fewer);
            assert!(!matches!(ended, Ok(HouseholdStatus::Identified)), "skipping step {skip} must not identify");
        }
        assert!(next(HouseholdStatus::Applied, Approve, &PLAIN).is_err());
    }

    #[test]
    fn an_objection_sends_the_case_back_to_the_layer_that_posted_the_notice() {
        use Step::*;
        let objected = run(&PLAIN, &[Appraise { passed: true }, Verify, Objection]).unwrap();
        assert_eq!(objected, HouseholdStatus::Objected);
        assert_eq!(next(objected, Verify, &PLAIN).unwrap(), HouseholdStatus::FirstNotice);
        assert!(next(objected, Approve, &PLAIN).is_err());
        assert_eq!(next(objected, Reject, &PLAIN).unwrap(), HouseholdStatus::Rejected);
    }

    #[test]
    fn data_matching_is_required_exactly_where_the_province_has_it() {
        use Step::*;
        assert!(run(&PLAIN, &[Appraise { passed: true }, Match { passed: true }]).is_err());
        assert!(run(&MATCHING, &[Appraise { passed: true }, Verify]).is_err());
        assert_eq!(
            run(&MATCHING, &[Appraise { passed: true }, Match { passed: true }, Verify]).unwrap(),
            HouseholdStatus::FirstNotice
        );
        assert_eq!(
            run(&MATCHING, &[Appraise { passed: true }, Match { passed: false }]).unwrap(),
            HouseholdStatus::Rejected
        );
    }

    #[test]
    fn a_failed_appraisal_or_a_rejection_ends_the_case() {
        assert_eq!(run(&PLAIN, &[Step::Appraise { passed: false }]).unwrap(), HouseholdStatus::Rejected);
        assert!(!holds_ids(HouseholdStatus::Rejected));
        assert!(next(HouseholdStatus::Identified, Step::Reject, &PLAIN).is_err());
        assert!(next(HouseholdStatus::Rejected, Step::Verify, &PLAIN).is_err());
    }

    #[test]
    fn the_policy_table_parses_and_provinces_override_the_default() {
        let t = Policies::from_csv(
            "# c\nprovince,data_matching,township_review_days,county_approval_days\n*,false,10,15\n52,true,5,7\n",
        )
        .unwrap();
        let guizhou = t.for_division(&Division::parse("520624101201").unwrap());
        assert_eq!(guizhou, Policy { data_matching: true, township_review_days: 5, county_approval_days: 7 });
        assert_eq!(t.for_division(&Division::parse("110101001001").unwrap()), PLAIN);
        assert!(
            Policies::from_csv("province,data_matching,township_review_days,county_approval_days\n52,true,5,7\n")
                .is_err()
        );
        assert!(
            Policies::from_csv("province,data_matching,township_review_days,county_approval_days\n*,maybe,5,7\n")
                .is_err()
        );
        assert_eq!(Policies::embedded().for_division(&Division::parse("520624101201").unwrap()), PLAIN);
    }
}
