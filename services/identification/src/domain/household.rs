//! Pure rules of a household: validating an application and a new member, the statuses' names,
//! and which statuses hold the members' resident IDs.

use chain_api::identification::{HouseholdKind, HouseholdStatus, MemberInput, RegisterHousehold, Relation};
use chain_domain::{Causes, Division, Invalid, Level, PovertyCause, ResidentId, registry, text};
use chrono::{Datelike, NaiveDate};

use super::card;

/// Most members a household may list.
pub const MAX_MEMBERS: usize = chain_api::limits::MAX_MEMBERS;

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

/// Validates an application; every invalid field is reported at once.
pub fn validate(req: &RegisterHousehold, today: NaiveDate) -> Result<ValidHousehold, Invalid> {
    let current_year = today.year();
    let mut bad = Invalid::new();
    let village = match Division::parse(&req.village) {
        Ok(d) if d.level() != Level::Village => {
            bad.push("village", "must be a 12-digit village code");
            None
        }
        Ok(d) if !registry().exists(&d) => {
            bad.push("village", "no such village in the division registry");
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            bad.push("village", e.to_string());
            None
        }
    };
    if !(chain_api::limits::FIRST_YEAR..=current_year + 1).contains(&req.year) {
        bad.push("year", format!("must be between 2014 and {}", current_year + 1));
    }
    let main = match req.main_cause.parse::<PovertyCause>() {
        Ok(c) => Some(c),
        Err(_) => {
            bad.push("main_cause", "unknown poverty cause");
            None
        }
    };
    let mut others = Vec::new();
    for (i, c) in req.other_causes.iter().enumerate() {
        match c.parse::<PovertyCause>() {
            Ok(c) => others.push(c),
            Err(_) => bad.push(format!("other_causes/{i}"), "unknown poverty cause"),
        }
    }
    let causes = match main.map(|m| Causes::new(m, others)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            bad.push("other_causes", e.to_string());
            None
        }
        None => None,
    };
    if req.per_capita_income_fen < 0 {
        bad.push("per_capita_income_fen", "must not be negative");
    }
    let members = validate_members(&req.members, today, &mut bad);
    let card = card::validate(&req.card, req.members.len(), req.per_capita_income_fen, current_year, &mut bad);
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(ValidHousehold {
        village: village.expect("checked"),
        year: req.year,
        kind: req.kind,
        causes: causes.expect("checked"),
        per_capita_income_fen: req.per_capita_income_fen,
        members,
        card,
        adjustment: req.adjustment,
    })
}

fn validate_members(input: &[MemberInput], today: NaiveDate, bad: &mut Invalid) -> Vec<ValidMember> {
    if input.is_empty() || input.len() > MAX_MEMBERS {
        bad.push("members", format!("a household lists 1 to {MAX_MEMBERS} members"));
    }
    let heads = input.iter().filter(|m| m.relation == Relation::Head).count();
    if heads != 1 && !input.is_empty() {
        bad.push("members", "exactly one member must be the head of household");
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, m) in input.iter().enumerate() {
        let field = format!("members/{i}/name");
        let name = text::field(&m.name, text::Kind::Name, &field, bad);
        if name.is_empty() || name.chars().count() > chain_api::limits::NAME_CHARS {
            bad.push(field, "must be 1 to 50 characters");
        }
        let details = card::validate_member(&m.details, &format!("members/{i}"), bad);
        match ResidentId::parse(&m.resident_id, today) {
            Ok(id) => {
                if out.iter().any(|o: &ValidMember| o.resident_id == id) {
                    bad.push(format!("members/{i}/resident_id"), "appears twice in this household");
                }
                out.push(ValidMember { name, resident_id: id, relation: m.relation, details });
            }
            Err(e) => bad.push(format!("members/{i}/resident_id"), e.to_string()),
        }
    }
    out
}

/// Validates a member added to a household (a birth, a marriage): a name, a valid resident ID,
/// never a second head; the fields are named from the request's root.
pub fn new_member(m: &MemberInput, today: NaiveDate) -> Result<ValidMember, Invalid> {
    let mut bad = Invalid::new();
    let name = text::field(&m.name, text::Kind::Name, "name", &mut bad);
    if name.is_empty() || name.chars().count() > chain_api::limits::NAME_CHARS {
        bad.push("name", "must be 1 to 50 characters");
    }
    if m.relation == Relation::Head {
        bad.push("relation", "the household already has its head");
    }
    let id = match ResidentId::parse(&m.resident_id, today) {
        Ok(id) => Some(id),
        Err(e) => {
            bad.push("resident_id", e.to_string());
            None
        }
    };
    let details = card::validate_member(&m.details, "", &mut bad);
    let bad = card::rooted(bad);
    match id {
        Some(resident_id) if bad.is_empty() => Ok(ValidMember { name, resident_id, relation: m.relation, details }),
        _ => Err(bad),
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
    use chain_api::Problem;

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

    /// The answer a refused application gets.
    fn answer(bad: Invalid) -> Problem {
        crate::error::Error::from(bad).into()
    }

    #[test]
    fn a_wrong_check_digit_is_reported_on_its_field_without_echoing_the_number() {
        let good = chain_domain::with_check_digit("52062419800101002");
        let mut bad = good.clone();
        let last = if bad.ends_with('0') { '1' } else { '0' };
        bad.pop();
        bad.push(last);
        let p =
            answer(validate(&application(&[&good, &bad]), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).unwrap_err());
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].field, "members/1/resident_id");
        assert!(!serde_json::to_string(&p).unwrap().contains(&bad[6..14]));
    }

    #[test]
    fn the_same_id_twice_in_one_household_is_refused() {
        let id = chain_domain::with_check_digit("52062419800101002");
        let p = validate(&application(&[&id, &id]), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).unwrap_err();
        assert_eq!(p.0[0].field, "members/1/resident_id");
    }

    #[test]
    fn a_new_member_is_never_a_second_head_and_its_fields_are_named_from_the_root() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut m = application(&[&chain_domain::with_check_digit("52062419800101002")]).members.remove(0);
        m.details.migrant_work_months = Some(13);
        let fields: Vec<String> = new_member(&m, today).unwrap_err().0.into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["relation", "migrant_work_months"]);
        m.relation = Relation::Child;
        m.details.migrant_work_months = None;
        assert_eq!(new_member(&m, today).unwrap().name, "member 0");
    }
}
