//! Unit tests for division codes and levels.

use super::*;

fn d(code: &str) -> Division {
    Division::parse(code).unwrap()
}

#[test]
fn every_valid_length_parses_to_its_level() {
    assert_eq!(d("52").level(), Level::Province);
    assert_eq!(d("5206").level(), Level::City);
    assert_eq!(d("520624").level(), Level::County);
    assert_eq!(d("520624101").level(), Level::Township);
    assert_eq!(d("520624101201").level(), Level::Village);
}

#[test]
fn other_lengths_are_rejected_with_their_length() {
    for bad in ["", "5", "520", "52062", "5206241", "52062410", "5206241012", "5206241012011"] {
        assert_eq!(Division::parse(bad), Err(DivisionError::WrongLength { len: bad.len() }), "{bad:?}");
    }
}

#[test]
fn non_digits_are_rejected() {
    for bad in ["5a", "52 6", "-52", "５２", "52062x", " 52"] {
        assert_eq!(Division::parse(bad), Err(DivisionError::NotDigits), "{bad:?}");
    }
}

#[test]
fn province_zero_zero_is_rejected_at_every_level() {
    for bad in ["00", "0001", "000101", "000101001", "000101001001"] {
        assert_eq!(Division::parse(bad), Err(DivisionError::ZeroProvince));
    }
}

#[test]
fn error_messages_do_not_quote_the_input() {
    let id = "52062419900101123X";
    let message = Division::parse(id).unwrap_err().to_string();
    assert!(!message.contains("520624"), "{message}");
    let message = Division::parse("520624199001011234").unwrap_err().to_string();
    assert!(message.contains("18 characters"), "{message}");
}

#[test]
fn parent_strips_one_level() {
    assert_eq!(d("520624101201").parent(), Some(d("520624101")));
    assert_eq!(d("520624101").parent(), Some(d("520624")));
    assert_eq!(d("520624").parent(), Some(d("5206")));
    assert_eq!(d("5206").parent(), Some(d("52")));
    assert_eq!(d("52").parent(), None);
}

#[test]
fn ancestors_are_listed_nearest_first_without_self() {
    let names: Vec<String> = d("520624101201").ancestors().iter().map(ToString::to_string).collect();
    assert_eq!(names, ["520624101", "520624", "5206", "52"]);
    assert!(d("52").ancestors().is_empty());
}

#[test]
fn ancestor_at_a_lower_level_is_none() {
    assert_eq!(d("520624").ancestor_at(Level::City), Some(d("5206")));
    assert_eq!(d("520624").ancestor_at(Level::County), Some(d("520624")));
    assert_eq!(d("520624").ancestor_at(Level::Township), None);
}

#[test]
fn contains_is_a_prefix_test_including_equality() {
    assert!(d("520624").contains(&d("520624101201")));
    assert!(d("520624").contains(&d("520624")));
    assert!(!d("520624").contains(&d("5206")));
    assert!(!d("520624").contains(&d("520625101201")));
    assert!(!d("52").contains(&d("5306")));
}

#[test]
fn is_parent_of_only_holds_for_the_direct_parent() {
    assert!(d("5206").is_parent_of(&d("520624")));
    assert!(!d("52").is_parent_of(&d("520624")));
    assert!(!d("520624").is_parent_of(&d("520624")));
    assert!(!d("5207").is_parent_of(&d("520624")));
}

#[test]
fn subject_tokens_split_by_level_segments() {
    assert_eq!(d("520624101201").subject_tokens(), "52.06.24.101.201");
    assert_eq!(d("520624101").subject_tokens(), "52.06.24.101");
    assert_eq!(d("5206").subject_tokens(), "52.06");
    assert_eq!(d("52").subject_tokens(), "52");
}

#[test]
fn a_parent_sorts_before_its_children() {
    let mut codes = [d("520624101"), d("5207"), d("520624"), d("52"), d("5206")];
    codes.sort();
    let sorted: Vec<&str> = codes.iter().map(Division::as_str).collect();
    assert_eq!(sorted, ["52", "5206", "520624", "520624101", "5207"]);
}

#[test]
fn division_serializes_as_a_plain_string_and_deserialization_validates() {
    assert_eq!(serde_json::to_string(&d("520624")).unwrap(), "\"520624\"");
    let back: Division = serde_json::from_str("\"520624\"").unwrap();
    assert_eq!(back, d("520624"));
    assert!(serde_json::from_str::<Division>("\"52062\"").is_err());
    assert!(serde_json::from_str::<Division>("520624").is_err());
}

#[test]
fn numeric_round_trip_keeps_leading_zeros() {
    let code = d("0101");
    assert_eq!(code.as_u64(), 101);
    assert_eq!(Division::from_u64(101, Level::City), code);
}

#[test]
fn levels_know_their_digits_parents_and_children() {
    let digits: Vec<usize> = Level::ALL.iter().map(|l| l.digits()).collect();
    assert_eq!(digits, [2, 4, 6, 9, 12]);
    assert_eq!(Level::Province.parent(), None);
    assert_eq!(Level::Village.parent(), Some(Level::Township));
    assert_eq!(Level::Village.child(), None);
    assert_eq!(Level::City.child(), Some(Level::County));
}

#[test]
fn levels_display_parse_and_serialize_as_lowercase_words() {
    for level in Level::ALL {
        let word = level.to_string();
        assert_eq!(word, word.to_lowercase());
        assert_eq!(word.parse::<Level>(), Ok(level));
        assert_eq!(serde_json::to_string(&level).unwrap(), format!("\"{word}\""));
    }
    assert_eq!("Province".parse::<Level>(), Err(DivisionError::UnknownLevel));
}
