//! The county project library's rules: what a proposal must say, the management-fee cap (policy
//! data, `data/project_rules.csv`), the lifecycle a project moves through, and when money may be
//! paid to it.

use std::collections::HashSet;
use std::sync::OnceLock;

use chain_api::limits::{
    PROJECT_BENEFICIARIES, PROJECT_FUNDS, PROJECT_HOUSEHOLDS, PROJECT_NAME_CHARS, PROJECT_TEXT_CHARS, PROJECT_VILLAGES,
    TRANCHE_CHARS,
};
use chain_api::projects::{Benefit, Evaluation, PayProject, ProjectStatus, ProposeProject};
use chain_domain::{Division, Invalid, Level, Money, registry};
use uuid::Uuid;

use super::funds::Funds;
use super::table::{number, records};
use super::{check_amount, check_text, check_year};

/// The embedded rules.
const RULES: &str = include_str!("../../data/project_rules.csv");

/// The project rules in force from a year on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// First budget year.
    pub from_year: i32,
    /// The management-fee cap, thousandths of the budget.
    pub fee_permille: i64,
}

/// The rules by year.
#[derive(Debug, Clone)]
pub struct ProjectRules(Vec<Rule>);

impl ProjectRules {
    /// Reads a rules table (`from_year,management_fee_permille`).
    pub fn from_csv(text: &str) -> Result<ProjectRules, String> {
        let mut rules = Vec::new();
        for (line, r) in records(text, &["from_year", "management_fee_permille"])? {
            let from_year = number(line, "from_year", &r[0], 2014..=2100)?;
            let fee_permille = number(line, "management_fee_permille", &r[1], 0..=1000)?;
            rules.push(Rule { from_year, fee_permille });
        }
        rules.sort_by_key(|r| r.from_year);
        if rules.windows(2).any(|w| w[0].from_year == w[1].from_year) {
            return Err("a year is listed twice".into());
        }
        Ok(ProjectRules(rules))
    }

    /// The embedded table.
    pub fn embedded() -> &'static ProjectRules {
        static RULES_TABLE: OnceLock<ProjectRules> = OnceLock::new();
        RULES_TABLE.get_or_init(|| ProjectRules::from_csv(RULES).expect("data/project_rules.csv is valid"))
    }

    /// The rule for a budget year (none before the first row).
    pub fn for_year(&self, year: i32) -> Option<Rule> {
        self.0.iter().rev().find(|r| r.from_year <= year).copied()
    }

    /// The most a project of `year` with `budget_fen` may pay as management fee, fen, rounded down.
    pub fn fee_cap(&self, year: i32, budget_fen: i64) -> i64 {
        let permille = self.for_year(year).map_or(0, |r| r.fee_permille);
        (i128::from(budget_fen) * i128::from(permille) / 1000) as i64
    }
}

/// A proposal that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProject {
    /// Name, trimmed.
    pub name: String,
    /// The county of the site.
    pub county: Division,
    /// The site's villages, in the order given.
    pub villages: Vec<Division>,
    /// Fund channels, running in the year.
    pub funds: Vec<String>,
    /// Budget.
    pub budget: Money,
    /// The fee cap, fen.
    pub fee_cap_fen: i64,
    /// Free texts, trimmed: tasks, subsidy standard, implementer, responsible person, targets.
    pub texts: [String; 5],
}

/// Validates a proposal; every invalid field is reported at once.
pub fn validate(req: &ProposeProject, current_year: i32) -> Result<ValidProject, Invalid> {
    let mut bad = Invalid::new();
    let name = check_text(&mut bad, "name", &req.name, PROJECT_NAME_CHARS);
    check_year(&mut bad, "year", req.year, current_year);
    let mut villages = Vec::new();
    if req.villages.is_empty() || req.villages.len() > PROJECT_VILLAGES {
        bad.push("villages", format!("must list 1 to {PROJECT_VILLAGES} villages"));
    }
    let mut seen = HashSet::new();
    for (i, v) in req.villages.iter().enumerate().take(PROJECT_VILLAGES) {
        match Division::parse(v) {
            Ok(d) if d.level() != Level::Village => bad.push(format!("villages/{i}"), "must be a village (12 digits)"),
            Ok(d) if !registry().exists(&d) => {
                bad.push(format!("villages/{i}"), "no such village in the division registry")
            }
            Ok(d) if !seen.insert(d.to_string()) => bad.push(format!("villages/{i}"), "appears twice"),
            Ok(d) => villages.push(d),
            Err(e) => bad.push(format!("villages/{i}"), e.to_string()),
        }
    }
    let county = villages.first().and_then(|v| v.ancestor_at(Level::County));
    if let Some(c) = &county
        && let Some(i) = villages.iter().position(|v| !c.contains(v))
    {
        bad.push(format!("villages/{i}"), "every village of the site must lie in one county");
    }
    let mut funds = Vec::new();
    if req.fund_sources.is_empty() || req.fund_sources.len() > PROJECT_FUNDS {
        bad.push("fund_sources", format!("must list 1 to {PROJECT_FUNDS} funds"));
    }
    for (i, f) in req.fund_sources.iter().enumerate().take(PROJECT_FUNDS) {
        let f = f.trim().to_owned();
        if !Funds::embedded().knows(&f) {
            bad.push(format!("fund_sources/{i}"), "no such fund in the fund catalogue");
        } else if Funds::embedded().get(&f, req.year).is_none() {
            bad.push(format!("fund_sources/{i}"), format!("the fund does not run in {}", req.year));
        } else if funds.contains(&f) {
            bad.push(format!("fund_sources/{i}"), "appears twice");
        } else {
            funds.push(f);
        }
    }
    let texts = [
        check_text(&mut bad, "tasks", &req.tasks, PROJECT_TEXT_CHARS),
        check_text(&mut bad, "subsidy_standard", &req.subsidy_standard, PROJECT_TEXT_CHARS),
        check_text(&mut bad, "implementer", &req.implementer, PROJECT_NAME_CHARS),
        check_text(&mut bad, "responsible_person", &req.responsible_person, PROJECT_NAME_CHARS),
        check_text(&mut bad, "performance_targets", &req.performance_targets, PROJECT_TEXT_CHARS),
    ];
    let budget = check_amount(req.budget_fen).map_err(|m| bad.push("budget_fen", m)).ok();
    let fee_cap_fen = ProjectRules::embedded().fee_cap(req.year, req.budget_fen.max(0));
    if req.management_fee_fen < 0 {
        bad.push("management_fee_fen", "must not be negative");
    } else if budget.is_some() && req.management_fee_fen > fee_cap_fen {
        bad.push(
            "management_fee_fen",
            format!("must be at most {} yuan, the policy's share of the budget", Money::from_fen(fee_cap_fen)),
        );
    }
    check_households(&mut bad, req);
    match (county, budget) {
        (Some(county), Some(budget)) => {
            bad.or(ValidProject { name, county, villages, funds, budget, fee_cap_fen, texts })
        }
        _ => Err(bad),
    }
}

/// The households and the count of beneficiaries agree with the benefit mechanism.
fn check_households(bad: &mut Invalid, req: &ProposeProject) {
    let listed = req.households.len();
    if listed > PROJECT_HOUSEHOLDS {
        bad.push("households", format!("must list at most {PROJECT_HOUSEHOLDS} households"));
    }
    let distinct: HashSet<&Uuid> = req.households.iter().collect();
    if distinct.len() != listed {
        bad.push("households", "a household appears twice");
    }
    match req.benefit {
        Benefit::Households if listed == 0 => bad.push("households", "list the households the project benefits"),
        Benefit::Households if req.beneficiaries as usize != listed => {
            bad.push("beneficiaries", "must be the number of households listed")
        }
        _ if req.beneficiaries == 0 || req.beneficiaries > PROJECT_BENEFICIARIES => {
            bad.push("beneficiaries", format!("must be from 1 to {PROJECT_BENEFICIARIES}"))
        }
        _ => {}
    }
}

/// Validates an evaluation.
pub fn validate_evaluation(e: &Evaluation) -> Result<String, Invalid> {
    let mut bad = Invalid::new();
    let summary = check_text(&mut bad, "summary", &e.summary, PROJECT_TEXT_CHARS);
    bad.or(summary)
}

/// A payment request that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPayment {
    /// Business key, trimmed.
    pub tranche: String,
    /// Amount.
    pub amount: Money,
}

/// Validates a payment request against the project's sources.
pub fn validate_payment(req: &PayProject, sources: &[String]) -> Result<ValidPayment, Invalid> {
    let mut bad = Invalid::new();
    let tranche = check_text(&mut bad, "tranche", &req.tranche, TRANCHE_CHARS);
    let amount = check_amount(req.amount_fen).map_err(|m| bad.push("amount_fen", m)).ok();
    if !sources.iter().any(|s| s == req.fund.trim()) {
        bad.push("fund", "must be one of the project's fund sources");
    }
    match amount {
        Some(amount) => bad.or(ValidPayment { tranche, amount }),
        None => Err(bad),
    }
}

/// A step in a project's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The county admits it to the library.
    Admit,
    /// The county refuses it.
    Reject,
    /// Its plan is posted on the village boards.
    Disclose,
    /// The notice ran out with no objection.
    NoticePassed,
    /// An objection interrupted the notice.
    Objection,
    /// The county approves it.
    Approve,
    /// Implementation begins.
    Start,
    /// Accepted on completion.
    Accept,
    /// Closed with its evaluation.
    Close,
}

/// The status a step leads to, or why it cannot be taken.
pub fn next(status: ProjectStatus, step: Step) -> Result<ProjectStatus, String> {
    use ProjectStatus as S;
    Ok(match (status, step) {
        (S::Proposed, Step::Admit) => S::InLibrary,
        (S::Proposed, Step::Reject) => S::Rejected,
        (S::InLibrary | S::Objected, Step::Disclose) => S::Disclosing,
        (S::Disclosing, Step::NoticePassed) => S::Disclosed,
        (S::Disclosing, Step::Objection) => S::Objected,
        (S::Disclosed, Step::Approve) => S::Approved,
        (S::Approved, Step::Start) => S::Implementing,
        (S::Implementing, Step::Accept) => S::Accepted,
        (S::Accepted, Step::Close) => S::Closed,
        (status, step) => return Err(format!("a project that is {} cannot {}", label(status), verb(step))),
    })
}

/// Whether money may be paid to a project in `status`: tranches and fee while it is being
/// carried out, the final payment once accepted, nothing before or after.
pub fn may_pay(status: ProjectStatus) -> Result<(), String> {
    match status {
        ProjectStatus::Implementing | ProjectStatus::Accepted => Ok(()),
        ProjectStatus::Closed => Err("the project is closed: nothing more is paid to it".into()),
        other => Err(format!(
            "the project is {}: money is paid only to library projects in implementation or accepted",
            label(other)
        )),
    }
}

/// A status as stored and spoken.
pub fn label(status: ProjectStatus) -> &'static str {
    match status {
        ProjectStatus::Proposed => "proposed",
        ProjectStatus::Rejected => "rejected",
        ProjectStatus::InLibrary => "in_library",
        ProjectStatus::Disclosing => "disclosing",
        ProjectStatus::Objected => "objected",
        ProjectStatus::Disclosed => "disclosed",
        ProjectStatus::Approved => "approved",
        ProjectStatus::Implementing => "implementing",
        ProjectStatus::Accepted => "accepted",
        ProjectStatus::Closed => "closed",
    }
}

fn verb(step: Step) -> &'static str {
    match step {
        Step::Admit => "be admitted to the library",
        Step::Reject => "be rejected",
        Step::Disclose => "be disclosed",
        Step::NoticePassed => "pass its notice",
        Step::Objection => "be objected to",
        Step::Approve => "be approved",
        Step::Start => "start",
        Step::Accept => "be accepted",
        Step::Close => "be closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_management_fee_cap_is_one_percent_of_the_budget_rounded_down() {
        let rules = ProjectRules::embedded();
        assert_eq!(rules.fee_cap(2017, 30_000_000), 300_000);
        assert_eq!(rules.fee_cap(2017, 199), 1);
        assert_eq!(rules.for_year(2013), None);
        let later = ProjectRules::from_csv("from_year,management_fee_permille\n2014,10\n2020,5\n").unwrap();
        assert_eq!((later.fee_cap(2019, 1000), later.fee_cap(2021, 1000)), (10, 5));
    }

    #[test]
    fn a_project_moves_through_the_library_once_and_money_goes_only_to_one_in_implementation() {
        use ProjectStatus as S;
        let mut s = S::Proposed;
        for step in [Step::Admit, Step::Disclose, Step::Objection, Step::Disclose, Step::NoticePassed] {
            s = next(s, step).unwrap();
        }
        assert_eq!(s, S::Disclosed);
        assert!(may_pay(s).is_err());
        s = next(next(s, Step::Approve).unwrap(), Step::Start).unwrap();
        assert!(may_pay(s).is_ok());
        s = next(next(s, Step::Accept).unwrap(), Step::Close).unwrap();
        assert_eq!(may_pay(s).unwrap_err(), "the project is closed: nothing more is paid to it");
        assert!(next(S::Proposed, Step::Approve).is_err());
        assert!(next(S::Rejected, Step::Admit).is_err());
    }
}
