//! The obligation that every poor village has a first secretary in office, tracked as work on the
//! engine. A village becomes poor when its first household is identified; its team is opened
//! then if it had none. Whenever a poor village has no first secretary — from the start, after
//! one was ended, or once a term is over by the engine's clock — its county gets a `team.village`
//! task (due the policy's `send_team_days` later; the deadline ladder reminds and escalates it);
//! assigning a first secretary signs the task off. A term that ends thus opens a fresh task, and
//! the village shows as uncovered until the next first secretary is sent. A directive to send a
//! team to every poor village ([`SEND_TEAMS`]) is satisfied by these assignments: a county's (or a
//! village's) task of it is submitted once none of its poor villages lacks a first secretary.
//! Also the county's query of its poor villages without one.

use anyhow::Context;
use chain_api::planning::{CoverageQuery, SEND_TEAMS, UncoveredPage, UncoveredVillage};
use chain_api::workflow::TaskState;
use chain_api::{Principal, Role};
use chain_domain::calendar::beijing_date;
use chain_domain::{Division, Layer, Level};
use chain_workflow::{Action, Engine, NewTask};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

use crate::State;
use crate::error::Result;
use crate::store::team::{self as teams, work_team};
use crate::team::kit::{self, TEAM_TASK, policies};

/// Opens the county's task to send a first secretary to the team's village, due the policy's
/// days after `at`.
pub async fn open_task<C: ConnectionTrait>(
    conn: &C,
    engine: &Engine,
    row: &work_team::Model,
    why: &str,
    at: DateTime<Utc>,
    actor: &str,
) -> anyhow::Result<()> {
    let village = Division::parse(&row.village).context("reading the team's village")?;
    let county = village.ancestor_at(chain_domain::Level::County).context("the village lies above the county level")?;
    let days = policies().for_year(beijing_date(at).year(), &village).send_team_days;
    let task = NewTask {
        subject_id: Some(row.id),
        due_at: Some(at + chrono::Duration::days(i64::from(days))),
        body: serde_json::json!({ "team_id": row.id, "village": row.village, "why": why }),
        ..NewTask::new(
            TEAM_TASK,
            format!("Send a work team with a first secretary to village {}", row.village),
            county.to_string(),
            Role::Operator,
        )
    };
    engine.open(conn, actor, task).await.context("opening the team.village task")?;
    tracing::info!(team = %row.id, village = %row.village, why, "county asked to send a first secretary");
    Ok(())
}

/// Signs the team's unfinished `team.village` task off on behalf of `p`, who assigned a first
/// secretary: started if nobody had, submitted, signed off.
pub async fn sign_off<C: ConnectionTrait>(
    conn: &C,
    engine: &Engine,
    p: &Principal,
    row: &work_team::Model,
) -> Result<()> {
    let Some(task) = engine.procedure_task(conn, TEAM_TASK, row.id, None).await? else {
        return Ok(());
    };
    let moves: &[Action] = match task.state {
        TaskState::Open | TaskState::Returned => &[Action::Start, Action::Submit, Action::SignOff],
        TaskState::InProgress => &[Action::Submit, Action::SignOff],
        TaskState::Submitted => &[Action::SignOff],
        TaskState::SignedOff | TaskState::Cancelled => &[],
    };
    let moves: Vec<(&str, Action)> = moves.iter().map(|a| (task.division.as_str(), *a)).collect();
    engine.advance(conn, p, TEAM_TASK, row.id, &moves, Some("a first secretary was assigned")).await?;
    Ok(())
}

/// Whether a poor village of the division (a county's villages, or one village) lacks a first
/// secretary in office on `today`.
async fn any_uncovered<C: ConnectionTrait>(conn: &C, division: &Division, today: NaiveDate) -> Result<bool> {
    let (lo, hi) = chain_kit::query::range(division.as_str());
    let found = work_team::Entity::find()
        .filter(work_team::Column::Village.between(lo, hi))
        .filter(work_team::Column::Poor.eq(true))
        .filter(uncovered_on(today))
        .one(conn)
        .await?;
    Ok(found.is_some())
}

/// A poor village's team without a first secretary in office on `today`: none sent, the term
/// over or ended, or the next one not started.
fn uncovered_on(today: NaiveDate) -> Condition {
    Condition::any()
        .add(work_team::Column::SecretaryUntil.is_null())
        .add(work_team::Column::SecretaryUntil.lt(today))
        .add(work_team::Column::SecretaryFrom.gt(today))
}

/// Submits the division's tasks of a [`SEND_TEAMS`] directive (a county's or a village's) once
/// none of its poor villages lacks a first secretary in office on `today`; answers how many were
/// submitted. A task of another layer is left to its owner.
pub async fn satisfy<C: ConnectionTrait>(
    conn: &C,
    engine: &Engine,
    division: &Division,
    today: NaiveDate,
) -> Result<usize> {
    if !matches!(division.level(), Level::County | Level::Village) || any_uncovered(conn, division, today).await? {
        return Ok(0);
    }
    let why = "every poor village has a first secretary in office";
    let moved = engine
        .transition_owned(conn, &Principal::system(), SEND_TEAMS, division.as_str(), Action::Submit, Some(why))
        .await?;
    let mut submitted = 0;
    for m in moved {
        match m {
            Ok(task) => {
                submitted += 1;
                tracing::info!(task = %task.id, %division, "directive to send teams satisfied");
            }
            Err(problem) => tracing::warn!(%division, %problem, "a directive to send teams could not be submitted"),
        }
    }
    Ok(submitted)
}

/// The divisions with [`SEND_TEAMS`] tasks still awaiting them, after `after`, at most `limit`.
pub async fn awaiting_teams<C: ConnectionTrait>(
    conn: &C,
    engine: &Engine,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Division>> {
    let codes = engine.divisions_awaiting(conn, SEND_TEAMS, after, limit).await?;
    Ok(codes.iter().filter_map(|c| Division::parse(c).ok()).collect())
}

/// On the identification of a household in `village` at `at`: the village is poor. Its team is
/// opened if it had none, and when it has no first secretary in office the county gets its task.
pub async fn village_poor<C: ConnectionTrait>(
    conn: &C,
    engine: &Engine,
    village: &Division,
    at: DateTime<Utc>,
    actor: &str,
) -> anyhow::Result<()> {
    let today = beijing_date(at);
    let row = match teams::of_village(conn, village.as_str()).await? {
        Some(row) if row.poor => return Ok(()),
        Some(row) => {
            let changes = vec![(work_team::Column::Poor, Expr::value(true))];
            if !teams::bump(conn, &row, at, changes).await? {
                anyhow::bail!("the team of {village} changed while it was marked poor");
            }
            work_team::Model { poor: true, version: row.version + 1, ..row }
        }
        None => {
            let new = work_team::ActiveModel {
                id: Set(Uuid::now_v7()),
                village: Set(village.to_string()),
                poor: Set(true),
                secretary_from: Set(None),
                secretary_until: Set(None),
                secretary_id: Set(None),
                task_open: Set(false),
                version: Set(1),
                created_by: Set(actor.to_owned()),
                created_at: Set(at),
                updated_at: Set(at),
            };
            new.insert(conn).await?
        }
    };
    if !row.task_open && !kit::covered(&row, today) && row.secretary_until.is_none_or(|u| u < today) {
        open_task(conn, engine, &row, "the village became poor", at, actor).await?;
        if !teams::bump(conn, &row, at, vec![(work_team::Column::TaskOpen, Expr::value(true))]).await? {
            anyhow::bail!("the team of {village} changed while its task was opened");
        }
    }
    tracing::info!(%village, team = %row.id, "village is poor");
    Ok(())
}

/// Poor villages with no task open whose first secretary's term is over (or who never had one):
/// at most `limit`, for the sweep to open their tasks.
pub async fn lapsed<C: ConnectionTrait>(conn: &C, today: NaiveDate, limit: u64) -> Result<Vec<work_team::Model>> {
    let rows = work_team::Entity::find()
        .filter(work_team::Column::Poor.eq(true))
        .filter(work_team::Column::TaskOpen.eq(false))
        .filter(
            Condition::any()
                .add(work_team::Column::SecretaryUntil.is_null())
                .add(work_team::Column::SecretaryUntil.lt(today)),
        )
        .order_by_asc(work_team::Column::Village)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows)
}

/// `team.uncovered`: the poor villages inside the caller's jurisdiction and the prefix with no
/// first secretary in office today, in code order.
pub async fn uncovered(s: State, p: Principal, q: CoverageQuery) -> Result<UncoveredPage> {
    if p.layer() > Layer::County {
        return Err(chain_api::Problem::forbidden("coverage is read by the county or a higher layer").into());
    }
    let limit = chain_kit::query::limit(q.limit, 50, chain_api::limits::page::TEAMS)?;
    let Some(prefix) = chain_kit::query::scope(&p, q.division.as_deref())? else {
        return Ok(UncoveredPage { items: vec![], next_after: None });
    };
    let today = kit::today(&s);
    let (lo, hi) = chain_kit::query::range(&prefix);
    let mut find = work_team::Entity::find()
        .filter(work_team::Column::Village.between(lo, hi))
        .filter(work_team::Column::Poor.eq(true))
        .filter(uncovered_on(today));
    if let Some(after) = &q.after {
        find = find.filter(work_team::Column::Village.gt(after.as_str()));
    }
    let mut rows = find.order_by_asc(work_team::Column::Village).limit(limit + 1).all(&s.db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let items = rows
        .iter()
        .map(|r| UncoveredVillage {
            village: r.village.clone(),
            team_id: r.id,
            reason: match (r.secretary_from, r.secretary_until) {
                (Some(from), _) if from > today => "term_not_started",
                (_, Some(_)) => "term_ended",
                _ => "no_first_secretary",
            }
            .to_owned(),
            last_term_end: r.secretary_until,
        })
        .collect();
    let next_after = if more { rows.last().map(|r| r.village.clone()) } else { None };
    Ok(UncoveredPage { items, next_after })
}
