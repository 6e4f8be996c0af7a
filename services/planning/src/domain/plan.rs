//! Pure rules of household plans: validating a plan against the household's recorded causes,
//! the plan's status machine, and the county's task of planning for a household.

use chain_api::planning::{CreatePlan, Helper, Measure, PlanStatus};
use chain_domain::{Causes, Invalid, PovertyCause, text};

/// Most measures a plan may list.
pub const MAX_MEASURES: usize = chain_api::limits::PLAN_MEASURES;
/// Longest description of a measure, in characters.
pub const MAX_DESCRIPTION: usize = chain_api::limits::MEASURE_CHARS;
/// Longest helper name or work unit, in characters.
pub const MAX_HELPER_FIELD: usize = chain_api::limits::UNIT_CHARS;

/// The kind of the county's task to plan assistance for a household.
pub const PLAN_TASK: &str = "plan.household";

/// Days the county has to plan assistance for a newly identified household.
pub const PLAN_DUE_DAYS: i64 = 30;

/// A plan that passed validation: measures and helper with surrounding whitespace trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPlan {
    /// The measures.
    pub measures: Vec<Measure>,
    /// The responsible helper.
    pub helper: Helper,
}

fn within(text: &str, max: usize) -> bool {
    let n = text.chars().count();
    (1..=max).contains(&n)
}

/// Validates a plan for a household with the given recorded causes; every invalid field is
/// reported at once.
pub fn validate(req: &CreatePlan, causes: &Causes) -> Result<ValidPlan, Invalid> {
    let mut bad = Invalid::new();
    if req.measures.is_empty() || req.measures.len() > MAX_MEASURES {
        bad.push("measures", format!("a plan lists 1 to {MAX_MEASURES} measures"));
    }
    let mut addressed = Vec::new();
    let mut measures = Vec::with_capacity(req.measures.len());
    for (i, m) in req.measures.iter().enumerate() {
        let field = format!("measures/{i}/description");
        let description = text::field(&m.description, text::Kind::Prose, &field, &mut bad);
        if !within(&description, MAX_DESCRIPTION) {
            bad.push(format!("measures/{i}/description"), format!("must be 1 to {MAX_DESCRIPTION} characters"));
        }
        match m.addresses.parse::<PovertyCause>() {
            Ok(c) if causes.includes(c) => addressed.push(c),
            Ok(_) => bad.push(format!("measures/{i}/addresses"), "not a recorded cause of this household"),
            Err(_) => bad.push(format!("measures/{i}/addresses"), "unknown poverty cause"),
        }
        if m.expected_income_fen < 0 {
            bad.push(format!("measures/{i}/expected_income_fen"), "must not be negative");
        }
        measures.push(Measure { description, ..m.clone() });
    }
    if !req.measures.is_empty() && !addressed.contains(&causes.main()) {
        bad.push("measures", format!("no measure addresses the main poverty cause {}", causes.main()));
    }
    let name = text::field(&req.helper.name, text::Kind::Name, "helper/name", &mut bad);
    if !within(&name, MAX_HELPER_FIELD) {
        bad.push("helper/name", format!("must be 1 to {MAX_HELPER_FIELD} characters"));
    }
    let unit = text::field(&req.helper.unit, text::Kind::Name, "helper/unit", &mut bad);
    if !within(&unit, MAX_HELPER_FIELD) {
        bad.push("helper/unit", format!("must be 1 to {MAX_HELPER_FIELD} characters"));
    }
    bad.or(ValidPlan { measures, helper: Helper { name, unit } })
}

/// A step of a plan's procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// County approval.
    Approve,
}

/// Why a step of a plan's procedure is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Only a draft is approved, and only once.
    #[error("only a draft plan can be approved; this one is {}", label(*status))]
    NotADraft {
        /// The plan's status.
        status: PlanStatus,
    },
}

/// The status after a step, or why it is not allowed.
pub fn next(status: PlanStatus, step: Step) -> Result<PlanStatus, Refusal> {
    match (status, step) {
        (PlanStatus::Draft, Step::Approve) => Ok(PlanStatus::Approved),
        (status, Step::Approve) => Err(Refusal::NotADraft { status }),
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

    fn fields(bad: &Invalid) -> Vec<&str> {
        bad.0.iter().map(|v| v.field.as_str()).collect()
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
        let bad = validate(&req, &causes()).unwrap_err();
        assert_eq!(fields(&bad), ["measures"]);
        assert_eq!(bad.0[0].message, "no measure addresses the main poverty cause illness");
    }

    #[test]
    fn a_measure_may_only_address_a_recorded_cause() {
        let req = plan(vec![
            measure(MeasureKind::Health, "illness"),
            measure(MeasureKind::DrinkingWater, "lack_of_water"),
            measure(MeasureKind::Industry, "bad_luck"),
        ]);
        let bad = validate(&req, &causes()).unwrap_err();
        assert_eq!(fields(&bad), ["measures/1/addresses", "measures/2/addresses"]);
        assert_eq!(bad.0[0].message, "not a recorded cause of this household");
        assert_eq!(bad.0[1].message, "unknown poverty cause");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut m = measure(MeasureKind::Health, "illness");
        m.description = "   ".into();
        m.expected_income_fen = -1;
        let mut req = plan(vec![m, measure(MeasureKind::Health, "illness")]);
        req.measures[1].description = "x".repeat(MAX_DESCRIPTION + 1);
        req.helper = Helper { name: String::new(), unit: "u".repeat(MAX_HELPER_FIELD + 1) };
        let bad = validate(&req, &causes()).unwrap_err();
        assert_eq!(
            fields(&bad),
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
        let bad = validate(&plan(vec![]), &causes()).unwrap_err();
        assert_eq!(fields(&bad), ["measures"]);
        let many = vec![measure(MeasureKind::Health, "illness"); MAX_MEASURES + 1];
        let bad = validate(&plan(many), &causes()).unwrap_err();
        assert_eq!(fields(&bad), ["measures"]);
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
        let refused = next(PlanStatus::Approved, Step::Approve).unwrap_err();
        assert_eq!(refused, Refusal::NotADraft { status: PlanStatus::Approved });
        assert_eq!(refused.to_string(), "only a draft plan can be approved; this one is approved");
    }
}
