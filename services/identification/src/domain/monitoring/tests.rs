//! Unit tests of the monitoring rules: the range test, the steps and risk removal.

use super::*;
use chain_domain::PovertyLines;

/// The fields a refusal names (answered 422); none for a transition refusal (answered 409).
fn fields(refused: impl Into<Refusal>) -> Vec<String> {
    match refused.into() {
        Refusal::Invalid(bad) => bad.0.into_iter().map(|v| v.field).collect(),
        Refusal::Transition(_) => vec![],
    }
}

/// Why a transition refusal refuses (answered 409); `None` for a field refusal.
fn transition(refused: Refusal) -> Option<String> {
    match refused {
        Refusal::Transition(why) => Some(why),
        Refusal::Invalid(_) => None,
    }
}

fn policy() -> Policy {
    Policies::embedded().for_division(&Division::parse("520624101201").unwrap()).clone()
}

fn guizhou_ceiling(year: i32) -> i64 {
    let line = PovertyLines::default_table().line_for(year, &Division::parse("520624101201").unwrap()).unwrap();
    ceiling(line, &policy())
}

fn facts(income: i64) -> Facts {
    Facts { income_fen: income, previous_income_fen: None, rigid_spending_fen: None, rigid_reason_given: false }
}

#[test]
fn the_embedded_policy_is_one_and_a_half_lines_fifteen_days_and_half_a_year() {
    let p = policy();
    assert_eq!(
        (p.income_multiplier_permille, p.decision_days, p.notice_kind.as_str(), p.risk_removal_min_months),
        (1500, 15, "monitoring.village", 6)
    );
    // 1.5 × the 4,000-yuan line of 2020, carried into 2021: 6,000 yuan (DOMAIN.md §7).
    assert_eq!(guizhou_ceiling(2021), 600_000);
}

#[test]
fn income_below_one_and_a_half_lines_is_in_range_and_at_it_is_not() {
    let c = guizhou_ceiling(2021);
    assert_eq!(range(&facts(c - 1), c, &policy()).unwrap(), vec![RangeReason::IncomeBelowCeiling]);
    let refused = fields(range(&facts(c), c, &policy()).unwrap_err());
    assert_eq!(refused[0], "per_capita_income_fen");
}

#[test]
fn rigid_spending_above_income_or_a_sharp_drop_puts_a_richer_household_in_range() {
    let c = guizhou_ceiling(2021);
    let rigid = Facts { rigid_spending_fen: Some(c + 2), rigid_reason_given: true, ..facts(c + 1) };
    assert_eq!(range(&rigid, c, &policy()).unwrap(), vec![RangeReason::RigidSpendingAboveIncome]);
    // Down 30 % from the year before is a sharp drop (the table's operating default); 29.9 % is not.
    let dropped = Facts { previous_income_fen: Some(1_000_000), ..facts(700_000) };
    assert_eq!(range(&dropped, c, &policy()).unwrap(), vec![RangeReason::SharpIncomeDrop]);
    let slight = Facts { previous_income_fen: Some(1_000_000), ..facts(700_001) };
    assert!(range(&slight, c, &policy()).is_err());
}

#[test]
fn rigid_spending_needs_its_reason_and_amounts_are_not_negative() {
    let c = guizhou_ceiling(2021);
    let p = fields(range(&Facts { rigid_spending_fen: Some(1), ..facts(1) }, c, &policy()).unwrap_err());
    assert_eq!(p[0], "rigid_spending_reason");
    let p = fields(range(&facts(-1), c, &policy()).unwrap_err());
    assert_eq!(p[0], "per_capita_income_fen");
}

#[test]
fn the_decision_falls_due_at_the_end_of_the_fifteenth_day() {
    let due = decision_due(NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(), &policy());
    assert_eq!(due.to_rfc3339(), "2021-03-16T16:00:00+00:00");
}

#[test]
fn every_step_in_order_from_signal_to_inclusion_and_none_skipped() {
    use Step::*;
    let all = [
        Visit,
        Consent { given: true },
        Match { passed: true },
        Appraise { passed: true },
        PostNotice,
        NoticePassed,
        Review,
        Decide { include: true },
    ];
    let run = |steps: &[Step]| steps.iter().try_fold(MonitoringStatus::Alerted, |s, st| next(s, *st));
    assert_eq!(run(&all).unwrap(), MonitoringStatus::Included);
    for skip in 0..all.len() {
        let mut fewer = all.to_vec();
        fewer.remove(skip);
        assert!(!matches!(run(&fewer), Ok(MonitoringStatus::Included)), "skipping step {skip}");
    }
    let objected = run(&all[..5]).and_then(|s| next(s, Objection)).unwrap();
    assert_eq!(objected, MonitoringStatus::Objected);
    assert_eq!(next(objected, PostNotice).unwrap(), MonitoringStatus::Notice);
    assert_eq!(next(MonitoringStatus::Visited, Consent { given: false }).unwrap(), MonitoringStatus::Declined);
    assert_eq!(next(MonitoringStatus::RiskRemoved, Reinstate).unwrap(), MonitoringStatus::Included);
    assert!(next(MonitoringStatus::Included, Reinstate).is_err());
}

fn removal() -> Removal {
    let d = |m, day| NaiveDate::from_ymd_opt(2022, m, day).unwrap();
    Removal {
        has_labour: true,
        measures: 1,
        monitored_since: d(1, 10),
        today: d(7, 10),
        income_fen: 900_000,
        stable_since: d(1, 1),
        ceiling_fen: 600_000,
    }
}

#[test]
fn risk_is_removed_after_half_a_year_of_monitoring_and_stable_income_above_the_range() {
    assert!(may_remove(&removal(), &policy()).is_ok());
}

#[test]
fn risk_is_never_removed_without_labour_nor_without_a_measure() {
    let p = transition(may_remove(&Removal { has_labour: false, ..removal() }, &policy()).unwrap_err());
    assert!(p.as_deref().unwrap_or_default().contains("without labour"), "{p:?}");
    assert!(transition(may_remove(&Removal { measures: 0, ..removal() }, &policy()).unwrap_err()).is_some());
}

#[test]
fn risk_is_not_removed_too_early_or_with_income_still_in_range() {
    let early = Removal { today: NaiveDate::from_ymd_opt(2022, 7, 9).unwrap(), ..removal() };
    assert!(transition(may_remove(&early, &policy()).unwrap_err()).is_some());
    let low = fields(may_remove(&Removal { income_fen: 599_999, ..removal() }, &policy()).unwrap_err());
    assert_eq!(low[0], "per_capita_income_fen");
    let unstable = fields(
        may_remove(&Removal { stable_since: NaiveDate::from_ymd_opt(2022, 2, 1).unwrap(), ..removal() }, &policy())
            .unwrap_err(),
    );
    assert_eq!(unstable[0], "stable_since");
}

#[test]
fn the_policy_table_needs_its_header_and_default_and_provinces_override() {
    let t = Policies::from_csv(&format!(
        "{HEADER}\n*,1500,15,monitoring.village,6,300\n52,1600,10,monitoring.village,6,250\n"
    ))
    .unwrap();
    assert_eq!(t.for_division(&Division::parse("520624101201").unwrap()).income_multiplier_permille, 1600);
    assert_eq!(t.for_division(&Division::parse("110101001001").unwrap()).decision_days, 15);
    assert!(Policies::from_csv(&format!("{HEADER}\n52,1600,10,monitoring.village,6,250\n")).is_err());
    assert!(Policies::from_csv(&format!("{HEADER}\n*,15,15,monitoring.village,6,300\n")).is_err());
}
