//! Pure rules of the file card: validating what an application or an update enters, deriving the
//! net income, and masking the bank account.

use chain_api::card::{BankAccountInput, CardInput, Income, MemberDetails};
use chain_api::limits;
use chain_domain::{Invalid, text};

/// The most any income figure may be, fen.
const MAX_FEN: i64 = limits::MAX_INCOME_FEN;

/// Net income: every income type less production costs.
pub fn net_income(i: &Income) -> i64 {
    i.wages_fen + i.business_fen + i.transfers_fen + i.property_fen - i.production_costs_fen
}

/// Per-capita net income, rounded down to the fen.
pub fn per_capita(i: &Income, members: usize) -> i64 {
    if members == 0 { 0 } else { net_income(i).div_euclid(members as i64) }
}

/// Checks the household part of a card against the application's members and stated per-capita
/// income, adding field errors; answers the card as it is kept, its free text cleaned
/// ([`text::clean`]).
pub fn validate(
    card: &CardInput,
    members: usize,
    per_capita_income_fen: i64,
    year: i32,
    bad: &mut Invalid,
) -> CardInput {
    let mut kept = card.clone();
    if let Some(i) = &card.income {
        let figures = [
            ("wages_fen", i.wages_fen),
            ("business_fen", i.business_fen),
            ("transfers_fen", i.transfers_fen),
            ("property_fen", i.property_fen),
            ("production_costs_fen", i.production_costs_fen),
        ];
        let mut sane = true;
        for (name, v) in figures {
            if !(0..=MAX_FEN).contains(&v) {
                bad.push(format!("card/income/{name}"), "must be between 0 and 10000000000 fen");
                sane = false;
            }
        }
        if sane && members > 0 && per_capita(i, members) != per_capita_income_fen {
            bad.push(
                "per_capita_income_fen",
                format!(
                    "must equal the card's net income divided by the {members} members ({} fen)",
                    per_capita(i, members)
                ),
            );
        }
    }
    if let Some(h) = &card.housing {
        if !(1..=limits::MAX_AREA_M2).contains(&i64::from(h.area_m2)) {
            bad.push("card/housing/area_m2", format!("must be 1 to {} square metres", limits::MAX_AREA_M2));
        }
        if !(limits::FIRST_BUILT_YEAR..=i64::from(year) + 1).contains(&i64::from(h.built_year)) {
            bad.push(
                "card/housing/built_year",
                format!("must be between {} and {}", limits::FIRST_BUILT_YEAR, year + 1),
            );
        }
    }
    if card.distance_to_market_km.is_some_and(|d| i64::from(d) > limits::MAX_MARKET_KM) {
        bad.push("card/distance_to_market_km", format!("must be at most {} km", limits::MAX_MARKET_KM));
    }
    kept.bank_account = card.bank_account.as_ref().map(|b| validate_bank(b, "card/bank_account", bad));
    if card.helper.is_some() {
        bad.push(
            "card/helper",
            "is not part of an application: the county or the township assigns the helper (:assign-helper)",
        );
    }
    kept.helper = None;
    kept
}

fn validate_bank(b: &BankAccountInput, at: &str, bad: &mut Invalid) -> BankAccountInput {
    let bank = text::field(&b.bank, text::Kind::Name, &format!("{at}/bank"), bad);
    if bank.is_empty() || bank.chars().count() > chain_api::limits::UNIT_CHARS {
        bad.push(format!("{at}/bank"), "must be 1 to 100 characters");
    }
    let n = b.number.trim();
    if !(chain_api::limits::BANK_NUMBER_MIN_DIGITS..=chain_api::limits::BANK_NUMBER_MAX_DIGITS).contains(&n.len())
        || !n.bytes().all(|c| c.is_ascii_digit())
    {
        // The number itself is never echoed.
        bad.push(format!("{at}/number"), "must be 8 to 30 digits");
    }
    BankAccountInput { bank, number: n.to_owned() }
}

/// Violations found under the prefix `""` named from the request's root (`/name` → `name`).
pub fn rooted(mut bad: Invalid) -> Invalid {
    for v in &mut bad.0 {
        v.field = v.field.trim_start_matches('/').to_owned();
    }
    bad
}

/// Checks one member's details; answers them as they are kept.
pub fn validate_member(d: &MemberDetails, at: &str, bad: &mut Invalid) -> MemberDetails {
    let ethnicity = d.ethnicity.as_deref().map(|e| text::field(e, text::Kind::Name, &format!("{at}/ethnicity"), bad));
    if ethnicity.as_ref().is_some_and(|e| e.is_empty() || e.chars().count() > chain_api::limits::ETHNICITY_CHARS) {
        bad.push(format!("{at}/ethnicity"), "must be 1 to 20 characters");
    }
    if d.migrant_work_months.is_some_and(|m| i64::from(m) > limits::MONTHS) {
        bad.push(format!("{at}/migrant_work_months"), format!("must be 0 to {}", limits::MONTHS));
    }
    MemberDetails { ethnicity, ..d.clone() }
}

/// A bank account number masked but for its last four digits.
pub fn mask_account(number: &str) -> String {
    let n = number.trim();
    let keep = n.len().saturating_sub(4);
    format!("{}{}", "*".repeat(keep), &n[keep..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chain_api::card::{Housing, Structure};

    fn income() -> Income {
        Income {
            wages_fen: 300_000,
            business_fen: 150_000,
            transfers_fen: 60_000,
            property_fen: 0,
            production_costs_fen: 90_000,
        }
    }

    #[test]
    fn the_card_is_kept_with_its_free_text_trimmed_and_in_nfc() {
        // "Café" with a combining acute accent (NFD) and surrounding spaces.
        let nfd = " Cafe\u{301} ";
        let card = CardInput {
            bank_account: Some(BankAccountInput { bank: nfd.into(), number: " 6217000012345678 ".into() }),
            ..Default::default()
        };
        let mut errors = Invalid::new();
        let kept = validate(&card, 1, 0, 2016, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let bank = kept.bank_account.unwrap();
        assert_eq!((bank.bank.as_str(), bank.number.as_str()), ("Caf\u{e9}", "6217000012345678"));
        let details = MemberDetails { ethnicity: Some(nfd.into()), ..Default::default() };
        assert_eq!(validate_member(&details, "", &mut errors).ethnicity.as_deref(), Some("Caf\u{e9}"));
    }

    #[test]
    fn an_application_names_no_helper() {
        let card = CardInput { helper: Some(serde_json::json!({ "name": "王芳" })), ..Default::default() };
        let mut errors = Invalid::new();
        validate(&card, 1, 0, 2016, &mut errors);
        assert_eq!(errors.0[0].field, "card/helper");
    }

    #[test]
    fn net_and_per_capita_income_follow_the_card() {
        assert_eq!(net_income(&income()), 420_000);
        assert_eq!(per_capita(&income(), 3), 140_000);
        assert_eq!(per_capita(&income(), 0), 0);
    }

    #[test]
    fn the_stated_per_capita_income_must_agree_with_the_card() {
        let card = CardInput { income: Some(income()), ..Default::default() };
        let mut errors = Invalid::new();
        validate(&card, 3, 140_000, 2016, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        validate(&card, 3, 150_000, 2016, &mut errors);
        assert_eq!(errors.0[0].field, "per_capita_income_fen");
    }

    #[test]
    fn every_bad_field_is_reported_and_the_account_number_is_never_echoed() {
        let card = CardInput {
            income: Some(Income { wages_fen: -1, ..income() }),
            housing: Some(Housing { area_m2: 0, structure: Structure::EarthTimber, built_year: 1800, safe: false }),
            distance_to_market_km: Some(5000),
            bank_account: Some(BankAccountInput { bank: "".into(), number: "6217-0000".into() }),
            ..Default::default()
        };
        let mut errors = Invalid::new();
        validate(&card, 2, 0, 2016, &mut errors);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "card/income/wages_fen",
                "card/housing/area_m2",
                "card/housing/built_year",
                "card/distance_to_market_km",
                "card/bank_account/bank",
                "card/bank_account/number",
            ]
        );
        assert!(!format!("{errors:?}").contains("6217"));
    }

    #[test]
    fn an_account_shows_only_its_last_four_digits() {
        assert_eq!(mask_account("6217000012345678"), "************5678");
        assert_eq!(mask_account("1234"), "1234");
    }
}
