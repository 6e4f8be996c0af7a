//! Pure rules of identification: validating an application and the procedure's steps.

use chain_api::identification::{HouseholdKind, HouseholdStatus, MemberInput, RegisterHousehold, Relation};
use chain_api::{FieldError, Problem};
use chain_domain::{Causes, Division, Level, PovertyCause, ResidentId, registry};

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
}

fn field(errors: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    errors.push(FieldError { field: field.into(), message: message.into() });
}

/// Validates an application; every invalid field is reported at once.
pub fn validate(req: &RegisterHousehold, current_year: i32) -> Result<ValidHousehold, Problem> {
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
    let members = validate_members(&req.members, &mut errors);
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
    })
}

fn validate_members(input: &[MemberInput], errors: &mut Vec<FieldError>) -> Vec<ValidMember> {
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
        match ResidentId::parse(&m.resident_id) {
            Ok(id) => {
                if out.iter().any(|o: &ValidMember| o.resident_id == id) {
                    field(errors, format!("members/{i}/resident_id"), "appears twice in this household");
                }
                out.push(ValidMember { name: name.to_owned(), resident_id: id, relation: m.relation });
            }
            Err(e) => field(errors, format!("members/{i}/resident_id"), e.to_string()),
        }
    }
    out
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Township review.
    Review,
    /// County approval.
    Approve,
    /// Exit approved elsewhere; removed from the register.
    Exit,
}

/// The status after a step, or why it is not allowed.
pub fn next(status: HouseholdStatus, step: Step) -> Result<HouseholdStatus, Problem> {
    use HouseholdStatus::*;
    match (status, step) {
        (Applied, Step::Review) => Ok(Reviewed),
        (Reviewed, Step::Approve) => Ok(Identified),
        (Identified, Step::Exit) => Ok(Exited),
        (s, Step::Review) => {
            Err(Problem::transition(format!("only an applied household can be reviewed; this one is {}", label(s))))
        }
        (s, Step::Approve) => {
            Err(Problem::transition(format!("only a reviewed household can be approved; this one is {}", label(s))))
        }
        (s, Step::Exit) => {
            Err(Problem::transition(format!("only an identified household can exit; this one is {}", label(s))))
        }
    }
}

/// The snake_case name of a status.
pub fn label(s: HouseholdStatus) -> &'static str {
    match s {
        HouseholdStatus::Applied => "applied",
        HouseholdStatus::Reviewed => "reviewed",
        HouseholdStatus::Identified => "identified",
        HouseholdStatus::Exited => "exited",
    }
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
                })
                .collect(),
        }
    }

    #[test]
    fn a_wrong_check_digit_is_reported_on_its_field_without_echoing_the_number() {
        let good = chain_domain::with_check_digit("52062419800101002");
        let mut bad = good.clone();
        let last = if bad.ends_with('0') { '1' } else { '0' };
        bad.pop();
        bad.push(last);
        let p = validate(&application(&[&good, &bad]), 2026).unwrap_err();
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].field, "members/1/resident_id");
        assert!(!serde_json::to_string(&p).unwrap().contains(&bad[6..14]));
    }

    #[test]
    fn the_same_id_twice_in_one_household_is_refused() {
        let id = chain_domain::with_check_digit("52062419800101002");
        let p = validate(&application(&[&id, &id]), 2026).unwrap_err();
        assert_eq!(p.errors[0].field, "members/1/resident_id");
    }

    #[test]
    fn an_application_must_be_reviewed_before_it_is_approved() {
        assert!(next(HouseholdStatus::Applied, Step::Approve).is_err());
        assert_eq!(next(HouseholdStatus::Applied, Step::Review).unwrap(), HouseholdStatus::Reviewed);
    }
}
