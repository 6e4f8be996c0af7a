//! Factor-based allocation plans (DOMAIN.md §5): an approver of the centre or a province
//! proposes to split a total of one fund and year among the divisions one level below (centre →
//! provinces, province → its counties) by the year's factor tables; the answer is the preview —
//! each recipient's score, share and amount, rounded by largest remainder so the amounts sum to
//! the total — with any hand-set amounts and their reasons. A second approver of the same layer
//! approves it, which commits every line as an allocation in one transaction (with their tasks,
//! audit entries and events), or none.

use anyhow::Context;
use chain_api::funding::{AllocationPlan, AllocationPlanStatus, CreateAllocationPlan, PlanLine};
use chain_api::step::{ById, Decision, Step};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Jurisdiction, Level, Money};
use chain_store::audit::{self, Entry};
use chain_store::text::{enum_str, parse_enum};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::allocation::{Allot, allocatable, allot};
use crate::domain::factors::{FactorTables, SplitError, split};
use crate::error::Result;
use crate::ledger::CENTRE;
use crate::store::allocation_plan;
use crate::{State, domain, movement};

fn hidden() -> Problem {
    Problem::not_found("allocation plan")
}

/// Whether `p` may read a plan of `allocator`: the centre's only the central layer, a province's
/// anyone whose jurisdiction covers it.
pub fn visible(p: &Principal, allocator: &str) -> bool {
    match Division::parse(allocator) {
        Ok(d) => p.covers(&d),
        Err(_) => allocator == CENTRE && p.jurisdiction == Jurisdiction::National,
    }
}

/// A plan row in API form.
pub fn to_api(row: allocation_plan::Model) -> Result<AllocationPlan> {
    Ok(AllocationPlan {
        id: row.id,
        allocator: row.allocator,
        fund: row.fund,
        year: row.year,
        factors_year: row.factors_year,
        level: row.level,
        total_fen: row.total_fen,
        status: parse_enum(&row.status).context("reading a plan's status")?,
        lines: serde_json::from_str(&row.lines).context("reading a plan's lines")?,
        proposed_by: row.proposed_by,
        approved_by: row.approved_by,
        created_at: row.created_at,
        approved_at: row.approved_at,
        version: row.version,
    })
}

/// `allocation-plan.create`: proposes a split and answers its preview.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn create(s: State, p: Principal, req: CreateAllocationPlan) -> Result<AllocationPlan> {
    let valid = domain::validate_plan(&req, s.now().year())?;
    if !p.has(Role::Approver) {
        return Err(Problem::forbidden("allocation plans need the approver role").into());
    }
    let from = p.jurisdiction.division().cloned();
    if from.as_ref().is_some_and(|d| d.level() != Level::Province) {
        return Err(Problem::forbidden("factor-based plans are made by the centre and by provinces").into());
    }
    let fund = allocatable(&valid.fund, valid.year, from.as_ref(), "fund")?;
    let recipients = FactorTables::embedded().recipients(from.as_ref(), valid.year).ok_or_else(|| {
        Problem::invalid("year", format!("no factor table for this layer's recipients in or before {}", valid.year))
    })?;
    let mut bad = chain_domain::Invalid::new();
    for (i, (to, _, _)) in valid.hand_set.iter().enumerate() {
        if !recipients.scores.iter().any(|(d, _)| d == to) {
            bad.push(format!("hand_set/{i}/to"), "is not one of this plan's recipients, one level below you");
        }
    }
    bad.or(())?;
    let lines = split(valid.total.fen(), &recipients, &valid.hand_set).map_err(|e| match e {
        SplitError::HandSetOverTotal | SplitError::NothingToSplitAmong(_) => {
            Problem::invalid("hand_set", e.to_string())
        }
        SplitError::Overflow => Problem::invalid("total_fen", e.to_string()),
    })?;
    let lines: Vec<PlanLine> = lines
        .into_iter()
        .map(|l| PlanLine {
            to: l.to.to_string(),
            score: (l.score * 1e9).round() / 1e9,
            share: (l.share * 1e9).round() / 1e9,
            amount_fen: l.amount_fen,
            hand_set_reason: l.reason,
            allocation_id: None,
        })
        .collect();
    let (id, now) = (Uuid::now_v7(), movement::now(&s));
    let allocator = p.jurisdiction.to_string();
    let row = allocation_plan::ActiveModel {
        id: Set(id),
        allocator: Set(allocator.clone()),
        fund: Set(fund.code.clone()),
        year: Set(valid.year),
        factors_year: Set(recipients.factors_year),
        level: Set(recipients.level.name().to_owned()),
        total_fen: Set(valid.total.fen()),
        status: Set(enum_str(&AllocationPlanStatus::Proposed)),
        lines: Set(serde_json::to_string(&lines).context("encoding a plan's lines")?),
        proposed_by: Set(p.subject.clone()),
        approved_by: Set(None),
        created_at: Set(now),
        approved_at: Set(None),
        version: Set(1),
    };
    let txn = s.db.begin().await?;
    let row = row.insert(&txn).await?;
    let payload =
        serde_json::json!({ "fund": row.fund, "year": row.year, "total_fen": row.total_fen, "lines": lines.len() });
    audit::append(&txn, s.now(), Entry::by(&p, "allocation-plan.create", &allocator).about(id).payload(&payload))
        .await?;
    txn.commit().await?;
    tracing::info!(plan = %id, %allocator, total = %valid.total, "allocation plan proposed");
    to_api(row)
}

/// `allocation-plan.get`: one plan, if the caller may read it.
pub async fn get(s: State, p: Principal, req: ById) -> Result<AllocationPlan> {
    let row = allocation_plan::Entity::find_by_id(req.id).one(&s.db).await?.ok_or_else(hidden)?;
    if !visible(&p, &row.allocator) {
        return Err(hidden().into());
    }
    to_api(row)
}

/// `allocation-plan.approve`: a second approver of the allocating layer commits the plan: every
/// line with an amount becomes an allocation, all in one transaction.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn approve(s: State, p: Principal, req: Step<Decision>) -> Result<AllocationPlan> {
    let txn = s.db.begin().await?;
    let row = allocation_plan::Entity::find_by_id(req.id).one(&txn).await?.ok_or_else(hidden)?;
    if !visible(&p, &row.allocator) {
        return Err(hidden().into());
    }
    if p.jurisdiction.to_string() != row.allocator || !p.has(Role::Approver) {
        return Err(Problem::forbidden("a plan is approved by an approver of the layer that allocates").into());
    }
    if row.proposed_by == p.subject {
        return Err(Problem::forbidden("a plan is approved by a second official, not the one who proposed it").into());
    }
    if req.expected_version.is_some_and(|v| v != row.version) {
        return Err(Problem::new(ProblemKind::StaleVersion, "the plan changed since you read it").into());
    }
    let now = movement::now(&s);
    // Exactly once: the first approval moves the status from `proposed`; any other matches none.
    let moved = allocation_plan::Entity::update_many()
        .col_expr(allocation_plan::Column::Status, Expr::value(enum_str(&AllocationPlanStatus::Committed)))
        .col_expr(allocation_plan::Column::ApprovedBy, Expr::value(p.subject.clone()))
        .col_expr(allocation_plan::Column::ApprovedAt, Expr::value(now))
        .col_expr(allocation_plan::Column::Version, Expr::col(allocation_plan::Column::Version).add(1))
        .filter(allocation_plan::Column::Id.eq(row.id))
        .filter(allocation_plan::Column::Status.eq(enum_str(&AllocationPlanStatus::Proposed)))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::InvalidTransition, "the plan is already committed").into());
    }
    let from = Division::parse(&row.allocator).ok();
    let fund = allocatable(&row.fund, row.year, from.as_ref(), "fund")?;
    let mut lines: Vec<PlanLine> = serde_json::from_str(&row.lines).context("reading a plan's lines")?;
    for line in lines.iter_mut().filter(|l| l.amount_fen > 0) {
        let to = Division::parse(&line.to).context("reading a plan line's recipient")?;
        let reason = line.hand_set_reason.clone().unwrap_or_else(|| {
            format!("factor allocation plan {}: score {:.6}, share {:.6}", row.id, line.score, line.share)
        });
        let transfer_id = Uuid::now_v7();
        let request =
            serde_json::json!({ "verb": "allocation-plan.approve", "plan": row.id, "to": line.to }).to_string();
        let a = Allot {
            from: from.as_ref(),
            to: &to,
            fund,
            year: row.year,
            amount: Money::from_fen(line.amount_fen),
            reason: &reason,
            plan_id: Some(row.id),
            transfer_id,
            request,
        };
        line.allocation_id = Some(allot(&s, &txn, &p, a).await?.id);
    }
    let mut active: allocation_plan::ActiveModel =
        allocation_plan::Entity::find_by_id(row.id).one(&txn).await?.context("re-reading the plan")?.into();
    active.lines = Set(serde_json::to_string(&lines).context("encoding a plan's lines")?);
    let committed = active.update(&txn).await?;
    let payload = serde_json::json!({ "total_fen": row.total_fen, "allocations": lines.iter().filter(|l| l.allocation_id.is_some()).count(), "note": req.body.note });
    let entry = Entry::by(&p, "allocation-plan.approve", &row.allocator).about(row.id).payload(&payload);
    audit::append(&txn, s.now(), entry).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(plan = %row.id, "allocation plan committed");
    to_api(committed)
}
