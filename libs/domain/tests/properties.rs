//! Property tests for the parsers and arithmetic of `chain-domain`.

use chain_domain::{Division, Jurisdiction, Level, Money, PovertyLines, ResidentId, ResidentIdError, with_check_digit};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

/// The fixed "today" for resident ID properties, so results never depend on the clock.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

/// Days from 1900-01-01 to `today()`, inclusive.
fn days_of_valid_birth_dates() -> u64 {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    (today() - first).num_days().unsigned_abs()
}

/// 17 digits: any address code, a real birth date in 1900..=today, any sequence number.
fn first17() -> impl Strategy<Value = String> {
    ("[0-9]{6}", 0..=days_of_valid_birth_dates(), "[0-9]{3}").prop_map(|(address, day, seq)| {
        let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let birth = first.checked_add_days(Days::new(day)).unwrap();
        format!("{address}{}{seq}", birth.format("%Y%m%d"))
    })
}

/// A syntactically valid division code at any level.
fn division_code() -> impl Strategy<Value = String> {
    let province = "[0-9]{2}".prop_filter("province 00 is invalid", |p| p != "00");
    let level = prop::sample::select(Level::ALL.to_vec());
    (province, level, "[0-9]{10}")
        .prop_map(|(province, level, rest)| format!("{province}{}", &rest[..level.digits() - 2]))
}

proptest! {
    #[test]
    fn any_seventeen_digits_with_a_real_date_complete_to_a_valid_id(first17 in first17()) {
        let full = with_check_digit(&first17);
        let id = ResidentId::parse(&full, today()).unwrap();
        prop_assert_eq!(id.as_str(), full.as_str());
        prop_assert_eq!(id.birth_date().format("%Y%m%d").to_string(), &first17[6..14]);
    }

    #[test]
    fn changing_any_single_character_of_a_valid_id_makes_it_invalid(
        first17 in first17(),
        position in 0usize..18,
        replacement in prop::sample::select(b"0123456789XxA -".to_vec()),
    ) {
        let original = with_check_digit(&first17).into_bytes();
        prop_assume!(!original[position].eq_ignore_ascii_case(&replacement));
        let mut changed = original.clone();
        changed[position] = replacement;
        let changed = String::from_utf8(changed).unwrap();
        prop_assert!(ResidentId::parse(&changed, today()).is_err());
    }

    #[test]
    fn a_lowercase_x_check_character_is_normalised_to_uppercase(
        prefix in first17().prop_map(|s| s[..14].to_owned()),
        start in 0u32..1000,
    ) {
        // Search the sequence numbers for one whose check character is X (about 1 in 11 are).
        let upper = (0..1000)
            .map(|k| with_check_digit(&format!("{prefix}{:03}", (start + k) % 1000)))
            .find(|id| id.ends_with('X'))
            .unwrap();
        let lower = upper.to_lowercase();
        let id = ResidentId::parse(&lower, today()).unwrap();
        prop_assert_eq!(id.as_str(), upper.as_str());
    }

    #[test]
    fn masked_and_debug_forms_hide_the_birth_date_and_sequence(first17 in first17()) {
        let id = ResidentId::parse(&with_check_digit(&first17), today()).unwrap();
        let masked = id.masked();
        prop_assert_eq!(&masked[..6], &first17[..6]);
        prop_assert_eq!(&masked[6..14], "********");
        prop_assert_eq!(id.to_string(), masked.clone());
        let debug = format!("{id:?}");
        prop_assert!(!debug.contains(&first17[6..14]));
    }

    #[test]
    fn resident_id_parse_never_panics_and_errors_never_echo_input(input in "\\PC{0,20}") {
        if let Err(error) = ResidentId::parse(&input, today()) {
            let message = error.to_string();
            prop_assert!(input.len() < 6 || !message.contains(&input), "{}", message);
            if input.len() == 15 && input.bytes().all(|b| b.is_ascii_digit()) {
                prop_assert_eq!(error, ResidentIdError::Legacy15);
            }
        }
    }

    #[test]
    fn a_valid_division_code_round_trips_through_parse(code in division_code()) {
        let division = Division::parse(&code).unwrap();
        prop_assert_eq!(division.as_str(), code.as_str());
        prop_assert_eq!(Division::parse(division.as_str()).unwrap(), division.clone());
        let json = serde_json::to_string(&division).unwrap();
        prop_assert_eq!(serde_json::from_str::<Division>(&json).unwrap(), division);
    }

    #[test]
    fn a_parent_always_contains_its_child(code in division_code()) {
        let child = Division::parse(&code).unwrap();
        if let Some(parent) = child.parent() {
            prop_assert!(parent.contains(&child));
            prop_assert!(parent.is_parent_of(&child));
            prop_assert!(!child.contains(&parent));
            prop_assert_eq!(Some(parent.level()), child.level().parent());
        } else {
            prop_assert_eq!(child.level(), Level::Province);
        }
    }

    #[test]
    fn ancestors_are_prefixes_from_nearest_to_the_province(code in division_code()) {
        let division = Division::parse(&code).unwrap();
        let ancestors = division.ancestors();
        let depth = Level::ALL.iter().position(|l| *l == division.level()).unwrap();
        prop_assert_eq!(ancestors.len(), depth);
        for pair in ancestors.windows(2) {
            prop_assert!(pair[1].is_parent_of(&pair[0]));
        }
        for ancestor in &ancestors {
            prop_assert!(code.starts_with(ancestor.as_str()));
            prop_assert!(ancestor.contains(&division));
            prop_assert!(Jurisdiction::from(ancestor.clone()).covers(&division));
        }
    }

    #[test]
    fn subject_tokens_are_the_code_split_at_level_boundaries(code in division_code()) {
        let division = Division::parse(&code).unwrap();
        let tokens = division.subject_tokens();
        prop_assert_eq!(tokens.replace('.', ""), code);
        let depth = Level::ALL.iter().position(|l| *l == division.level()).unwrap();
        prop_assert_eq!(tokens.split('.').count(), depth + 1);
    }

    #[test]
    fn division_parse_accepts_only_the_five_shapes(input in "[0-9a]{0,13}") {
        let valid = matches!(input.len(), 2 | 4 | 6 | 9 | 12)
            && input.bytes().all(|b| b.is_ascii_digit())
            && !input.starts_with("00");
        prop_assert_eq!(Division::parse(&input).is_ok(), valid);
    }

    #[test]
    fn money_checked_add_and_sub_never_wrap(a in any::<i64>(), b in any::<i64>()) {
        let (x, y) = (Money::from_fen(a), Money::from_fen(b));
        let exact_sum = i128::from(a) + i128::from(b);
        let exact_difference = i128::from(a) - i128::from(b);
        prop_assert_eq!(
            x.checked_add(y).map(|m| i128::from(m.fen())),
            i64::try_from(exact_sum).ok().map(i128::from)
        );
        prop_assert_eq!(
            x.checked_sub(y).map(|m| i128::from(m.fen())),
            i64::try_from(exact_difference).ok().map(i128::from)
        );
    }

    #[test]
    fn money_checked_mul_never_wraps(a in any::<i64>(), factor in any::<i64>()) {
        let exact = i128::from(a) * i128::from(factor);
        prop_assert_eq!(
            Money::from_fen(a).checked_mul(factor).map(|m| i128::from(m.fen())),
            i64::try_from(exact).ok().map(i128::from)
        );
    }

    #[test]
    fn money_checked_sum_is_exact_or_none(amounts in prop::collection::vec(any::<i64>(), 0..8)) {
        let result = Money::checked_sum(amounts.iter().copied().map(Money::from_fen));
        let exact: i128 = amounts.iter().copied().map(i128::from).sum();
        match result {
            Some(total) => prop_assert_eq!(i128::from(total.fen()), exact),
            None => {
                let mut partial = 0i128;
                let overflowed = amounts.iter().any(|a| {
                    partial += i128::from(*a);
                    i64::try_from(partial).is_err()
                });
                prop_assert!(overflowed);
            }
        }
    }

    #[test]
    fn money_display_is_the_fen_with_a_decimal_point(fen in any::<i64>()) {
        let shown = Money::from_fen(fen).to_string();
        let (_, decimals) = shown.split_once('.').unwrap();
        prop_assert_eq!(decimals.len(), 2);
        prop_assert_eq!(shown.replace('.', "").parse::<i64>().unwrap(), fen);
    }

    #[test]
    fn monitoring_ceiling_is_the_line_times_one_and_a_half_rounded_down(
        fen in 1i64..=i64::MAX / 2,
        year in 2000i32..2100,
    ) {
        let lines = PovertyLines::from_csv(&format!("scope,year,fen\nCN,2000,{fen}\n")).unwrap();
        let division = Division::parse("520624").unwrap();
        let ceiling = lines.monitoring_ceiling(year, &division).unwrap().fen();
        prop_assert_eq!(i128::from(ceiling), i128::from(fen) * 3 / 2);
    }
}
