use chain_api::planning::{AssignMember, EndMember, RecordPresence, TeamRole};
use chain_domain::Division;
use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn village() -> Division {
    Division::parse("520624101201").unwrap()
}

fn member(role: TeamRole) -> AssignMember {
    AssignMember {
        name: "王书记".into(),
        unit: "贵州省农业农村厅".into(),
        unit_layer: "province".into(),
        unit_division: "52".into(),
        role,
        term_start: day(2026, 3, 1),
        term_end: None,
        phone: "13812345678".into(),
    }
}

fn fields(bad: &Invalid) -> Vec<&str> {
    bad.0.iter().map(|v| v.field.as_str()).collect()
}

fn policies() -> &'static Policies {
    Policies::embedded()
}

#[test]
fn the_embedded_policy_gives_a_two_year_term_and_twenty_days() {
    let p = policies().for_year(2026, &village());
    assert_eq!((p.first_secretary_term_months, p.min_presence_days), (24, 20));
}

#[test]
fn a_province_row_replaces_the_default_from_its_year_on() {
    let csv = "year,province,first_secretary_term_months,member_term_months,min_presence_days,presence_grace_days,send_team_days\n\
               2014,*,24,24,20,5,60\n2021,52,36,24,22,5,30\n2023,*,24,12,18,3,60\n";
    let t = Policies::from_csv(csv).unwrap();
    assert_eq!(t.for_year(2020, &village()).min_presence_days, 20);
    assert_eq!(t.for_year(2022, &village()).first_secretary_term_months, 36);
    assert_eq!(t.for_year(2024, &village()).min_presence_days, 22, "the province's row still rules");
    let other = Division::parse("530102001001").unwrap();
    assert_eq!(t.for_year(2024, &other).min_presence_days, 18);
    assert_eq!(t.for_year(2010, &other).min_presence_days, 20, "before every row: the earliest default");
}

#[test]
fn a_table_without_a_first_default_row_or_with_bad_cells_is_refused() {
    let head = "year,province,first_secretary_term_months,member_term_months,min_presence_days,presence_grace_days,send_team_days";
    assert!(Policies::from_csv(&format!("{head}\n2014,52,24,24,20,5,60\n")).is_err());
    assert!(Policies::from_csv(&format!("{head}\n2014,*,24,24,40,5,60\n")).is_err());
    assert!(Policies::from_csv(&format!("{head}\n2014,*,24,24,20,5\n")).is_err());
    assert!(Policies::from_csv("year,province\n2014,*\n").is_err());
}

#[test]
fn a_first_secretary_s_term_defaults_to_the_policy_length() {
    let v = validate_member(&member(TeamRole::FirstSecretary), &village(), day(2026, 3, 1), policies()).unwrap();
    assert_eq!((v.term_start, v.term_end), (day(2026, 3, 1), day(2028, 2, 29)));
    assert_eq!((v.unit_layer, v.unit_division.as_str()), (Layer::Province, "52"));
}

#[test]
fn a_first_secretary_s_term_cannot_exceed_the_policy_but_a_member_s_can() {
    let mut req = member(TeamRole::FirstSecretary);
    req.term_end = Some(day(2028, 3, 1));
    let bad = validate_member(&req, &village(), day(2026, 3, 1), policies()).unwrap_err();
    assert_eq!(fields(&bad), ["term_end"]);
    req.role = TeamRole::Member;
    assert!(validate_member(&req, &village(), day(2026, 3, 1), policies()).is_ok());
}

#[test]
fn a_township_or_village_unit_cannot_send_a_member() {
    for (layer, code) in [("township", "520624101"), ("village", "520624101201")] {
        let mut req = member(TeamRole::Member);
        (req.unit_layer, req.unit_division) = (layer.into(), code.into());
        let bad = validate_member(&req, &village(), day(2026, 3, 1), policies()).unwrap_err();
        assert_eq!(fields(&bad), ["unit_layer"], "{layer}");
    }
}

#[test]
fn the_unit_s_division_must_be_of_its_layer() {
    let mut req = member(TeamRole::Member);
    req.unit_division = "520624".into();
    assert_eq!(fields(&validate_member(&req, &village(), day(2026, 3, 1), policies()).unwrap_err()), ["unit_division"]);
    (req.unit_layer, req.unit_division) = ("central".into(), "52".into());
    assert_eq!(fields(&validate_member(&req, &village(), day(2026, 3, 1), policies()).unwrap_err()), ["unit_division"]);
    req.unit_division = "CN".into();
    assert!(validate_member(&req, &village(), day(2026, 3, 1), policies()).is_ok());
}

#[test]
fn every_bad_field_of_a_member_is_reported_at_once() {
    let mut req = member(TeamRole::Member);
    req.name = " ".into();
    req.unit = "u".repeat(UNIT_CHARS + 1);
    req.phone = "12ab".into();
    req.term_start = day(2013, 12, 31);
    let bad = validate_member(&req, &village(), day(2026, 3, 1), policies()).unwrap_err();
    assert_eq!(fields(&bad), ["name", "unit", "phone", "term_start"]);
}

#[test]
fn a_membership_counts_from_its_start_to_its_last_day() {
    let m = Membership { start: day(2026, 3, 10), term_end: day(2028, 3, 9), ended_on: None };
    assert!(!m.current_on(day(2026, 3, 9)) && m.current_on(day(2026, 3, 10)) && m.current_on(day(2028, 3, 9)));
    assert!(!m.current_on(day(2028, 3, 10)), "a term that ended no longer counts");
    let march = Month::parse("2026-03").unwrap();
    assert_eq!(m.days_in(march), 22);
    let ended = Membership { ended_on: Some(day(2026, 3, 20)), ..m };
    assert_eq!((ended.days_in(march), ended.current_on(day(2026, 3, 21))), (11, false));
}

#[test]
fn the_required_days_are_the_minimum_in_proportion_rounded_up() {
    let march = Month::parse("2026-03").unwrap();
    assert_eq!(required_days(20, march, 31), 20);
    assert_eq!(required_days(20, march, 22), 15, "20 × 22 / 31 = 14.2, rounded up");
    assert_eq!(required_days(20, march, 0), 0);
}

#[test]
fn months_parse_only_as_yyyy_mm_and_are_judged_after_the_grace_period() {
    assert_eq!(Month::parse("2026-02").map(|m| (m.days(), m.to_string())), Some((28, "2026-02".into())));
    for bad in ["2026-2", "2026-13", "202602", "2026-02-01", ""] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
    assert_eq!(Month::parse("2026-11").unwrap().judged_on(5), day(2026, 12, 6));
    assert_eq!(Month::parse("2026-12").unwrap().next().to_string(), "2027-01");
}

#[test]
fn presence_is_for_a_month_the_member_was_in_and_at_most_its_days() {
    let m = Membership { start: day(2026, 3, 10), term_end: day(2028, 3, 9), ended_on: None };
    let req =
        |month: &str, days| RecordPresence { member_id: uuid::Uuid::nil(), month: month.into(), days, note: None };
    assert_eq!(validate_presence(&req("2026-03", 22), &m, day(2026, 4, 2)).unwrap().0.to_string(), "2026-03");
    let noted = RecordPresence { note: Some("  签到表 ".into()), ..req("2026-03", 22) };
    assert_eq!(validate_presence(&noted, &m, day(2026, 4, 2)).unwrap().1.as_deref(), Some("签到表"));
    let fields_of = |r: RecordPresence| validate_presence(&r, &m, day(2026, 4, 2)).unwrap_err().0[0].field.clone();
    assert_eq!(fields_of(req("2026-02", 10)), "month");
    assert_eq!(fields_of(req("2026-05", 10)), "month");
    assert_eq!(fields_of(req("2026-04", 31)), "days");
    assert_eq!(fields_of(req("26-04", 3)), "month");
}

#[test]
fn a_membership_ends_once_within_its_term_with_a_reason() {
    let m = Membership { start: day(2026, 3, 10), term_end: day(2028, 3, 9), ended_on: None };
    let req = |last_day, reason: &str| EndMember { member_id: uuid::Uuid::nil(), last_day, reason: reason.into() };
    assert_eq!(validate_end(&m, &req(day(2027, 1, 1), " 调回 ")), Ok((day(2027, 1, 1), "调回".into())));
    match validate_end(&m, &req(day(2028, 3, 10), "")) {
        Err(EndError::Invalid(bad)) => assert_eq!(fields(&bad), ["last_day", "reason"]),
        other => panic!("{other:?}"),
    }
    let ended = Membership { ended_on: Some(day(2027, 1, 1)), ..m };
    assert_eq!(
        validate_end(&ended, &req(day(2027, 2, 1), "again")),
        Err(EndError::Refused(Refusal::AlreadyEnded(day(2027, 1, 1))))
    );
}

#[test]
fn a_month_waits_for_the_longest_grace_period_of_any_province() {
    let csv = "year,province,first_secretary_term_months,member_term_months,min_presence_days,presence_grace_days,send_team_days\n\
               2014,*,24,24,20,5,60\n2020,52,24,24,20,9,60\n2024,52,24,24,20,2,60\n";
    let t = Policies::from_csv(csv).unwrap();
    assert_eq!(t.longest_grace_days(2019), 5);
    assert_eq!(t.longest_grace_days(2021), 9);
    assert_eq!(t.longest_grace_days(2025), 5, "the province's later row shortens its grace again");
}
