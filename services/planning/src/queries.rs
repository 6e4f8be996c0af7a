//! Reading plans in bulk: plans by division and filters, and how far planning has reached the
//! identified households of each division. Every query is a range scan over village codes
//! intersected with the caller's jurisdiction, plus at most one query for the milestones of the
//! plans found — never one query per row.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chain_api::Principal;
use chain_api::planning::{
    CoveragePage, MeasureKind, MilestoneState, PlanCoverage, PlanCoverageQuery, PlanPage, PlanQuery, PlanStatus,
    PlanSummary,
};
use chain_api::queries::GroupBy;
use chain_api::{Problem, limits::page};
use chain_domain::calendar::beijing_date;
use chain_domain::{Division, PovertyCause, registry};
use chain_kit::query::{limit, range, scope};
use chain_store::text::{enum_str, parse_enum};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};

use crate::State;
use crate::error::Result;
use crate::store::{household, milestone, plan};

/// The subquery of plans with a milestone past its due day (before `today`) and not done.
fn overdue_plans(today: chrono::NaiveDate) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(milestone::Column::PlanId)
        .from(milestone::Entity)
        .and_where(Expr::col(milestone::Column::State).eq(enum_str(&MilestoneState::Open)))
        .and_where(Expr::col(milestone::Column::TaskId).is_not_null())
        .and_where(Expr::col(milestone::Column::Due).lt(today))
        .to_owned()
}

/// `plan.list`: plans in the caller's jurisdiction and the prefix, filtered, in id order.
pub async fn list(s: State, p: Principal, q: PlanQuery) -> Result<PlanPage> {
    let size = limit(q.limit, 50, page::HOUSEHOLDS)?;
    let cause = match q.cause.as_deref().map(str::parse::<PovertyCause>) {
        Some(Err(_)) => return Err(Problem::invalid("cause", "unknown poverty cause").into()),
        Some(Ok(c)) => Some(c),
        None => None,
    };
    let Some(prefix) = scope(&p, q.division.as_deref())? else {
        return Ok(PlanPage { items: vec![], next_after: None });
    };
    let (lo, hi) = range(&prefix);
    let today = beijing_date(s.now());
    let mut find = plan::Entity::find().filter(plan::Column::Village.between(lo, hi));
    if let Some(status) = q.status {
        find = find.filter(plan::Column::Status.eq(enum_str(&status)));
    }
    // The measures are stored as compact JSON written by this service, so a property is found by
    // its exact text.
    if let Some(kind) = q.kind {
        find = find.filter(plan::Column::Measures.contains(format!("\"kind\":\"{}\"", enum_str(&kind))));
    }
    if let Some(cause) = cause {
        find = find.filter(plan::Column::Measures.contains(format!("\"addresses\":\"{cause}\"")));
    }
    match q.overdue {
        Some(true) => find = find.filter(plan::Column::Id.in_subquery(overdue_plans(today))),
        Some(false) => find = find.filter(plan::Column::Id.not_in_subquery(overdue_plans(today))),
        None => {}
    }
    if let Some(after) = q.after {
        find = find.filter(plan::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(plan::Column::Id).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut by_plan: HashMap<Uuid, Vec<milestone::Model>> = HashMap::new();
    if !ids.is_empty() {
        for m in milestone::Entity::find().filter(milestone::Column::PlanId.is_in(ids)).all(&s.db).await? {
            by_plan.entry(m.plan_id).or_default().push(m);
        }
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let measures = row.measures()?;
        let kinds: BTreeSet<MeasureKind> = measures.iter().map(|m| m.kind).collect();
        let causes: BTreeSet<String> = measures.iter().map(|m| m.addresses.clone()).collect();
        let ms = by_plan.remove(&row.id).unwrap_or_default();
        let open: Vec<&milestone::Model> = ms.iter().filter(|m| m.state == enum_str(&MilestoneState::Open)).collect();
        items.push(PlanSummary {
            id: row.id,
            household_id: row.household_id,
            village: row.village.clone(),
            revision: row.revision,
            status: row.status()?,
            kinds: kinds.into_iter().collect(),
            causes: causes.into_iter().collect(),
            budget_fen: measures.iter().map(|m| m.budget_fen).fold(0i64, i64::saturating_add),
            milestones: ms.len() as u32,
            done: (ms.len() - open.len()) as u32,
            overdue: open.iter().filter(|m| m.task_id.is_some() && m.due < today).count() as u32,
            next_due: open.iter().map(|m| m.due).min(),
            version: row.version,
            updated_at: row.updated_at,
        });
    }
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    Ok(PlanPage { items, next_after })
}

/// Counts grouped by the division at the grouping level and `keys` further columns: rows of
/// `(division, keys, count)`.
async fn grouped<C: ConnectionTrait>(
    conn: &C,
    select: &sea_orm::sea_query::SelectStatement,
    keys: usize,
) -> Result<Vec<(String, Vec<String>, i64)>> {
    let mut out = Vec::new();
    for row in conn.query_all(select).await? {
        let division: String = row.try_get_by_index(0)?;
        let mut values = Vec::with_capacity(keys);
        for i in 1..=keys {
            let value = match row.try_get_by_index::<String>(i) {
                Ok(v) => v,
                Err(_) => row.try_get_by_index::<i32>(i)?.to_string(),
            };
            values.push(value);
        }
        let n: i64 = row.try_get_by_index(keys + 1)?;
        out.push((division, values, n));
    }
    Ok(out)
}

/// `plan.coverage`: per division at the grouping level, the identified households planning knows,
/// how many have a plan, an approved one and a completed one, and the milestones overdue — three
/// grouped queries over the range, paged by division code.
pub async fn coverage(s: State, p: Principal, q: PlanCoverageQuery) -> Result<CoveragePage> {
    let size = limit(q.limit, 100, page::TREE)?;
    let digits: i32 = match q.group_by.unwrap_or_default() {
        GroupBy::County => 6,
        GroupBy::Township => 9,
        GroupBy::Village => 12,
    };
    if q.division.as_ref().is_some_and(|d| d.len() > digits as usize) {
        return Err(Problem::invalid("group_by", "must not be above the division's own level").into());
    }
    let Some(prefix) = scope(&p, q.division.as_deref())? else {
        return Ok(CoveragePage { items: vec![], next_after: None });
    };
    let (lo, hi) = range(&prefix);
    let at_level = |col: Expr| Func::cust("substr").arg(col).arg(1).arg(digits);
    let name = Alias::new("grouped_division");

    let mut households = Query::select();
    households
        .expr_as(at_level(Expr::col(household::Column::Village)), name.clone())
        .expr(Func::count(Expr::col(household::Column::HouseholdId)))
        .from(household::Entity)
        .and_where(Expr::col(household::Column::Village).between(lo.clone(), hi.clone()))
        .add_group_by([Expr::col(name.clone())]);
    let mut plans = Query::select();
    plans
        .expr_as(at_level(Expr::col(plan::Column::Village)), name.clone())
        .column(plan::Column::Status)
        .column(plan::Column::Revision)
        .expr(Func::count(Expr::col(plan::Column::Id)))
        .from(plan::Entity)
        .and_where(Expr::col(plan::Column::Village).between(lo.clone(), hi.clone()))
        .add_group_by([Expr::col(name.clone()), Expr::col(plan::Column::Status), Expr::col(plan::Column::Revision)]);
    let today = beijing_date(s.now());
    let mut overdue = Query::select();
    overdue
        .expr_as(at_level(Expr::col(milestone::Column::Village)), name.clone())
        .expr(Func::count(Expr::col(milestone::Column::Id)))
        .from(milestone::Entity)
        .and_where(Expr::col(milestone::Column::Village).between(lo, hi))
        .and_where(Expr::col(milestone::Column::State).eq(enum_str(&MilestoneState::Open)))
        .and_where(Expr::col(milestone::Column::TaskId).is_not_null())
        .and_where(Expr::col(milestone::Column::Due).lt(today))
        .add_group_by([Expr::col(name)]);

    let mut by: BTreeMap<String, PlanCoverage> = BTreeMap::new();
    fn entry(by: &mut BTreeMap<String, PlanCoverage>, division: String) -> &mut PlanCoverage {
        by.entry(division.clone()).or_insert_with(|| PlanCoverage {
            name: Division::parse(&division).ok().and_then(|d| registry().name(&d).map(str::to_owned)),
            division,
            households: 0,
            planned: 0,
            approved: 0,
            completed: 0,
            overdue_milestones: 0,
        })
    }
    for (division, _, n) in grouped(&s.db, &households, 0).await? {
        entry(&mut by, division).households += n as u64;
    }
    for (division, keys, n) in grouped(&s.db, &plans, 2).await? {
        let status: PlanStatus = parse_enum(&keys[0])?;
        let revised = keys[1].parse::<i32>().unwrap_or(1) > 1;
        let e = entry(&mut by, division);
        e.planned += n as u64;
        if revised || matches!(status, PlanStatus::Approved | PlanStatus::InProgress | PlanStatus::Completed) {
            e.approved += n as u64;
        }
        if status == PlanStatus::Completed {
            e.completed += n as u64;
        }
    }
    for (division, _, n) in grouped(&s.db, &overdue, 0).await? {
        entry(&mut by, division).overdue_milestones += n as u64;
    }
    // Divisions after `after` in code order (the gateway checked it is a division code).
    let after = q.after.unwrap_or_default();
    let mut items: Vec<PlanCoverage> = by.into_values().filter(|c| c.division > after).collect();
    let more = items.len() as u64 > size;
    items.truncate(size as usize);
    let next_after = if more { items.last().map(|c| c.division.clone()) } else { None };
    Ok(CoveragePage { items, next_after })
}
