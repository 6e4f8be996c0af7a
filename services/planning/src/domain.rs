//! Pure rules of planning: validating a plan against the household's recorded causes, and the
//! plan's status machine.

use chain_api::planning::{CreatePlan, Helper, Measure, PlanStatus};
use chain_api::{FieldError, Problem};
use chain_domain::{Causes, PovertyCause};

/// Most measures a plan may list.
pub const MAX_MEASURES: usize = 20;
/// Longest description of a measure, in characters.
pub const MAX_DESCRIPTION: usize = 500;
/// Longest helper name or work unit, in characters.
pub const MAX_HELPER_FIELD: usize = 100;

/// A plan that passed validation: measures and helper with surrounding whitespace trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPlan {
    /// The measures.
    pub measures: Vec<Measure>,
    /// The responsible helper.
    pub helper: Helper,
}

fn field(errors: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    errors.push(FieldError { field: field.into(), message: message.into() });
}

fn within(text: &str, max: usize) -> bool {
    let n = text.chars().count();
    (1..=max).contains(&n)
}

/// Validates a plan for a household with the given recorded causes; every invalid field is
/// reported at once.
pub fn validate(req: &CreatePlan, causes: &Causes) -> Result<ValidPlan, Problem> {
    let mut errors = Vec::new();
    if req.measures.is_empty() || req.measures.len() > MAX_MEASURES {
        field(&mut errors, "measures", format!("a plan lists 1 to {MAX_MEASURES} measures"));
    }
    let mut addressed = Vec::new();
    let mut measures = Vec::with_capacity(req.measures.len());
    for (i, m) in req.measures.iter().enumerate() {
        let description = m.description.trim();
        if !within(description, MAX_DESCRIPTION) {
            let msg = format!("must be 1 to {MAX_DESCRIPTION} characters");
            field(&mut errors, format!("measures/{i}/description"), msg);
        }
        match m.addresses.parse::<PovertyCause>() {
            Ok(c) if causes.includes(c) => addressed.push(c),
            Ok(_) => field(&mut errors, format!("measures/{i}/addresses"), "not a recorded cause of this household"),
            Err(_) => field(&mut errors, format!("measures/{i}/addresses"), "unknown poverty cause"),
        }
        if m.expected_income_fen < 0 {
            field(&mut errors, format!("measures/{i}/expected_income_fen"), "must not be negative");
        }
        measures.push(Measure { description: description.to_owned(), ..m.clone() });
    }
    if !req.measures.is_empty() && !addressed.contains(&causes.main()) {
        let msg = format!("no measure addresses the main poverty cause {}", causes.main());
        field(&mut errors, "measures", msg);
    }
    let name = req.helper.name.trim();
    if !within(name, MAX_HELPER_FIELD) {
        field(&mut errors, "helper/name", format!("must be 1 to {MAX_HELPER_FIELD} characters"));
    }
    let unit = req.helper.unit.trim();
    if !within(unit, MAX_HELPER_FIELD) {
        field(&mut errors, "helper/unit", format!("must be 1 to {MAX_HELPER_FIELD} characters"));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok(ValidPlan { measures, helper: Helper { name: name.to_owned(), unit: unit.to_owned() } })
}

/// A step of a plan's procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// County approval.
    Approve,
}

/// The status after a step, or why it is not allowed.
pub fn next(status: PlanStatus, step: Step) -> Result<PlanStatus, Problem> {
    match (status, step) {
        (PlanStatus::Draft, Step::Approve) => Ok(PlanStatus::Approved),
        (s, Step::Approve) => {
            Err(Problem::transition(format!("only a draft plan can be approved; this one is {}", label(s))))
        }
    }
}

/// The snake_case name of a status.
pub fn label(s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Draft => "draft",
        PlanStatus::Approved => "approved",
    }
}

#[cfg(test)]
mod tests {
    use chain_api::ProblemKind;
    use chain_api::planning::MeasureKind;

    use super::*;

    fn causes() -> Causes {
        Causes::new(PovertyCause::Illness, vec![PovertyCause::LackOfSkills]).unwrap()
    }

    fn measure(kind: MeasureKind, addresses: &str) -> Measure {
        Measure {
            kind,
            description: "enrol in serious-illness insurance".into(),
            addresses: addresses.into(),
            expected_income_fen: 50_000,
        }
    }

    fn plan(measures: Vec<Measure>) -> CreatePlan {
        CreatePlan {
            household_id: uuid::Uuid::now_v7(),
            measures,
            helper: Helper { name: "Helper".into(), unit: "County health bureau".into() },
        }
    }

    fn fields(p: &Problem) -> Vec<&str> {
        p.errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_plan_answering_the_main_cause_passes() {
        let req =
            plan(vec![measure(MeasureKind::Health, "illness"), measure(MeasureKind::Employment, "lack_of_skills")]);
        let valid = validate(&req, &causes()).unwrap();
        assert_eq!(valid.measures, req.measures);
        assert_eq!(valid.helper, req.helper);
    }

    #[test]
    fn the_main_cause_must_be_addressed() {
        let req = plan(vec![measure(MeasureKind::Employment, "lack_of_skills")]);
        let p = validate(&req, &causes()).unwrap_err();
        assert!(p.is(ProblemKind::Validation));
        assert_eq!(fields(&p), ["measures"]);
        assert_eq!(p.errors[0].message, "no measure addresses the main poverty cause illness");
    }

    #[test]
    fn a_measure_may_only_address_a_recorded_cause() {
        let req = plan(vec![
            measure(MeasureKind::Health, "illness"),
            measure(MeasureKind::DrinkingWater, "lack_of_water"),
            measure(MeasureKind::Industry, "bad_luck"),
        ]);
        let p = validate(&req, &causes()).unwrap_err();
        assert_eq!(fields(&p), ["measures/1/addresses", "measures/2/addresses"]);
        assert_eq!(p.errors[0].message, "not a recorded cause of this household");
        assert_eq!(p.errors[1].message, "unknown poverty cause");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut m = measure(MeasureKind::Health, "illness");
        m.description = "   ".into();
        m.expected_income_fen = -1;
        let mut req = plan(vec![m, measure(MeasureKind::Health, "illness")]);
        req.measures[1].description = "x".repeat(MAX_DESCRIPTION + 1);
        req.helper = Helper { name: String::new(), unit: "u".repeat(MAX_HELPER_FIELD + 1) };
        let p = validate(&req, &causes()).unwrap_err();
        assert_eq!(
            fields(&p),
            [
                "measures/0/description",
                "measures/0/expected_income_fen",
                "measures/1/description",
                "helper/name",
                "helper/unit",
            ]
        );
    }

    #[test]
    fn a_plan_has_one_to_twenty_measures() {
        let p = validate(&plan(vec![]), &causes()).unwrap_err();
        assert_eq!(fields(&p), ["measures"]);
        let many = vec![measure(MeasureKind::Health, "illness"); MAX_MEASURES + 1];
        let p = validate(&plan(many), &causes()).unwrap_err();
        assert_eq!(fields(&p), ["measures"]);
        let most = vec![measure(MeasureKind::Health, "illness"); MAX_MEASURES];
        assert!(validate(&plan(most), &causes()).is_ok());
    }

    #[test]
    fn descriptions_are_counted_in_characters_not_bytes() {
        let mut m = measure(MeasureKind::Health, "illness");
        m.description = "医".repeat(MAX_DESCRIPTION);
        assert!(validate(&plan(vec![m]), &causes()).is_ok());
    }

    #[test]
    fn only_a_draft_plan_can_be_approved_once() {
        assert_eq!(next(PlanStatus::Draft, Step::Approve).unwrap(), PlanStatus::Approved);
        let p = next(PlanStatus::Approved, Step::Approve).unwrap_err();
        assert!(p.is(ProblemKind::InvalidTransition));
    }
}
