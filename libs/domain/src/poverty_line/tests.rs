//! Unit tests for the poverty-line table.

use super::*;

fn d(code: &str) -> Division {
    Division::parse(code).unwrap()
}

fn yuan(amount: i64) -> Option<Money> {
    Some(Money::from_yuan(amount))
}

#[test]
fn default_table_has_the_national_lines_from_the_domain_reference() {
    let lines = PovertyLines::default_table();
    let village = d("520624101201");
    assert_eq!(lines.line_for(2014, &village), yuan(2736));
    assert_eq!(lines.line_for(2015, &village), yuan(2800));
    assert_eq!(lines.line_for(2016, &village), yuan(2855));
    assert_eq!(lines.line_for(2017, &village), yuan(3026));
    assert_eq!(lines.line_for(2020, &village), yuan(4000));
}

#[test]
fn years_without_an_entry_carry_the_previous_line_forward() {
    let lines = PovertyLines::default_table();
    assert_eq!(lines.national_line(2018), yuan(3026));
    assert_eq!(lines.national_line(2019), yuan(3026));
    assert_eq!(lines.national_line(2030), yuan(4000));
}

#[test]
fn there_is_no_line_before_the_first_year() {
    let lines = PovertyLines::default_table();
    assert_eq!(lines.national_line(2013), None);
    assert_eq!(lines.line_for(2013, &d("52")), None);
    assert_eq!(lines.monitoring_ceiling(2013, &d("52")), None);
}

#[test]
fn monitoring_ceiling_is_one_and_a_half_times_the_line() {
    let lines = PovertyLines::default_table();
    // DOMAIN.md section 7: 6,000 yuan in 2021.
    assert_eq!(lines.monitoring_ceiling(2021, &d("5206")), yuan(6000));
    assert_eq!(lines.monitoring_ceiling(2014, &d("5206")), yuan(4104));
}

#[test]
fn monitoring_ceiling_rounds_down_to_whole_fen() {
    let lines = PovertyLines::from_csv("scope,year,fen\nCN,2020,3\n").unwrap();
    assert_eq!(lines.monitoring_ceiling(2020, &d("11")), Some(Money::from_fen(4)));
}

#[test]
fn a_province_override_wins_inside_that_province_only() {
    let csv = "scope,year,fen\nCN,2016,285500\n37,2016,350000\n";
    let lines = PovertyLines::from_csv(csv).unwrap();
    assert_eq!(lines.line_for(2017, &d("370102")), yuan(3500));
    assert_eq!(lines.line_for(2017, &d("520624")), yuan(2855));
}

#[test]
fn before_a_provinces_first_entry_the_national_line_applies() {
    let csv = "scope,year,fen\nCN,2014,273600\n37,2016,350000\n";
    let lines = PovertyLines::from_csv(csv).unwrap();
    assert_eq!(lines.line_for(2015, &d("37")), yuan(2736));
    assert_eq!(lines.line_for(2016, &d("37")), yuan(3500));
}

#[test]
fn comments_blank_padding_and_empty_tables_are_accepted() {
    let csv = "# a note\nscope,year,fen\n# another\n CN , 2020 , 400000 \n";
    let lines = PovertyLines::from_csv(csv).unwrap();
    assert_eq!(lines.national_line(2020), yuan(4000));
    let empty = PovertyLines::from_csv("scope,year,fen\n").unwrap();
    assert_eq!(empty, PovertyLines::default());
}

#[test]
fn a_wrong_header_is_rejected() {
    assert_eq!(PovertyLines::from_csv("scope,yr,fen\nCN,2020,400000\n"), Err(PovertyLinesError::Header));
}

#[test]
fn bad_scopes_are_rejected_with_their_line_number() {
    for scope in ["cn", "5206", "00", "X"] {
        let csv = format!("scope,year,fen\nCN,2020,400000\n{scope},2020,400000\n");
        assert_eq!(PovertyLines::from_csv(&csv), Err(PovertyLinesError::Scope { line: 3 }), "{scope}");
    }
}

#[test]
fn bad_years_and_amounts_are_rejected() {
    let year = PovertyLines::from_csv("scope,year,fen\nCN,twenty,1\n");
    assert_eq!(year, Err(PovertyLinesError::Year { line: 2 }));
    for fen in ["0", "-5", "4000.00", ""] {
        let csv = format!("scope,year,fen\nCN,2020,{fen}\n");
        assert_eq!(PovertyLines::from_csv(&csv), Err(PovertyLinesError::Fen { line: 2 }), "{fen:?}");
    }
}

#[test]
fn duplicate_scope_and_year_is_rejected() {
    let csv = "scope,year,fen\n52,2020,1\n52,2020,2\n";
    assert_eq!(
        PovertyLines::from_csv(csv),
        Err(PovertyLinesError::Duplicate { line: 3, scope: "52".into(), year: 2020 })
    );
}

#[test]
fn ragged_rows_are_a_csv_error() {
    let result = PovertyLines::from_csv("scope,year,fen\nCN,2020\n");
    assert!(matches!(result, Err(PovertyLinesError::Csv(_))), "{result:?}");
}
