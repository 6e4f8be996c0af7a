//! Unit tests for poverty causes.

use super::*;
use PovertyCause::*;

#[test]
fn there_are_twelve_distinct_causes() {
    let mut all = PovertyCause::ALL.to_vec();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 12);
}

#[test]
fn names_round_trip_through_display_from_str_and_serde() {
    for cause in PovertyCause::ALL {
        let name = cause.to_string();
        assert_eq!(name.parse::<PovertyCause>(), Ok(cause));
        assert_eq!(serde_json::to_string(&cause).unwrap(), format!("\"{name}\""));
        let back: PovertyCause = serde_json::from_str(&format!("\"{name}\"")).unwrap();
        assert_eq!(back, cause);
    }
}

#[test]
fn names_are_snake_case() {
    assert_eq!(SchoolingCosts.to_string(), "schooling_costs");
    assert_eq!(LackOfLand.to_string(), "lack_of_land");
    assert_eq!(LackOfMotivation.to_string(), "lack_of_motivation");
    assert_eq!("SchoolingCosts".parse::<PovertyCause>(), Err(CauseError::Unknown));
}

#[test]
fn chinese_names_match_the_file_card() {
    let zh: Vec<&str> = PovertyCause::ALL.iter().map(|c| c.zh()).collect();
    assert_eq!(
        zh,
        [
            "因病",
            "因残",
            "因学",
            "因灾",
            "缺土地",
            "缺水",
            "缺技术",
            "缺劳力",
            "缺资金",
            "交通条件落后",
            "自身发展动力不足",
            "其他"
        ]
    );
}

#[test]
fn a_main_cause_with_two_distinct_others_is_accepted() {
    let causes = Causes::new(Illness, vec![LackOfLabour, LackOfFunds]).unwrap();
    assert_eq!(causes.main(), Illness);
    assert_eq!(causes.others(), [LackOfLabour, LackOfFunds]);
    assert!(causes.includes(LackOfFunds));
    assert!(!causes.includes(Disaster));
}

#[test]
fn a_main_cause_alone_is_accepted() {
    assert_eq!(Causes::new(Disaster, vec![]), Ok(Causes::only(Disaster)));
}

#[test]
fn three_other_causes_are_refused() {
    let result = Causes::new(Illness, vec![Disability, Disaster, LackOfLand]);
    assert_eq!(result, Err(CauseError::TooManyOthers { count: 3 }));
}

#[test]
fn an_other_cause_equal_to_the_main_cause_is_refused() {
    let result = Causes::new(Illness, vec![Disability, Illness]);
    assert_eq!(result, Err(CauseError::RepeatsMain(Illness)));
}

#[test]
fn a_duplicated_other_cause_is_refused() {
    let result = Causes::new(Illness, vec![Disaster, Disaster]);
    assert_eq!(result, Err(CauseError::Duplicate(Disaster)));
}

#[test]
fn causes_deserialization_applies_the_same_rules() {
    let ok: Causes = serde_json::from_str(r#"{"main":"illness","others":["lack_of_funds"]}"#).unwrap();
    assert_eq!(ok, Causes::new(Illness, vec![LackOfFunds]).unwrap());
    let main_only: Causes = serde_json::from_str(r#"{"main":"other"}"#).unwrap();
    assert_eq!(main_only, Causes::only(Other));
    let bad = serde_json::from_str::<Causes>(r#"{"main":"illness","others":["illness"]}"#);
    assert!(bad.is_err());
    let json = serde_json::to_string(&ok).unwrap();
    assert_eq!(json, r#"{"main":"illness","others":["lack_of_funds"]}"#);
}
