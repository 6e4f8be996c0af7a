//! Unit tests for resident ID numbers.

use super::*;

/// The standard's own worked example: born 1949-12-31, female, check character X.
const EXAMPLE: &str = "11010519491231002X";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

fn parse(s: &str) -> Result<ResidentId, ResidentIdError> {
    ResidentId::parse(s, today())
}

#[test]
fn the_standard_example_parses() {
    let id = parse(EXAMPLE).unwrap();
    assert_eq!(id.as_str(), EXAMPLE);
    assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.address_code(), "110105");
}

#[test]
fn with_check_digit_reproduces_the_standard_example() {
    assert_eq!(with_check_digit(&EXAMPLE[..17]), EXAMPLE);
}

#[test]
fn lowercase_x_is_normalised_to_uppercase() {
    let id = parse("11010519491231002x").unwrap();
    assert_eq!(id.as_str(), EXAMPLE);
}

#[test]
fn an_odd_seventeenth_digit_means_male() {
    let id = parse(&with_check_digit("52062419900101123")).unwrap();
    assert_eq!(id.sex(), Sex::Male);
}

#[test]
fn a_wrong_check_character_is_rejected() {
    assert_eq!(parse("110105194912310021"), Err(ResidentIdError::BadCheckDigit));
}

#[test]
fn fifteen_digit_legacy_numbers_get_their_own_error() {
    assert_eq!(parse("110105491231002"), Err(ResidentIdError::Legacy15));
}

#[test]
fn other_lengths_are_rejected() {
    assert_eq!(parse(""), Err(ResidentIdError::WrongLength { len: 0 }));
    assert_eq!(parse(&EXAMPLE[..17]), Err(ResidentIdError::WrongLength { len: 17 }));
    assert_eq!(parse(&format!("{EXAMPLE}0")), Err(ResidentIdError::WrongLength { len: 19 }));
    assert_eq!(parse("11010549123100X"), Err(ResidentIdError::WrongLength { len: 15 }));
}

#[test]
fn letters_anywhere_but_the_check_position_are_rejected() {
    assert_eq!(parse("1101051949123100XX"), Err(ResidentIdError::NotDigits));
    assert_eq!(parse("11010519491231002Y"), Err(ResidentIdError::NotDigits));
    assert_eq!(parse("１1010519491231002X"), Err(ResidentIdError::NotDigits));
}

#[test]
fn impossible_dates_are_rejected() {
    for first17 in ["11010519490230002", "11010519491301002", "11010519491200002"] {
        assert_eq!(parse(&with_check_digit(first17)), Err(ResidentIdError::BadBirthDate), "{first17}");
    }
}

#[test]
fn births_before_1900_or_after_today_are_rejected() {
    let early = with_check_digit("11010518991231002");
    assert_eq!(parse(&early), Err(ResidentIdError::BadBirthDate));
    let tomorrow = with_check_digit("11010520240602002");
    assert_eq!(parse(&tomorrow), Err(ResidentIdError::BadBirthDate));
    let born_today = with_check_digit("11010520240601002");
    assert!(parse(&born_today).is_ok());
    assert!(parse(&with_check_digit("11010519000101002")).is_ok());
}

#[test]
fn february_29_is_accepted_only_in_leap_years() {
    assert!(parse(&with_check_digit("11010520000229002")).is_ok());
    assert_eq!(parse(&with_check_digit("11010519000229002")), Err(ResidentIdError::BadBirthDate));
}

#[test]
fn parse_uses_a_real_clock_and_accepts_an_adult() {
    assert!(ResidentId::parse(EXAMPLE, today()).is_ok());
}

#[test]
fn masked_keeps_the_first_six_and_last_four() {
    let id = parse(EXAMPLE).unwrap();
    assert_eq!(id.masked(), "110105********002X");
}

#[test]
fn display_and_debug_show_only_the_masked_form() {
    let id = parse(EXAMPLE).unwrap();
    assert_eq!(id.to_string(), "110105********002X");
    let debug = format!("{id:?} {id:#?}");
    assert!(debug.contains("110105********002X"));
    assert!(!debug.contains("19491231"), "{debug}");
}

#[test]
fn error_messages_never_contain_the_input() {
    let inputs =
        ["110105194912310021", "110105491231002", "11010519491231002Y", "110105194913310021", "1101051949123100"];
    for input in inputs {
        let message = parse(input).unwrap_err().to_string();
        assert!(!message.contains("110105"), "{message}");
        assert!(!message.contains("1949"), "{message}");
    }
}

#[test]
#[should_panic(expected = "17 ASCII digits")]
fn with_check_digit_refuses_anything_but_seventeen_digits() {
    with_check_digit("1101051949123100");
}
