//! Pure rules of household plans: validating a plan's content against the household's recorded
//! causes and the cause → measure rules, the projected income against the poverty line, the plan's
//! status machine, and which milestones a revision keeps.

use chain_api::limits::{
    MAX_AMOUNT_FEN, MAX_INCOME_FEN, MEASURE_CHARS, MILESTONE_CHARS, MILESTONE_YEARS, NAME_CHARS, PLAN_MEASURES,
    PLAN_MILESTONES, REMARK_CHARS,
};
use chain_api::planning::{FundSource, IncomeProjection, MeasureDraft, MeasureKind, PlanStatus};
use chain_domain::{Causes, Division, Invalid, PovertyCause, text};
use chrono::NaiveDate;

use super::rules::{Rules, parse_name};

/// The kind of the township's task to prepare a household's plan (signed off by the county).
pub const PLAN_TASK: &str = "plan.household";

/// The kind of the village's task to deliver one milestone of an approved plan.
pub const MILESTONE_TASK: &str = "plan.milestone";

/// Days the township has to prepare the plan of a newly identified household.
pub const PLAN_DUE_DAYS: i64 = 30;

/// A measure that passed validation, as stored: the draft's fields with text cleaned.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredMeasure {
    /// Family of the measure.
    pub kind: MeasureKind,
    /// What will be done.
    pub description: String,
    /// The cause it answers (snake_case).
    pub addresses: String,
    /// Who delivers it.
    #[serde(default)]
    pub responsible: String,
    /// The budget it expects, fen.
    #[serde(default)]
    pub budget_fen: i64,
    /// The fund expected.
    #[serde(default)]
    pub fund: Option<FundSource>,
    /// Expected yearly income effect, fen.
    pub expected_income_fen: i64,
}

/// A milestone that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMilestone {
    /// Its measure's position in the plan.
    pub measure: usize,
    /// Its position among the measure's milestones.
    pub position: usize,
    /// What will have been done.
    pub what: String,
    /// Due day.
    pub due: NaiveDate,
}

impl ValidMilestone {
    /// What identifies the milestone across revisions: its measure's kind and cause, its text
    /// and its due day.
    pub fn key(&self, measures: &[StoredMeasure]) -> MilestoneKey {
        let m = &measures[self.measure];
        MilestoneKey { kind: m.kind, addresses: m.addresses.clone(), what: self.what.clone(), due: self.due }
    }
}

/// What identifies a milestone across revisions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MilestoneKey {
    /// The measure's kind.
    pub kind: MeasureKind,
    /// The cause the measure answers.
    pub addresses: String,
    /// The milestone's text.
    pub what: String,
    /// Its due day.
    pub due: NaiveDate,
}

/// A plan's content that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidContent {
    /// The household's wishes.
    pub wishes: String,
    /// The measures.
    pub measures: Vec<StoredMeasure>,
    /// The milestones of every measure.
    pub milestones: Vec<ValidMilestone>,
    /// Why a plan that does not close the gap is sound.
    pub justification: Option<String>,
}

impl ValidContent {
    /// The measures' expected yearly income effects together, fen.
    pub fn expected_effect_fen(&self) -> i64 {
        self.measures.iter().map(|m| m.expected_income_fen).fold(0i64, i64::saturating_add)
    }
}

/// A plan's content as sent (creation and revision share it).
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// The household's wishes.
    pub wishes: &'a str,
    /// The measures.
    pub measures: &'a [MeasureDraft],
    /// Whether the request named a helper (which the file card holds, not the plan).
    pub names_helper: bool,
    /// The justification.
    pub justification: Option<&'a str>,
}

/// Where and when a plan is judged.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The household's recorded causes.
    pub causes: &'a Causes,
    /// The household's village.
    pub village: &'a Division,
    /// The plan's year.
    pub year: i32,
    /// Today, Beijing time.
    pub today: NaiveDate,
    /// The rules in force.
    pub rules: &'a Rules,
}

fn within(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.chars().count())
}

/// Validates a plan's content; every invalid field is reported at once. A milestone due before
/// today is refused unless `known` says a milestone with its key is already on the plan (a
/// revision keeps it).
pub fn validate(
    c: Content<'_>,
    ctx: Context<'_>,
    known: &dyn Fn(&MilestoneKey) -> bool,
) -> Result<ValidContent, Invalid> {
    let mut bad = Invalid::new();
    let wishes = text::field(c.wishes, text::Kind::Prose, "wishes", &mut bad);
    if !within(&wishes, 1, REMARK_CHARS) {
        bad.push("wishes", format!("the household's wishes in its own words: 1 to {REMARK_CHARS} characters"));
    }
    if c.measures.is_empty() || c.measures.len() > PLAN_MEASURES {
        bad.push("measures", format!("a plan lists 1 to {PLAN_MEASURES} measures"));
    }
    let latest_due = ctx.today.checked_add_months(chrono::Months::new(12 * MILESTONE_YEARS)).unwrap_or(NaiveDate::MAX);
    let mut measures = Vec::with_capacity(c.measures.len());
    let mut milestones = Vec::new();
    for (i, m) in c.measures.iter().enumerate() {
        let at = |f: &str| format!("measures/{i}/{f}");
        let description = text::field(&m.description, text::Kind::Prose, &at("description"), &mut bad);
        if !within(&description, 1, MEASURE_CHARS) {
            bad.push(at("description"), format!("must be 1 to {MEASURE_CHARS} characters"));
        }
        match m.addresses.parse::<PovertyCause>() {
            Ok(cause) if ctx.causes.includes(cause) => {}
            Ok(_) => bad.push(at("addresses"), "not a recorded cause of this household"),
            Err(_) => bad.push(at("addresses"), "unknown poverty cause"),
        }
        let responsible = text::field(&m.responsible, text::Kind::Name, &at("responsible"), &mut bad);
        if !within(&responsible, 1, NAME_CHARS) {
            bad.push(at("responsible"), format!("must be 1 to {NAME_CHARS} characters"));
        }
        if !(0..=MAX_AMOUNT_FEN).contains(&m.budget_fen) {
            bad.push(at("budget_fen"), format!("must be 0 to {MAX_AMOUNT_FEN} fen"));
        } else if m.budget_fen > 0 && m.fund.is_none() {
            bad.push(at("fund"), "a measure with a budget names the fund it expects");
        }
        if !(0..=MAX_INCOME_FEN).contains(&m.expected_income_fen) {
            bad.push(at("expected_income_fen"), format!("must be 0 to {MAX_INCOME_FEN} fen"));
        }
        if m.milestones.is_empty() || m.milestones.len() > PLAN_MILESTONES {
            bad.push(at("milestones"), format!("a measure has 1 to {PLAN_MILESTONES} milestones"));
        }
        let stored = StoredMeasure {
            kind: m.kind,
            description,
            addresses: m.addresses.clone(),
            responsible,
            budget_fen: m.budget_fen,
            fund: m.fund,
            expected_income_fen: m.expected_income_fen,
        };
        for (j, ms) in m.milestones.iter().enumerate() {
            let field = format!("measures/{i}/milestones/{j}/what");
            let what = text::field(&ms.what, text::Kind::Name, &field, &mut bad);
            if !within(&what, 1, MILESTONE_CHARS) {
                bad.push(field, format!("must be 1 to {MILESTONE_CHARS} characters"));
            }
            let key = MilestoneKey { kind: m.kind, addresses: m.addresses.clone(), what: what.clone(), due: ms.due };
            if (ms.due < ctx.today && !known(&key)) || ms.due > latest_due {
                bad.push(
                    format!("measures/{i}/milestones/{j}/due"),
                    format!("a milestone is due from today ({}) to {latest_due}", ctx.today),
                );
            }
            milestones.push(ValidMilestone { measure: i, position: j, what, due: ms.due });
        }
        measures.push(stored);
    }
    // Every recorded cause, main and others, needs a measure of a kind that answers it.
    if !c.measures.is_empty() {
        let causes = std::iter::once(ctx.causes.main()).chain(ctx.causes.others().iter().copied());
        for (n, cause) in causes.enumerate() {
            let allowed = ctx.rules.allowed(ctx.year, ctx.village, cause);
            let answered = c.measures.iter().any(|m| m.addresses.parse() == Ok(cause) && allowed.admits(m.kind));
            if !answered {
                let which = if n == 0 { "the main cause" } else { "the cause" };
                let kinds = allowed.kinds().into_iter().map(parse_name).collect::<Vec<_>>().join(", ");
                bad.push("measures", format!("no measure answers {which} {cause} (it is answered by {kinds})"));
            }
        }
    }
    if c.names_helper {
        bad.push(
            "helper",
            "is not part of a plan: the county or the township assigns it on the file card (:assign-helper)",
        );
    }
    let justification = c.justification.map(|j| text::field(j, text::Kind::Prose, "justification", &mut bad));
    if justification.as_deref().is_some_and(|j| !within(j, 1, REMARK_CHARS)) {
        bad.push("justification", format!("must be 1 to {REMARK_CHARS} characters"));
    }
    bad.or(ValidContent { wishes, measures, milestones, justification })
}

/// The household's projected per-capita income under the plan against the poverty line:
/// the card's per-capita income plus the measures' effects shared among the members (rounded
/// down), above the line or not.
pub fn project(year: i32, members: u32, card_per_capita_fen: i64, effect_fen: i64, line_fen: i64) -> IncomeProjection {
    let share = effect_fen / i64::from(members.max(1));
    let projected = card_per_capita_fen.saturating_add(share);
    IncomeProjection {
        year,
        members,
        card_per_capita_fen,
        expected_effect_fen: effect_fen,
        projected_per_capita_fen: projected,
        poverty_line_fen: line_fen,
        closes_gap: projected > line_fen,
    }
}

/// A step of a plan's procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The household acknowledges the draft.
    Acknowledge,
    /// New content: in place on a draft, as a new revision on an approved plan.
    Revise,
    /// The township submits the draft to the county.
    Submit,
    /// The county approves the submission.
    Approve,
    /// The county returns the submission for rework.
    Return,
}

/// Why a step of a plan's procedure is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The step does not apply in the plan's status.
    #[error("a plan that is {} cannot be {}", label(*status).replace('_', " "), past(*step))]
    Status {
        /// The plan's status.
        status: PlanStatus,
        /// The refused step.
        step: Step,
    },
}

fn past(step: Step) -> &'static str {
    match step {
        Step::Acknowledge => "acknowledged",
        Step::Revise => "revised",
        Step::Submit => "submitted",
        Step::Approve => "approved",
        Step::Return => "returned",
    }
}

/// The status after a step, or why it is not allowed. A revision of an approved, started or
/// completed plan is a new draft.
pub fn next(status: PlanStatus, step: Step) -> Result<PlanStatus, Refusal> {
    use PlanStatus::*;
    match (status, step) {
        (Draft, Step::Acknowledge | Step::Revise) => Ok(Draft),
        (Approved | InProgress | Completed, Step::Revise) => Ok(Draft),
        (Draft, Step::Submit) => Ok(Submitted),
        (Submitted, Step::Approve) => Ok(Approved),
        (Submitted, Step::Return) => Ok(Draft),
        (status, step) => Err(Refusal::Status { status, step }),
    }
}

/// The status of an approved plan after a milestone report: started once any milestone is done,
/// completed once all are.
pub fn progressed(status: PlanStatus, done: usize, total: usize) -> PlanStatus {
    match status {
        PlanStatus::Approved | PlanStatus::InProgress if total > 0 && done == total => PlanStatus::Completed,
        PlanStatus::Approved if done > 0 => PlanStatus::InProgress,
        status => status,
    }
}

/// The snake_case name of a status.
pub fn label(s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Draft => "draft",
        PlanStatus::Submitted => "submitted",
        PlanStatus::Approved => "approved",
        PlanStatus::InProgress => "in_progress",
        PlanStatus::Completed => "completed",
    }
}

#[cfg(test)]
mod tests;
