//! Drafting: the household's village or township drafts its plan, revises it, and records the
//! household's acknowledgement.

use std::collections::HashMap;

use anyhow::Context as _;
use chain_api::events::PLAN_REVISED;
use chain_api::limits::NAME_CHARS;
use chain_api::planning::{
    AcknowledgePlan, CreatePlan, MilestoneState, Plan, PlanAcknowledgement, PlanStatus, RevisePlan,
};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::calendar::beijing_date;
use chain_domain::{Division, Invalid, Layer, Level, text};
use chain_kit::rows;
use chain_store::audit::Entry;
use chain_store::text::enum_str;
use chain_workflow::{Action, NewTask};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, TransactionTrait};

use super::answer::{self, announce, changed, check_version, hidden, no_household, record, stale, village_of};
use crate::State;
use crate::domain::{
    self, Content, Context, MILESTONE_TASK, MilestoneKey, PLAN_DUE_DAYS, PLAN_TASK, StoredMeasure, ValidContent, label,
};
use crate::error::Result;
use crate::store::{household, milestone, plan};

fn conflict() -> Problem {
    Problem::new(ProblemKind::Conflict, "the household already has a plan")
}

/// Requires an operator or approver of the household's village or township.
fn drafts(p: &Principal, village: &Division, hidden: Problem) -> std::result::Result<(), Problem> {
    p.require_within(&[Role::Operator, Role::Approver], village, hidden)?;
    if !matches!(p.layer(), Layer::Village | Layer::Township) {
        return Err(Problem::forbidden("a plan is drafted by the household's village or township"));
    }
    Ok(())
}

/// The content of a request, judged for `h` as of now.
fn judge(
    s: &State,
    h: &household::Model,
    content: Content<'_>,
    known: &dyn Fn(&MilestoneKey) -> bool,
) -> Result<std::result::Result<(ValidContent, i32), Invalid>> {
    let village = Division::parse(&h.village).context("reading the household's village")?;
    let today = beijing_date(s.now());
    let year = today.year();
    let causes = h.causes()?;
    let ctx = Context { causes: &causes, village: &village, year, today, rules: s.rules };
    Ok(domain::validate(content, ctx, known).map(|valid| (valid, year)))
}

/// Writes the milestones of `valid` for the plan: those matching one of `current` (by key) keep
/// its id, progress and task; the others start open. The current ones left out are deleted, and
/// their unfinished tasks cancelled.
async fn write_milestones<C: ConnectionTrait>(
    conn: &C,
    s: &State,
    p: &Principal,
    row: &plan::Model,
    valid: &ValidContent,
    current: Vec<(MilestoneKey, milestone::Model)>,
) -> Result<()> {
    let mut current: HashMap<MilestoneKey, milestone::Model> = current.into_iter().collect();
    let mut rows = Vec::with_capacity(valid.milestones.len());
    for m in &valid.milestones {
        let kept = current.remove(&m.key(&valid.measures));
        rows.push(milestone::ActiveModel {
            id: Set(kept.as_ref().map_or_else(Uuid::now_v7, |k| k.id)),
            plan_id: Set(row.id),
            village: Set(row.village.clone()),
            measure: Set(i32::try_from(m.measure).unwrap_or(i32::MAX)),
            position: Set(i32::try_from(m.position).unwrap_or(i32::MAX)),
            what: Set(m.what.clone()),
            due: Set(m.due),
            state: Set(kept.as_ref().map_or_else(|| milestone::state_label(MilestoneState::Open), |k| k.state.clone())),
            task_id: Set(kept.as_ref().and_then(|k| k.task_id)),
            done_on: Set(kept.as_ref().and_then(|k| k.done_on)),
            note: Set(kept.as_ref().and_then(|k| k.note.clone())),
            reported_by: Set(kept.as_ref().and_then(|k| k.reported_by.clone())),
        });
    }
    milestone::Entity::delete_many().filter(milestone::Column::PlanId.eq(row.id)).exec(conn).await?;
    for dropped in current.values() {
        if dropped.task_id.is_some() && dropped.state()? == MilestoneState::Open {
            let reason = "the plan's new revision leaves this milestone out";
            if let Some(Err(problem)) =
                s.engine.transition(conn, p, MILESTONE_TASK, dropped.id, Action::Cancel, Some(reason)).await?
            {
                tracing::warn!(milestone = %dropped.id, %problem, "the task of a dropped milestone stays");
            }
        }
    }
    if !rows.is_empty() {
        milestone::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

fn encode<T: serde::Serialize>(value: &T, what: &str) -> Result<String> {
    Ok(serde_json::to_string(value).with_context(|| format!("encoding the {what}"))?)
}

/// The village or township drafts the plan of an identified household.
#[tracing::instrument(skip_all, fields(actor = %p.subject, household = %req.household_id))]
pub async fn create(s: State, p: Principal, req: CreatePlan) -> Result<Plan> {
    let h = household::Entity::find_by_id(req.household_id).one(&s.db).await?.ok_or_else(no_household)?;
    let village = Division::parse(&h.village).context("reading the household's village")?;
    drafts(&p, &village, no_household())?;
    let content = Content {
        wishes: &req.wishes,
        measures: &req.measures,
        names_helper: req.helper.is_some(),
        justification: req.justification.as_deref(),
    };
    let (valid, year) = judge(&s, &h, content, &|_| false)??;
    let now = s.now();
    let txn = s.db.begin().await?;
    if plan::of_household(&txn, h.household_id).await?.is_some() {
        return Err(conflict().into());
    }
    let task = s.engine.procedure_task(&txn, PLAN_TASK, h.household_id, None).await?.ok_or_else(no_household)?;
    let new = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(h.household_id),
        village: Set(h.village.clone()),
        status: Set(label(PlanStatus::Draft).to_owned()),
        measures: Set(encode(&valid.measures, "measures")?),
        task_id: Set(task.id),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        revision: Set(1),
        revision_kind: Set(None),
        revision_reason: Set(None),
        wishes: Set(valid.wishes.clone()),
        acknowledgement: Set(None),
        justification: Set(valid.justification.clone()),
        year: Set(year),
        members: Set(h.members),
        card_per_capita_fen: Set(h.per_capita_income_fen),
    };
    let row = rows::insert_or(&txn, new, conflict).await?;
    write_milestones(&txn, &s, &p, &row, &valid, Vec::new()).await?;
    record(&txn, now, Entry::by(&p, "plan.create", &row.village), &row).await?;
    announce(&txn, &s, chain_api::events::PLAN_DRAFTED, &row, &p.subject, changed(&row, PlanStatus::Draft)?).await?;
    let answer = answer::answer(&txn, &s, &row).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, "plan drafted");
    Ok(answer)
}

/// New content for a plan: a draft is replaced in place (the household acknowledges again); an
/// approved, started or completed plan gets a new revision, with a new township task, while the
/// earlier revision stays readable as it was.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn revise(s: State, p: Principal, req: Step<RevisePlan>) -> Result<Plan> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let row = answer::row(&txn, req.id).await?;
    let village = village_of(&row)?;
    drafts(&p, &village, hidden())?;
    check_version(req.expected_version, &row)?;
    let status = row.status()?;
    domain::next(status, domain::Step::Revise)?;
    let body = &req.body;
    let mut bad = Invalid::new();
    let reason = text::field(&body.reason, text::Kind::Prose, "reason", &mut bad);
    if !(1..=chain_api::limits::REMARK_CHARS).contains(&reason.chars().count()) {
        bad.push(
            "reason",
            format!("say why the plan is revised (1 to {} characters)", chain_api::limits::REMARK_CHARS),
        );
    }
    let h = household::Entity::find_by_id(row.household_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Problem::new(ProblemKind::Conflict, "the household is no longer in the register"))?;
    let stored = row.measures()?;
    let current: Vec<(MilestoneKey, milestone::Model)> = milestone::of_plan(&txn, row.id)
        .await?
        .into_iter()
        .filter_map(|m| key_of(&m, &stored).map(|k| (k, m)))
        .collect();
    let keys: std::collections::HashSet<&MilestoneKey> = current.iter().map(|(k, _)| k).collect();
    let content = Content {
        wishes: &body.wishes,
        measures: &body.measures,
        names_helper: body.helper.is_some(),
        justification: body.justification.as_deref(),
    };
    let (valid, year) = match judge(&s, &h, content, &|k| keys.contains(k))? {
        Ok(v) if bad.is_empty() => v,
        Ok(_) => return Err(bad.into()),
        Err(mut more) => {
            bad.0.append(&mut more.0);
            return Err(bad.into());
        }
    };
    let new_revision = status != PlanStatus::Draft;
    let mut changes: plan::Changes = vec![
        plan::status_change(PlanStatus::Draft),
        (plan::Column::Measures, Expr::value(encode(&valid.measures, "measures")?)),
        (plan::Column::Wishes, Expr::value(valid.wishes.clone())),
        (plan::Column::Justification, Expr::value(valid.justification.clone())),
        plan::acknowledgement_change(None)?,
        (plan::Column::Year, Expr::value(year)),
        (plan::Column::Members, Expr::value(h.members)),
        (plan::Column::CardPerCapitaFen, Expr::value(h.per_capita_income_fen)),
    ];
    if new_revision {
        plan::keep_revision(&txn, &answer::answer(&txn, &s, &row).await?, now).await?;
        let township = village.ancestor_at(Level::Township).context("the plan's village lies above the township")?;
        let county = village.ancestor_at(Level::County).context("the plan's village lies above the county")?;
        let task = NewTask {
            subject_id: Some(row.household_id),
            due_at: Some(now + chrono::Duration::days(PLAN_DUE_DAYS)),
            signer: Some(county.to_string()),
            ..NewTask::new(
                PLAN_TASK,
                format!("Revise the plan of household {} (revision {})", row.household_id, row.revision + 1),
                township.to_string(),
                Role::Operator,
            )
        };
        let task = s.engine.open(&txn, &p.subject, task).await?;
        changes.extend([
            (plan::Column::Revision, Expr::value(row.revision + 1)),
            plan::revision_kind_change(Some(body.kind)),
            (plan::Column::RevisionReason, Expr::value(reason.clone())),
            (plan::Column::TaskId, Expr::value(task.id)),
        ]);
    }
    if !plan::update(&txn, &row, changes, now).await? {
        return Err(stale().into());
    }
    let fresh = answer::row(&txn, row.id).await?;
    write_milestones(&txn, &s, &p, &fresh, &valid, current).await?;
    let action = if new_revision { "plan.revise" } else { "plan.redraft" };
    record(&txn, now, Entry::by(&p, action, &row.village).reason(Some(&reason)), &fresh).await?;
    if new_revision {
        let mut payload = changed(&fresh, PlanStatus::Draft)?;
        payload["kind"] = serde_json::Value::String(enum_str(&body.kind));
        announce(&txn, &s, PLAN_REVISED, &fresh, &p.subject, payload).await?;
    }
    let answer = answer::answer(&txn, &s, &fresh).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, revision = fresh.revision, "plan revised");
    Ok(answer)
}

/// The key a stored milestone is matched by across revisions.
fn key_of(m: &milestone::Model, measures: &[StoredMeasure]) -> Option<MilestoneKey> {
    let measure = measures.get(usize::try_from(m.measure).ok()?)?;
    Some(MilestoneKey { kind: measure.kind, addresses: measure.addresses.clone(), what: m.what.clone(), due: m.due })
}

/// The village or township records that the household acknowledged the draft (who, when); a
/// draft is submitted only once acknowledged.
#[tracing::instrument(skip_all, fields(actor = %p.subject, plan = %req.id))]
pub async fn acknowledge(s: State, p: Principal, req: Step<AcknowledgePlan>) -> Result<Plan> {
    let now = s.now();
    let today = beijing_date(now);
    let txn = s.db.begin().await?;
    let row = answer::row(&txn, req.id).await?;
    drafts(&p, &village_of(&row)?, hidden())?;
    check_version(req.expected_version, &row)?;
    domain::next(row.status()?, domain::Step::Acknowledge)?;
    let mut bad = Invalid::new();
    let by = text::field(&req.body.by, text::Kind::Name, "by", &mut bad);
    if !(1..=NAME_CHARS).contains(&by.chars().count()) {
        bad.push("by", format!("the household member who acknowledged: 1 to {NAME_CHARS} characters"));
    }
    let on = req.body.on.unwrap_or(today);
    if on > today || on < beijing_date(row.created_at) {
        bad.push(
            "on",
            format!("must be between {} (the plan's drafting) and today ({today})", beijing_date(row.created_at)),
        );
    }
    if !bad.is_empty() {
        return Err(bad.into());
    }
    let ack = PlanAcknowledgement { by, on, recorded_by: p.subject.clone() };
    if !plan::update(&txn, &row, vec![plan::acknowledgement_change(Some(&ack))?], now).await? {
        return Err(stale().into());
    }
    let fresh = answer::row(&txn, row.id).await?;
    record(&txn, now, Entry::by(&p, "plan.acknowledge", &row.village), &fresh).await?;
    let answer = answer::answer(&txn, &s, &fresh).await?;
    txn.commit().await?;
    Ok(answer)
}
