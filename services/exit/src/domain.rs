//! Pure rules of exit: validating a proposal against the exit criteria (income strictly above the
//! poverty line, "two no-worries, three guarantees" plus safe drinking water), the case's steps,
//! and the tasks and notice that follow a case.

use chain_api::exit::{Acknowledge, ExitStatus, Guarantees, ProposeExit};
use chain_domain::{Division, Invalid, Money, PovertyLines, text};

/// Longest name accepted for the household member who acknowledges the result.
pub const MAX_ACKNOWLEDGED_BY: usize = chain_api::limits::NAME_CHARS;

/// Kind of the workflow tasks that follow an exit case: the village's (its public notice;
/// submitted when the notice passes) under the county's (approval).
pub const TASK_KIND: &str = "exit.household";

/// The village's public notice of a household's exit.
pub const VILLAGE_NOTICE: &str = "exit.household";

/// Validates a proposal for a household identified in `identified_year`, in `village`, as of
/// `current_year`. Returns the poverty line that applied. Malformed fields are reported first;
/// once they are sound, every unmet exit criterion is reported at once.
pub fn validate(
    req: &ProposeExit,
    identified_year: i32,
    current_year: i32,
    lines: &PovertyLines,
    village: &Division,
) -> Result<Money, Invalid> {
    let mut bad = Invalid::new();
    if !(identified_year..=current_year).contains(&req.year) {
        bad.push("year", format!("must be between {identified_year} (the year of identification) and {current_year}"));
    }
    if req.per_capita_income_fen < 0 {
        bad.push("per_capita_income_fen", "must not be negative");
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    criteria(req.year, Money::from_fen(req.per_capita_income_fen), &req.guarantees, lines.line_for(req.year, village))
}

/// Checks the exit criteria for a year, given the poverty line in force (`None` when the table
/// has none). Returns the line, or every unmet criterion.
pub fn criteria(year: i32, income: Money, guarantees: &Guarantees, line: Option<Money>) -> Result<Money, Invalid> {
    let mut bad = Invalid::new();
    match line {
        None => bad.push("year", format!("no poverty line for {year}")),
        Some(line) if income <= line => bad.push(
            "per_capita_income_fen",
            format!("per-capita net income {income} is not above the {year} poverty line {line}"),
        ),
        Some(_) => {}
    }
    for name in guarantees.unmet() {
        bad.push(format!("guarantees/{name}"), "must be met before the household can exit");
    }
    match line {
        Some(line) => bad.or(line),
        None => Err(bad),
    }
}

/// Validates an acknowledgement; returns the name, trimmed and normalised (see
/// [`chain_domain::text`]).
pub fn validate_acknowledgement(req: &Acknowledge) -> Result<String, Invalid> {
    let name = text::clean(&req.acknowledged_by, text::Kind::Name)
        .map_err(|e| Invalid::field("acknowledged_by", e.to_string()))?;
    if name.is_empty() || name.chars().count() > MAX_ACKNOWLEDGED_BY {
        return Err(Invalid::field("acknowledged_by", format!("must be 1 to {MAX_ACKNOWLEDGED_BY} characters")));
    }
    Ok(name)
}

/// A step of the exit procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The household acknowledges the result; the village posts its public notice.
    Acknowledge,
    /// The village's notice ran out with no objection.
    NoticePassed,
    /// Somebody objected during the notice.
    Objection,
    /// The county approves the exit.
    Approve,
}

/// Why a step of the exit procedure is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Approval before the household acknowledged the result.
    #[error("the household has not acknowledged the result")]
    NotAcknowledged,
    /// Approval while the village's notice is up, or after an objection.
    #[error("the village's public notice of the exit has not yet passed without objection")]
    NoticeNotPassed,
    /// An acknowledgement of a case past acknowledgement.
    #[error("only a proposed exit can be acknowledged; this one is {}", label(*status))]
    NotProposed {
        /// The case's status.
        status: ExitStatus,
    },
    /// The notice passing, or an objection, with no notice up.
    #[error("no notice of this exit is up; this one is {}", label(*status))]
    NoNotice {
        /// The case's status.
        status: ExitStatus,
    },
    /// An approval of a case already approved.
    #[error("only an acknowledged exit can be approved; this one is {}", label(*status))]
    NotApprovable {
        /// The case's status.
        status: ExitStatus,
    },
}

/// The status after a step, or why it is not allowed.
pub fn next(status: ExitStatus, step: Step) -> Result<ExitStatus, Refusal> {
    use ExitStatus::*;
    match (status, step) {
        (Proposed | Objected, Step::Acknowledge) => Ok(Acknowledged),
        (Acknowledged, Step::NoticePassed) => Ok(Noticed),
        (Acknowledged, Step::Objection) => Ok(Objected),
        (Noticed, Step::Approve) => Ok(Approved),
        (Proposed, Step::Approve) => Err(Refusal::NotAcknowledged),
        (Acknowledged | Objected, Step::Approve) => Err(Refusal::NoticeNotPassed),
        (status, Step::Acknowledge) => Err(Refusal::NotProposed { status }),
        (status, Step::NoticePassed | Step::Objection) => Err(Refusal::NoNotice { status }),
        (status, Step::Approve) => Err(Refusal::NotApprovable { status }),
    }
}

/// The snake_case name of a status.
pub fn label(s: ExitStatus) -> &'static str {
    match s {
        ExitStatus::Proposed => "proposed",
        ExitStatus::Acknowledged => "acknowledged",
        ExitStatus::Noticed => "noticed",
        ExitStatus::Objected => "objected",
        ExitStatus::Approved => "approved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_MET: Guarantees = Guarantees {
        food: true,
        clothing: true,
        compulsory_education: true,
        basic_medical_care: true,
        safe_housing: true,
        safe_drinking_water: true,
    };

    fn village() -> Division {
        Division::parse("520624101201").unwrap()
    }

    fn proposal(year: i32, income: i64, guarantees: Guarantees) -> ProposeExit {
        ProposeExit { household_id: uuid::Uuid::nil(), year, per_capita_income_fen: income, guarantees }
    }

    fn check(req: &ProposeExit) -> Result<Money, Invalid> {
        validate(req, 2015, 2026, &PovertyLines::default_table(), &village())
    }

    fn fields(bad: &Invalid) -> Vec<&str> {
        bad.0.iter().map(|v| v.field.as_str()).collect()
    }

    #[test]
    fn income_exactly_at_the_line_is_refused() {
        let bad = check(&proposal(2016, 285_500, ALL_MET)).unwrap_err();
        assert_eq!(fields(&bad), ["per_capita_income_fen"]);
        assert_eq!(bad.0[0].message, "per-capita net income 2855.00 is not above the 2016 poverty line 2855.00");
    }

    #[test]
    fn income_one_fen_above_the_line_passes_and_the_line_is_returned() {
        assert_eq!(check(&proposal(2016, 285_501, ALL_MET)).unwrap(), Money::from_yuan(2855));
    }

    #[test]
    fn every_unmet_guarantee_is_reported_with_the_income() {
        let g = Guarantees { food: false, safe_drinking_water: false, ..ALL_MET };
        let bad = check(&proposal(2016, 280_000, g)).unwrap_err();
        assert_eq!(fields(&bad), ["per_capita_income_fen", "guarantees/food", "guarantees/safe_drinking_water"]);
        assert!(bad.0[0].message.contains("2800.00 is not above the 2016 poverty line 2855.00"));
    }

    #[test]
    fn a_year_outside_identification_to_now_is_refused_before_the_criteria() {
        let g = Guarantees { food: false, ..ALL_MET };
        let bad = check(&proposal(2014, -1, g)).unwrap_err();
        assert_eq!(fields(&bad), ["year", "per_capita_income_fen"]);
        assert!(check(&proposal(2027, 500_000, ALL_MET)).is_err());
    }

    #[test]
    fn a_year_without_a_poverty_line_is_reported_on_year() {
        let bad = criteria(2013, Money::from_fen(1), &ALL_MET, None).unwrap_err();
        assert_eq!(fields(&bad), ["year"]);
        assert_eq!(bad.0[0].message, "no poverty line for 2013");
    }

    #[test]
    fn the_acknowledging_name_is_bounded() {
        let ack = |s: &str| validate_acknowledgement(&Acknowledge { acknowledged_by: s.into() });
        assert_eq!(ack("  Wang  ").unwrap(), "Wang");
        assert_eq!(fields(&ack(" ").unwrap_err()), ["acknowledged_by"]);
        assert!(ack(&"名".repeat(50)).is_ok());
        assert!(ack(&"名".repeat(51)).is_err());
    }

    #[test]
    fn an_exit_is_acknowledged_before_it_is_approved() {
        let refused = next(ExitStatus::Proposed, Step::Approve).unwrap_err();
        assert_eq!(refused, Refusal::NotAcknowledged);
        assert_eq!(refused.to_string(), "the household has not acknowledged the result");
        let acked = next(ExitStatus::Proposed, Step::Acknowledge).unwrap();
        assert_eq!(acked, ExitStatus::Acknowledged);
        assert!(next(acked, Step::Approve).is_err(), "not while the village's notice is up");
        let noticed = next(acked, Step::NoticePassed).unwrap();
        assert_eq!(next(noticed, Step::Approve).unwrap(), ExitStatus::Approved);
    }

    #[test]
    fn an_objection_sends_the_exit_back_for_a_new_acknowledgement_and_notice() {
        let objected = next(ExitStatus::Acknowledged, Step::Objection).unwrap();
        assert_eq!(objected, ExitStatus::Objected);
        assert!(next(objected, Step::Approve).is_err());
        assert_eq!(next(objected, Step::Acknowledge).unwrap(), ExitStatus::Acknowledged);
        assert!(next(ExitStatus::Noticed, Step::Objection).is_err());
    }

    #[test]
    fn no_step_repeats_or_follows_approval() {
        assert!(next(ExitStatus::Acknowledged, Step::Acknowledge).is_err());
        assert!(next(ExitStatus::Approved, Step::Acknowledge).is_err());
        assert!(next(ExitStatus::Approved, Step::Approve).is_err());
    }
}
