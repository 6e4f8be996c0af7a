//! Pure rules of the identification procedure ("two notices and one announcement"): its steps,
//! the per-province parameters, and the status each step leads to.

use chain_api::identification::HouseholdStatus;
use chain_domain::Division;

use super::Refusal;
use super::household::label;

/// A step of the procedure ("two notices and one announcement"): the village appraises,
/// (where the province requires it) the county matches the data, the village verifies and posts
/// the first notice, the township reviews and posts the second, the county approves and
/// announces. Objections to a notice send the case back to the layer that posted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The villager representatives' democratic appraisal, passed or not.
    Appraise {
        /// Whether the appraisal put the household on the list.
        passed: bool,
    },
    /// The county's data matching, clear or not.
    Match {
        /// Whether nothing disqualifying was found.
        passed: bool,
    },
    /// The village verifies the case and posts the first notice (again, after an objection).
    Verify,
    /// The first notice ran out with no objection.
    FirstNoticePassed,
    /// The township reviews the list and posts the second notice (again, after an objection).
    Review,
    /// The second notice ran out with no objection.
    SecondNoticePassed,
    /// The county approves: the household is identified and announced.
    Approve,
    /// Somebody objected during a notice.
    Objection,
    /// The layer holding the case finds the household should not be registered.
    Reject,
    /// Exit approved elsewhere; removed from the register.
    Exit,
}

/// Per-province parameters of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The county matches the data between appraisal and verification.
    pub data_matching: bool,
    /// Days the township has to review once the first notice has passed.
    pub township_review_days: u32,
    /// Days the county has to approve once the second notice has passed.
    pub county_approval_days: u32,
}

/// The table of [`Policy`] by province.
#[derive(Debug, Clone)]
pub struct Policies {
    default: Policy,
    provinces: Vec<(String, Policy)>,
}

impl Policies {
    /// The table shipped with the service (`data/identification_policy.csv`).
    pub fn embedded() -> &'static Policies {
        static TABLE: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            Policies::from_csv(include_str!("../../data/identification_policy.csv"))
                .expect("the embedded policy table parses")
        })
    }

    /// Parses a table: a header `province,data_matching,township_review_days,county_approval_days`,
    /// `#` comments, and a required `*` row.
    pub fn from_csv(text: &str) -> Result<Policies, String> {
        let mut rows = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        if rows.next() != Some("province,data_matching,township_review_days,county_approval_days") {
            return Err("the header must be province,data_matching,township_review_days,county_approval_days".into());
        }
        let mut default = None;
        let mut provinces = Vec::new();
        for (n, row) in rows.enumerate() {
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            let [province, matching, review, approval] = cells[..] else {
                return Err(format!("row {}: four cells expected", n + 1));
            };
            let days = |v: &str| v.parse::<u32>().ok().filter(|d| (1..=365).contains(d));
            let policy = Policy {
                data_matching: match matching {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("row {}: data_matching is true or false", n + 1)),
                },
                township_review_days: days(review).ok_or(format!("row {}: days are 1 to 365", n + 1))?,
                county_approval_days: days(approval).ok_or(format!("row {}: days are 1 to 365", n + 1))?,
            };
            match province {
                "*" => default = Some(policy),
                p if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => provinces.push((p.to_owned(), policy)),
                p => return Err(format!("row {}: {p:?} is neither * nor a 2-digit province code", n + 1)),
            }
        }
        Ok(Policies { default: default.ok_or("the * row is required")?, provinces })
    }

    /// The parameters for a household in `village`.
    pub fn for_division(&self, village: &Division) -> Policy {
        let code = village.as_str();
        self.provinces.iter().find(|(p, _)| code.starts_with(p.as_str())).map(|(_, p)| *p).unwrap_or(self.default)
    }
}

/// The status after a step, or why it is not allowed.
pub fn next(status: HouseholdStatus, step: Step, policy: &Policy) -> Result<HouseholdStatus, Refusal> {
    use HouseholdStatus::*;
    let refuse = |what: &str| Err(Refusal::transition(format!("{what}; this household is {}", label(status))));
    match (status, step) {
        (Applied, Step::Appraise { passed: true }) => Ok(Appraised),
        (Applied, Step::Appraise { passed: false }) => Ok(Rejected),
        (_, Step::Appraise { .. }) => refuse("only an application is appraised"),
        (_, Step::Match { .. }) if !policy.data_matching => {
            Err(Refusal::transition("this province has no data-matching step in its procedure"))
        }
        (Appraised, Step::Match { passed: true }) => Ok(Matched),
        (Appraised, Step::Match { passed: false }) => Ok(Rejected),
        (_, Step::Match { .. }) => refuse("data matching follows the democratic appraisal"),
        (Appraised, Step::Verify) if policy.data_matching => {
            refuse("this province matches the data before the village verifies")
        }
        (Appraised | Matched | Objected, Step::Verify) => Ok(FirstNotice),
        (_, Step::Verify) => refuse("the village verifies an appraised household"),
        (FirstNotice, Step::FirstNoticePassed) => Ok(AwaitingTownship),
        (AwaitingTownship | Objected, Step::Review) => Ok(SecondNotice),
        (_, Step::Review) => refuse("the township reviews once the village's notice has passed"),
        (SecondNotice, Step::SecondNoticePassed) => Ok(AwaitingCounty),
        (AwaitingCounty, Step::Approve) => Ok(Identified),
        (_, Step::Approve) => refuse("the county approves once the township's notice has passed"),
        (FirstNotice | SecondNotice, Step::Objection) => Ok(Objected),
        (Identified | Exited | Rejected | SuspectedDuplicate, Step::Reject) => {
            refuse("only a household still in the procedure is rejected; a suspected duplicate is adjudicated")
        }
        (FirstNotice | SecondNotice, Step::Reject) => {
            refuse("a notice is up; an objection interrupts it, and then the case can be turned down")
        }
        (_, Step::Reject) => Ok(Rejected),
        (Identified, Step::Exit) => Ok(Exited),
        (_, Step::Exit) => refuse("only an identified household can exit"),
        (_, Step::FirstNoticePassed | Step::SecondNoticePassed | Step::Objection) => {
            refuse("no notice of this procedure is open")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::household::holds_ids;

    const PLAIN: Policy = Policy { data_matching: false, township_review_days: 10, county_approval_days: 15 };
    const MATCHING: Policy = Policy { data_matching: true, ..PLAIN };

    fn run(policy: &Policy, steps: &[Step]) -> Result<HouseholdStatus, Refusal> {
        steps.iter().try_fold(HouseholdStatus::Applied, |s, step| next(s, *step, policy))
    }

    #[test]
    fn two_notices_and_one_announcement_in_order() {
        use Step::*;
        let all = [Appraise { passed: true }, Verify, FirstNoticePassed, Review, SecondNoticePassed, Approve];
        assert_eq!(run(&PLAIN, &all).unwrap(), HouseholdStatus::Identified);
        // No step can be skipped.
        for skip in 0..all.len() {
            let mut fewer = all.to_vec();
            fewer.remove(skip);
            let ended = run(&PLAIN, &fewer);
            assert!(!matches!(ended, Ok(HouseholdStatus::Identified)), "skipping step {skip} must not identify");
        }
        assert!(next(HouseholdStatus::Applied, Approve, &PLAIN).is_err());
    }

    #[test]
    fn an_objection_sends_the_case_back_to_the_layer_that_posted_the_notice() {
        use Step::*;
        let objected = run(&PLAIN, &[Appraise { passed: true }, Verify, Objection]).unwrap();
        assert_eq!(objected, HouseholdStatus::Objected);
        assert_eq!(next(objected, Verify, &PLAIN).unwrap(), HouseholdStatus::FirstNotice);
        assert!(next(objected, Approve, &PLAIN).is_err());
        assert_eq!(next(objected, Reject, &PLAIN).unwrap(), HouseholdStatus::Rejected);
    }

    #[test]
    fn data_matching_is_required_exactly_where_the_province_has_it() {
        use Step::*;
        assert!(run(&PLAIN, &[Appraise { passed: true }, Match { passed: true }]).is_err());
        assert!(run(&MATCHING, &[Appraise { passed: true }, Verify]).is_err());
        assert_eq!(
            run(&MATCHING, &[Appraise { passed: true }, Match { passed: true }, Verify]).unwrap(),
            HouseholdStatus::FirstNotice
        );
        assert_eq!(
            run(&MATCHING, &[Appraise { passed: true }, Match { passed: false }]).unwrap(),
            HouseholdStatus::Rejected
        );
    }

    #[test]
    fn a_failed_appraisal_or_a_rejection_ends_the_case() {
        assert_eq!(run(&PLAIN, &[Step::Appraise { passed: false }]).unwrap(), HouseholdStatus::Rejected);
        assert!(!holds_ids(HouseholdStatus::Rejected));
        assert!(next(HouseholdStatus::Identified, Step::Reject, &PLAIN).is_err());
        assert!(next(HouseholdStatus::Rejected, Step::Verify, &PLAIN).is_err());
    }

    #[test]
    fn the_policy_table_parses_and_provinces_override_the_default() {
        let t = Policies::from_csv(
            "# c\nprovince,data_matching,township_review_days,county_approval_days\n*,false,10,15\n52,true,5,7\n",
        )
        .unwrap();
        let guizhou = t.for_division(&Division::parse("520624101201").unwrap());
        assert_eq!(guizhou, Policy { data_matching: true, township_review_days: 5, county_approval_days: 7 });
        assert_eq!(t.for_division(&Division::parse("110101001001").unwrap()), PLAIN);
        assert!(
            Policies::from_csv("province,data_matching,township_review_days,county_approval_days\n52,true,5,7\n")
                .is_err()
        );
        assert!(
            Policies::from_csv("province,data_matching,township_review_days,county_approval_days\n*,maybe,5,7\n")
                .is_err()
        );
        assert_eq!(Policies::embedded().for_division(&Division::parse("520624101201").unwrap()), PLAIN);
    }
}
