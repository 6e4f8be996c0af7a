use chain_api::planning::{MeasureDraft, MeasureKind, MilestoneDraft, PlanStatus};
use chain_domain::{Causes, Division, Invalid, PovertyCause};
use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::domain::rules::Rules;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 3, 1).unwrap()
}

fn village() -> Division {
    Division::parse("520624101201").unwrap()
}

fn causes() -> Causes {
    Causes::new(PovertyCause::Illness, vec![PovertyCause::LackOfSkills]).unwrap()
}

fn measure(kind: MeasureKind, addresses: &str) -> MeasureDraft {
    MeasureDraft {
        kind,
        description: "enrol in serious-illness insurance".into(),
        addresses: addresses.into(),
        responsible: "王芳".into(),
        budget_fen: 0,
        fund: None,
        expected_income_fen: 50_000,
        milestones: vec![MilestoneDraft {
            what: "enrolled".into(),
            due: NaiveDate::from_ymd_opt(2016, 6, 30).unwrap(),
        }],
    }
}

fn check(measures: &[MeasureDraft], causes: &Causes) -> Result<ValidContent, Invalid> {
    let content = Content { wishes: "想养猪", measures, names_helper: false, justification: None };
    let ctx = Context { causes, village: &village(), year: 2016, today: today(), rules: Rules::embedded() };
    validate(content, ctx, &|_| false)
}

fn fields(bad: &Invalid) -> Vec<&str> {
    bad.0.iter().map(|v| v.field.as_str()).collect()
}

#[test]
fn a_plan_answering_every_cause_passes() {
    let measures = [measure(MeasureKind::Health, "illness"), measure(MeasureKind::Employment, "lack_of_skills")];
    let valid = check(&measures, &causes()).unwrap();
    assert_eq!(valid.measures.len(), 2);
    assert_eq!(valid.milestones.len(), 2);
    assert_eq!(valid.expected_effect_fen(), 100_000);
}

#[test]
fn every_unanswered_cause_is_listed() {
    let bad = check(&[measure(MeasureKind::Employment, "lack_of_skills")], &causes()).unwrap_err();
    assert_eq!(fields(&bad), ["measures"]);
    assert_eq!(bad.0[0].message, "no measure answers the main cause illness (it is answered by safety_net, health)");
    let causes =
        Causes::new(PovertyCause::Illness, vec![PovertyCause::LackOfSkills, PovertyCause::LackOfWater]).unwrap();
    let bad = check(&[measure(MeasureKind::Health, "illness")], &causes).unwrap_err();
    assert_eq!(fields(&bad), ["measures", "measures"]);
    assert!(bad.0[0].message.contains("the cause lack_of_skills"), "{}", bad.0[0].message);
    assert!(bad.0[1].message.contains("the cause lack_of_water"), "{}", bad.0[1].message);
}

#[test]
fn a_cause_is_answered_only_by_a_measure_of_an_allowed_kind() {
    let measures = [measure(MeasureKind::Industry, "illness"), measure(MeasureKind::Education, "lack_of_skills")];
    let bad = check(&measures, &causes()).unwrap_err();
    assert_eq!(fields(&bad), ["measures"]);
    assert_eq!(bad.0[0].message, "no measure answers the main cause illness (it is answered by safety_net, health)");
}

#[test]
fn a_measure_may_only_address_a_recorded_cause() {
    let measures = [
        measure(MeasureKind::Health, "illness"),
        measure(MeasureKind::Employment, "lack_of_skills"),
        measure(MeasureKind::DrinkingWater, "lack_of_water"),
        measure(MeasureKind::Industry, "bad_luck"),
    ];
    let bad = check(&measures, &causes()).unwrap_err();
    assert_eq!(fields(&bad), ["measures/2/addresses", "measures/3/addresses"]);
    assert_eq!(bad.0[0].message, "not a recorded cause of this household");
    assert_eq!(bad.0[1].message, "unknown poverty cause");
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let mut m = measure(MeasureKind::Health, "illness");
    m.description = "   ".into();
    m.expected_income_fen = -1;
    m.budget_fen = 10_000;
    m.responsible = String::new();
    m.milestones = vec![MilestoneDraft {
        what: "x".repeat(MILESTONE_CHARS + 1),
        due: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
    }];
    let mut other = measure(MeasureKind::Employment, "lack_of_skills");
    other.milestones.clear();
    let bad = check(&[m, other], &causes()).unwrap_err();
    assert_eq!(
        fields(&bad),
        [
            "measures/0/description",
            "measures/0/responsible",
            "measures/0/fund",
            "measures/0/expected_income_fen",
            "measures/0/milestones/0/what",
            "measures/0/milestones/0/due",
            "measures/1/milestones",
        ]
    );
}

#[test]
fn a_kept_milestone_may_be_past_due_a_new_one_may_not() {
    let mut m = measure(MeasureKind::Health, "illness");
    m.milestones[0].due = NaiveDate::from_ymd_opt(2016, 1, 15).unwrap();
    let measures = [m, measure(MeasureKind::Employment, "lack_of_skills")];
    let content = Content { wishes: "想养猪", measures: &measures, names_helper: false, justification: None };
    let causes = causes();
    let ctx = Context { causes: &causes, village: &village(), year: 2016, today: today(), rules: Rules::embedded() };
    assert!(validate(content, ctx, &|_| false).is_err());
    assert!(validate(content, ctx, &|k| k.what == "enrolled" && k.kind == MeasureKind::Health).is_ok());
}

#[test]
fn a_plan_has_one_to_twenty_measures_and_wishes() {
    let bad = check(&[], &causes()).unwrap_err();
    assert_eq!(fields(&bad), ["measures"]);
    let measures = [measure(MeasureKind::Health, "illness"), measure(MeasureKind::Employment, "lack_of_skills")];
    let content = Content { wishes: " ", measures: &measures, names_helper: false, justification: None };
    let causes = causes();
    let ctx = Context { causes: &causes, village: &village(), year: 2016, today: today(), rules: Rules::embedded() };
    assert_eq!(fields(&validate(content, ctx, &|_| false).unwrap_err()), ["wishes"]);
    let content = Content { wishes: "想养猪", names_helper: true, ..content };
    assert_eq!(fields(&validate(content, ctx, &|_| false).unwrap_err()), ["helper"]);
}

#[test]
fn the_projection_shares_the_effects_among_the_members() {
    let p = project(2016, 3, 200_000, 300_001, 285_500);
    assert_eq!(p.projected_per_capita_fen, 300_000);
    assert!(p.closes_gap);
    let p = project(2016, 4, 200_000, 342_000, 285_500);
    assert_eq!(p.projected_per_capita_fen, 285_500);
    assert!(!p.closes_gap, "at the line is not above it");
}

#[test]
fn the_status_machine() {
    use PlanStatus::*;
    assert_eq!(next(Draft, Step::Submit).unwrap(), Submitted);
    assert_eq!(next(Submitted, Step::Approve).unwrap(), Approved);
    assert_eq!(next(Submitted, Step::Return).unwrap(), Draft);
    assert_eq!(next(Completed, Step::Revise).unwrap(), Draft);
    let refused = next(Approved, Step::Approve).unwrap_err();
    assert_eq!(refused.to_string(), "a plan that is approved cannot be approved");
    assert_eq!(
        next(InProgress, Step::Acknowledge).unwrap_err().to_string(),
        "a plan that is in progress cannot be acknowledged"
    );
    assert_eq!(progressed(Approved, 1, 3), InProgress);
    assert_eq!(progressed(InProgress, 3, 3), Completed);
    assert_eq!(progressed(Draft, 3, 3), Draft, "a revision in preparation completes at its approval");
}

fn any_cause() -> impl Strategy<Value = PovertyCause> {
    proptest::sample::select(PovertyCause::ALL.to_vec())
}

fn any_kind() -> impl Strategy<Value = MeasureKind> {
    proptest::sample::select(MeasureKind::ALL.to_vec())
}

fn any_causes() -> impl Strategy<Value = Causes> {
    (any_cause(), proptest::collection::btree_set(any_cause(), 0..=2))
        .prop_filter_map("distinct causes", |(main, others)| {
            Causes::new(main, others.into_iter().filter(|c| *c != main).collect()).ok()
        })
}

proptest! {
    /// For any causes and any measures (each answering a recorded cause), the plan is accepted
    /// exactly when every recorded cause is answered by a measure of an allowed kind.
    #[test]
    fn a_plan_is_accepted_exactly_when_every_cause_is_answered(
        causes in any_causes(),
        picks in proptest::collection::vec((any_kind(), 0usize..3), 1..6),
    ) {
        let recorded: Vec<PovertyCause> = std::iter::once(causes.main()).chain(causes.others().iter().copied()).collect();
        let measures: Vec<MeasureDraft> = picks
            .iter()
            .map(|(kind, i)| measure(*kind, &recorded[i % recorded.len()].to_string()))
            .collect();
        let rules = Rules::embedded();
        let all_answered = recorded.iter().all(|c| {
            measures.iter().any(|m| m.addresses.parse() == Ok(*c) && rules.allowed(2016, &village(), *c).admits(m.kind))
        });
        let result = check(&measures, &causes);
        prop_assert_eq!(result.is_ok(), all_answered, "{:?}", result.err());
    }
}
