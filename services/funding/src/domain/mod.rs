//! Pure rules of funding: the fund catalogue ([`funds`]), factor-based splits ([`factors`]),
//! validating allocations, plans and disbursements, which divisions a layer may allocate to,
//! and the rules of the tasks an allocation opens (who passes funds on, who signs a disclosure
//! off, which onward tasks an onward allocation satisfies).

pub mod factors;
pub mod funds;
pub mod projects;
mod table;

use chain_api::funding::{CreateAllocation, CreateAllocationPlan, CreateDisbursement};
use chain_domain::{Division, Invalid, Jurisdiction, Level, Money, registry, text};

use funds::Funds;

/// The largest single amount accepted, fen (10 trillion yuan): far above any real allocation, and
/// low enough that no account total can overflow a 64-bit integer in practice.
pub const MAX_AMOUNT_FEN: i64 = chain_api::limits::MAX_AMOUNT_FEN;

/// Longest fund-source name, in characters.
pub const MAX_FUND_CHARS: usize = chain_api::limits::FUND_CHARS;

/// Longest purpose of a disbursement, in characters.
pub const MAX_PURPOSE_CHARS: usize = chain_api::limits::PURPOSE_CHARS;

/// An allocation that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAllocation {
    /// The receiving division (exists in the registry).
    pub to: Division,
    /// Budget year.
    pub year: i32,
    /// Amount.
    pub amount: Money,
    /// Fund channel, in the catalogue for the year.
    pub fund: String,
    /// Why this amount, trimmed.
    pub reason: String,
}

/// A disbursement request that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDisbursement {
    /// Amount.
    pub amount: Money,
    /// Purpose, trimmed.
    pub purpose: String,
    /// The fund asked for, if any (known to the catalogue).
    pub fund: Option<String>,
}

/// An allocation plan that passed validation (the recipients are checked against the factor
/// tables by the caller, who knows the allocator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPlan {
    /// Fund channel, in the catalogue for the year.
    pub fund: String,
    /// Budget year.
    pub year: i32,
    /// The total.
    pub total: Money,
    /// Hand-set lines: recipient, amount (≥ 0), reason.
    pub hand_set: Vec<(Division, i64, String)>,
}

/// Checks an amount of fen: strictly positive and not absurdly large.
pub fn check_amount(fen: i64) -> Result<Money, String> {
    match Money::positive(fen) {
        Err(_) => Err("must be positive".to_owned()),
        Ok(_) if fen > MAX_AMOUNT_FEN => Err(format!("must be at most {} yuan", Money::from_fen(MAX_AMOUNT_FEN))),
        Ok(m) => Ok(m),
    }
}

/// Checks a free-text field of 1 to `max` characters (after trimming; normalised to NFC, see
/// [`chain_domain::text`]).
pub(crate) fn check_text(bad: &mut Invalid, name: &str, value: &str, max: usize) -> String {
    let value = text::field(value, text::Kind::Prose, name, bad);
    let chars = value.chars().count();
    if chars == 0 || chars > max {
        bad.push(name, format!("must be 1 to {max} characters"));
    }
    value
}

/// Validates an allocation request; every invalid field is reported at once.
pub fn validate_allocation(req: &CreateAllocation, current_year: i32) -> Result<ValidAllocation, Invalid> {
    let mut bad = Invalid::new();
    let to = match Division::parse(&req.to) {
        Ok(d) if registry().exists(&d) => Some(d),
        Ok(_) => {
            bad.push("to", "no such division in the division registry");
            None
        }
        Err(e) => {
            bad.push("to", e.to_string());
            None
        }
    };
    let amount = check_amount(req.amount_fen).map_err(|m| bad.push("amount_fen", m)).ok();
    check_year(&mut bad, "year", req.year, current_year);
    let fund = check_fund(&mut bad, &req.fund, req.year);
    let reason = check_text(&mut bad, "reason", &req.reason, chain_api::limits::REMARK_CHARS);
    match (to, amount) {
        (Some(to), Some(amount)) => bad.or(ValidAllocation { to, year: req.year, amount, fund, reason }),
        _ => Err(bad),
    }
}

/// Checks a fund code: in the catalogue, running in `year`.
fn check_fund(bad: &mut Invalid, fund: &str, year: i32) -> String {
    let fund = fund.trim().to_owned();
    let funds = Funds::embedded();
    if !funds.knows(&fund) {
        bad.push("fund", "no such fund in the fund catalogue");
    } else if funds.get(&fund, year).is_none() {
        bad.push("fund", format!("the fund does not run in {year}"));
    }
    fund
}

/// Checks a budget year: from 2014 to next year.
pub(crate) fn check_year(bad: &mut Invalid, field: &str, year: i32, current_year: i32) {
    if !(chain_api::limits::FIRST_YEAR..=current_year + 1).contains(&year) {
        bad.push(field, format!("must be between 2014 and {}", current_year + 1));
    }
}

/// Validates an allocation plan's request; every invalid field is reported at once.
pub fn validate_plan(req: &CreateAllocationPlan, current_year: i32) -> Result<ValidPlan, Invalid> {
    let mut bad = Invalid::new();
    let total = check_amount(req.total_fen).map_err(|m| bad.push("total_fen", m)).ok();
    check_year(&mut bad, "year", req.year, current_year);
    let fund = check_fund(&mut bad, &req.fund, req.year);
    let mut hand_set = Vec::with_capacity(req.hand_set.len());
    if req.hand_set.len() > chain_api::limits::HAND_SET_LINES {
        bad.push("hand_set", format!("at most {} hand-set lines", chain_api::limits::HAND_SET_LINES));
    }
    for (i, h) in req.hand_set.iter().enumerate() {
        let to = match Division::parse(&h.to) {
            Ok(d) if hand_set.iter().any(|(o, _, _)| *o == d) => {
                bad.push(format!("hand_set/{i}/to"), "appears twice");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                bad.push(format!("hand_set/{i}/to"), e.to_string());
                None
            }
        };
        if !(0..=MAX_AMOUNT_FEN).contains(&h.amount_fen) {
            bad.push(format!("hand_set/{i}/amount_fen"), "must be from 0 to the largest amount");
        }
        let reason = check_text(&mut bad, &format!("hand_set/{i}/reason"), &h.reason, chain_api::limits::REMARK_CHARS);
        if let Some(to) = to {
            hand_set.push((to, h.amount_fen, reason));
        }
    }
    match total {
        Some(total) => bad.or(ValidPlan { fund, year: req.year, total, hand_set }),
        None => Err(bad),
    }
}

/// Validates a disbursement request; every invalid field is reported at once.
pub fn validate_disbursement(req: &CreateDisbursement) -> Result<ValidDisbursement, Invalid> {
    let mut bad = Invalid::new();
    let amount = check_amount(req.amount_fen).map_err(|m| bad.push("amount_fen", m)).ok();
    let purpose = check_text(&mut bad, "purpose", &req.purpose, MAX_PURPOSE_CHARS);
    let fund = req.fund.as_deref().map(str::trim).map(str::to_owned);
    match (&fund, req.year) {
        (Some(f), Some(year)) if !Funds::embedded().knows(f) || Funds::embedded().get(f, year).is_none() => {
            bad.push("fund", format!("no such fund running in {year}"));
        }
        (Some(f), None) if !Funds::embedded().knows(f) => bad.push("fund", "no such fund in the fund catalogue"),
        (None, Some(_)) => bad.push("fund", "is required with year"),
        _ => {}
    }
    match amount {
        Some(amount) => bad.or(ValidDisbursement { amount, purpose, fund }),
        None => Err(bad),
    }
}

/// Why an official may not allocate to a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The target does not lie strictly inside the allocator's jurisdiction.
    #[error("the receiving division is outside your jurisdiction")]
    OutsideJurisdiction,
    /// The centre allocates to provinces only.
    #[error("the central layer allocates only to provinces")]
    CentreToProvincesOnly,
    /// Below the centre, allocations go to cities and counties only.
    #[error("townships and villages do not receive allocations; allocate to a city or county")]
    NotCityOrCounty,
}

/// Whether an official of `from` may allocate to `to`: the target lies strictly inside the
/// jurisdiction; the centre allocates only to provinces, every other layer only to a city or
/// county strictly below it; townships and villages never receive allocations.
pub fn allocation_target(from: &Jurisdiction, to: &Division) -> Result<(), Refusal> {
    let strictly_inside = from.covers(to) && from.division() != Some(to);
    if !strictly_inside {
        return Err(Refusal::OutsideJurisdiction);
    }
    match (from, to.level()) {
        (Jurisdiction::National, Level::Province) => Ok(()),
        (Jurisdiction::National, _) => Err(Refusal::CentreToProvincesOnly),
        (Jurisdiction::Division(_), Level::City | Level::County) => Ok(()),
        (Jurisdiction::Division(_), _) => Err(Refusal::NotCityOrCounty),
    }
}

/// Task kind: a province or city passes received funds on (DOMAIN.md §5, 30 days by default).
pub const ONWARD_KIND: &str = "funding.onward-allocation";

/// Task kind: the allocating layer publishes an allocation (DOMAIN.md §5, 15 working days).
pub const DISCLOSURE_KIND: &str = "funding.disclosure";

/// Task kind: a county library project's review, disclosure and approval (DOMAIN.md §5).
pub const PROJECT_KIND: &str = "funding.project";

/// The public-notice kind a disclosure posts (its window comes from `notice_days.csv`).
pub const DISCLOSURE_NOTICE: &str = "funds.disclosure";

/// Whether a division that receives funds must pass them on: provinces and cities do; counties
/// spend them on projects in their project library.
pub fn passes_funds_on(to: &Division) -> bool {
    matches!(to.level(), Level::Province | Level::City)
}

/// The layer that signs off a disclosure published by `by`: the nearest enclosing division the
/// registry knows, or the centre (`CN`) for a province. The registry lists a pseudo-city for the
/// counties a province administers directly (e.g. 4290 for Hubei's 4290xx), so for a county this
/// is in practice its parent; looking for the nearest known one keeps a gap in the registry from
/// naming a signer that does not exist.
pub fn disclosure_signer(by: &Division) -> String {
    by.ancestors().into_iter().find(|a| registry().exists(a)).map_or_else(|| "CN".to_owned(), |a| a.to_string())
}

/// How many of a division's onward tasks, oldest first, have been satisfied by what it has
/// allocated onward so far: the longest prefix whose cumulative amount is at most `passed_on`.
/// `owed` holds each task's amount in fen (the allocations the division received, in order).
///
/// First-in-first-out: money passed on pays off the oldest receipt first, so a later task is
/// never satisfied before an earlier one, and a partial onward allocation satisfies nothing it
/// does not cover in full.
pub fn satisfied_prefix(owed: &[i64], passed_on: i64) -> usize {
    let mut cumulative: i128 = 0;
    owed.iter()
        .take_while(|&&amount| {
            cumulative += i128::from(amount);
            cumulative <= i128::from(passed_on)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Jurisdiction {
        Jurisdiction::parse(s).unwrap()
    }

    fn d(s: &str) -> Division {
        Division::parse(s).unwrap()
    }

    fn allocation(to: &str, amount_fen: i64) -> CreateAllocation {
        CreateAllocation {
            to: to.into(),
            year: 2016,
            amount_fen,
            fund: "central-special".into(),
            reason: "test".into(),
            transfer_id: None,
        }
    }

    #[test]
    fn the_centre_allocates_only_to_provinces() {
        assert!(allocation_target(&j("CN"), &d("52")).is_ok());
        for below in ["5206", "520624", "520624101"] {
            assert_eq!(allocation_target(&j("CN"), &d(below)), Err(Refusal::CentreToProvincesOnly), "{below}");
        }
    }

    #[test]
    fn provinces_and_cities_allocate_to_cities_and_counties_below_them() {
        assert!(allocation_target(&j("52"), &d("5206")).is_ok());
        assert!(allocation_target(&j("52"), &d("520624")).is_ok());
        assert!(allocation_target(&j("5206"), &d("520624")).is_ok());
    }

    #[test]
    fn townships_and_villages_never_receive_allocations() {
        for (from, to) in [("520624", "520624101"), ("52", "520624101201"), ("5206", "520624101")] {
            assert_eq!(allocation_target(&j(from), &d(to)), Err(Refusal::NotCityOrCounty), "{from} -> {to}");
        }
    }

    #[test]
    fn the_target_must_lie_strictly_inside_the_jurisdiction() {
        for (from, to) in [("52", "52"), ("520624", "520624"), ("52", "5301"), ("5206", "520123")] {
            assert_eq!(allocation_target(&j(from), &d(to)), Err(Refusal::OutsideJurisdiction), "{from} -> {to}");
        }
    }

    #[test]
    fn amounts_must_be_positive_and_bounded() {
        assert_eq!(check_amount(1), Ok(Money::from_fen(1)));
        assert_eq!(check_amount(0).unwrap_err(), "must be positive");
        assert_eq!(check_amount(-500).unwrap_err(), "must be positive");
        assert!(check_amount(MAX_AMOUNT_FEN).is_ok());
        assert!(check_amount(MAX_AMOUNT_FEN + 1).is_err());
        assert!(check_amount(i64::MAX).is_err());
    }

    #[test]
    fn every_invalid_allocation_field_is_reported_at_once() {
        let mut req = allocation("99", 0);
        req.year = 2013;
        req.fund = "  ".into();
        req.reason = String::new();
        let bad = validate_allocation(&req, 2026).unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["to", "amount_fen", "year", "fund", "reason"]);
        assert_eq!(bad.0[1].message, "must be positive");
    }

    #[test]
    fn a_valid_allocation_passes() {
        let v = validate_allocation(&allocation("52", 100_000_000), 2026).unwrap();
        assert_eq!(v.to, d("52"));
        assert_eq!(v.amount, Money::from_fen(100_000_000));
        let next_year = CreateAllocation { year: 2027, ..allocation("52", 1) };
        assert!(validate_allocation(&next_year, 2026).is_ok());
        assert!(validate_allocation(&next_year, 2025).is_err());
    }

    #[test]
    fn a_disbursement_needs_a_positive_amount_and_a_purpose() {
        let req = CreateDisbursement {
            plan_id: uuid::Uuid::nil(),
            amount_fen: -1,
            purpose: String::new(),
            fund: None,
            year: None,
            pending: false,
            transfer_id: None,
        };
        let bad = validate_disbursement(&req).unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["amount_fen", "purpose"]);
        let ok = CreateDisbursement { amount_fen: 500_000, purpose: " cattle ".into(), ..req };
        assert_eq!(validate_disbursement(&ok).unwrap().purpose, "cattle");
    }

    #[test]
    fn onward_tasks_are_satisfied_first_in_first_out() {
        let owed = [100, 50, 30];
        assert_eq!(satisfied_prefix(&owed, 0), 0);
        assert_eq!(satisfied_prefix(&owed, 99), 0, "a partial onward allocation satisfies nothing");
        assert_eq!(satisfied_prefix(&owed, 100), 1, "exactly the amount satisfies the oldest");
        assert_eq!(satisfied_prefix(&owed, 149), 1);
        assert_eq!(satisfied_prefix(&owed, 150), 2);
        assert_eq!(satisfied_prefix(&owed, 180), 3);
        assert_eq!(satisfied_prefix(&owed, 10_000), 3, "passing on more than received satisfies all");
        assert_eq!(satisfied_prefix(&[], 500), 0);
    }

    #[test]
    fn a_small_later_task_waits_for_a_large_earlier_one() {
        // 30 fen passed on would cover the second task alone, but the first comes first.
        assert_eq!(satisfied_prefix(&[100, 30], 30), 0);
        assert_eq!(satisfied_prefix(&[100, 30], 129), 1);
    }

    #[test]
    fn cumulative_amounts_do_not_overflow() {
        let half = i64::MAX / 2 + 1;
        assert_eq!(satisfied_prefix(&[half, half, half], i64::MAX), 1, "the second would exceed i64::MAX");
        assert_eq!(satisfied_prefix(&[i64::MAX, i64::MAX], i64::MAX), 1);
    }

    #[test]
    fn provinces_and_cities_pass_funds_on_counties_do_not() {
        assert!(passes_funds_on(&d("52")));
        assert!(passes_funds_on(&d("5206")));
        assert!(!passes_funds_on(&d("520624")));
    }

    #[test]
    fn a_disclosure_is_signed_off_by_the_layer_above() {
        assert_eq!(disclosure_signer(&d("52")), "CN");
        assert_eq!(disclosure_signer(&d("5206")), "52");
        assert_eq!(disclosure_signer(&d("520624")), "5206");
    }
}
