//! Presence (驻村天数): an official covering the village records a member's days in it for a
//! month; a later record for the same member and month is a correction, its next version, and
//! every version stays readable. Once a month and the longest grace period are over, the month
//! is judged once: every member in the team during it who stayed fewer days than the policy's
//! minimum (in proportion to their days in the team that month; no record counts as 0) gets a
//! stored flag and a `presence-short` event, and the month can no longer be recorded.

use std::collections::HashMap;

use chain_api::events::{PRESENCE_SHORT, PresenceShort};
use chain_api::planning::{FlagPage, FlagQuery, PresenceRecord, ReadPresence, RecordPresence};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Division;
use chain_kit::rows;
use chrono::{DateTime, Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect, TransactionTrait};

use crate::State;
use crate::domain::team::{self as rules, Month, Refusal};
use crate::error::Result;
use crate::store::team::{flag, judged, member, presence, work_team};
use crate::team::kit::{self, hidden, policies};

fn concurrent() -> Problem {
    Problem::new(ProblemKind::StaleVersion, "the month was recorded concurrently; read it again")
}

/// The latest version of each member's record of `month` among `records`.
fn latest(records: &[presence::Model]) -> HashMap<Uuid, &presence::Model> {
    let mut out: HashMap<Uuid, &presence::Model> = HashMap::new();
    for r in records {
        if out.get(&r.member_id).is_none_or(|seen| seen.version < r.version) {
            out.insert(r.member_id, r);
        }
    }
    out
}

/// `team.record-presence`: an operator or approver covering the village records a member's days
/// of a month; with `If-Match`, only over the version read.
#[tracing::instrument(skip_all, fields(actor = %p.subject, team = %req.id))]
pub async fn record(s: State, p: Principal, req: Step<RecordPresence>) -> Result<PresenceRecord> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let row = work_team::Entity::find_by_id(req.id).one(&txn).await?.ok_or_else(hidden)?;
    let village = kit::village_of(&row)?;
    p.require_within(&[Role::Operator, Role::Approver], &village, hidden())?;
    let m = member::Entity::find_by_id(req.body.member_id)
        .one(&txn)
        .await?
        .filter(|m| m.team_id == row.id)
        .ok_or_else(|| Problem::not_found("team member"))?;
    let (month, note) = rules::validate_presence(&req.body, &m.membership(), kit::today(&s))?;
    let label = month.to_string();
    if judged::Entity::find_by_id(label.clone()).one(&txn).await?.is_some() {
        return Err(Problem::new(ProblemKind::Conflict, Refusal::MonthJudged(label).to_string()).into());
    }
    let seen = presence::Entity::find()
        .filter(presence::Column::MemberId.eq(m.id))
        .filter(presence::Column::Month.eq(label.as_str()))
        .order_by_desc(presence::Column::Version)
        .one(&txn)
        .await?
        .map_or(0, |r| r.version);
    if let Some(v) = req.expected_version
        && v != seen
    {
        let detail = format!("the month's record is at version {seen}, not {v}");
        return Err(Problem::new(ProblemKind::PreconditionFailed, detail).into());
    }
    let new = presence::ActiveModel {
        id: Set(Uuid::now_v7()),
        team_id: Set(row.id),
        member_id: Set(m.id),
        month: Set(label.clone()),
        days: Set(req.body.days as i32),
        version: Set(seen + 1),
        note: Set(note),
        recorded_by: Set(p.subject.clone()),
        recorded_at: Set(now),
    };
    let saved = rows::insert_or(&txn, new, concurrent).await?;
    let payload = serde_json::json!({ "team_id": row.id, "member_id": m.id, "month": label, "days": req.body.days, "version": saved.version });
    kit::record(&txn, now, kit::entry(&p, "team.record-presence", &row.village), row.id, payload).await?;
    txn.commit().await?;
    tracing::info!(team = %row.id, member = %m.id, month = %saved.month, version = saved.version, "presence recorded");
    Ok(saved.to_api())
}

/// `team.presence`: every record of the team's month, corrections included, by member and
/// version.
pub async fn read(s: State, p: Principal, req: ReadPresence) -> Result<Vec<PresenceRecord>> {
    let row = work_team::Entity::find_by_id(req.id).one(&s.db).await?.ok_or_else(hidden)?;
    if !p.covers(&kit::village_of(&row)?) {
        return Err(hidden().into());
    }
    let month = Month::parse(&req.month).ok_or_else(|| Problem::invalid("month", "must be a month as YYYY-MM"))?;
    let records = presence::Entity::find()
        .filter(presence::Column::TeamId.eq(row.id))
        .filter(presence::Column::Month.eq(month.to_string()))
        .order_by_asc(presence::Column::MemberId)
        .order_by_asc(presence::Column::Version)
        .all(&s.db)
        .await?;
    Ok(records.iter().map(presence::Model::to_api).collect())
}

/// `team.flags`: flags inside the caller's jurisdiction and the prefix, oldest first.
pub async fn flags(s: State, p: Principal, q: FlagQuery) -> Result<FlagPage> {
    let limit = chain_kit::query::limit(q.limit, 50, chain_api::limits::page::TEAMS)?;
    let month = match &q.month {
        Some(m) => Some(Month::parse(m).ok_or_else(|| Problem::invalid("month", "must be a month as YYYY-MM"))?),
        None => None,
    };
    let Some(prefix) = chain_kit::query::scope(&p, q.division.as_deref())? else {
        return Ok(FlagPage { items: vec![], next_after: None });
    };
    let (lo, hi) = chain_kit::query::range(&prefix);
    let mut find = flag::Entity::find().filter(flag::Column::Village.between(lo, hi));
    if let Some(m) = month {
        find = find.filter(flag::Column::Month.eq(m.to_string()));
    }
    if let Some(after) = q.after {
        find = find.filter(flag::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(flag::Column::Id).limit(limit + 1).all(&s.db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<Uuid> = rows.iter().map(|f| f.member_id).collect();
    let members: HashMap<Uuid, member::Model> = member::Entity::find()
        .filter(member::Column::Id.is_in(ids))
        .all(&s.db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let items =
        rows.iter().filter_map(|f| members.get(&f.member_id).map(|m| f.to_api(m))).collect::<Result<Vec<_>, _>>()?;
    let next_after = if more { rows.last().map(|f| f.id) } else { None };
    Ok(FlagPage { items, next_after })
}

/// The first month still to be judged: the one after the latest judged, else the month in which
/// the first member was recorded (by the engine's clock: a member entered with a term that began
/// earlier is not held to the months before anyone was recorded), or `None` before that.
pub async fn next_to_judge<C: ConnectionTrait>(conn: &C) -> Result<Option<Month>> {
    let latest = judged::Entity::find().order_by_desc(judged::Column::Month).one(conn).await?;
    if let Some(month) = latest.and_then(|j| Month::parse(&j.month)) {
        return Ok(Some(month.next()));
    }
    let first = member::Entity::find().order_by_asc(member::Column::AssignedAt).one(conn).await?;
    Ok(first.map(|m| Month::of(chain_domain::calendar::beijing_date(m.assigned_at))))
}

/// Whether `month` has been judged.
pub async fn was_judged<C: ConnectionTrait>(conn: &C, month: Month) -> Result<bool> {
    Ok(judged::Entity::find_by_id(month.to_string()).one(conn).await?.is_some())
}

/// Judges `month` at `at` in one transaction: flags every member short of the minimum and
/// announces each flag. A month another replica judged first is left alone. The number of flags.
pub async fn judge(s: &State, month: Month, at: DateTime<Utc>) -> Result<u32> {
    let txn = s.db.begin().await?;
    let label = month.to_string();
    let claim = judged::ActiveModel { month: Set(label.clone()), flags: Set(0), judged_at: Set(at) };
    let claimed = judged::Entity::insert(claim).on_conflict_do_nothing().exec_without_returning(&txn).await?;
    if !matches!(claimed, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(0);
    }
    let members = member::Entity::find()
        .filter(member::Column::TermStart.lte(month.last()))
        .filter(member::Column::TermEnd.gte(month.first()))
        .all(&txn)
        .await?;
    let records = presence::Entity::find().filter(presence::Column::Month.eq(label.as_str())).all(&txn).await?;
    let latest = latest(&records);
    let mut count = 0;
    for m in &members {
        let in_team = m.membership().days_in(month);
        let village = Division::parse(&m.village).map_err(anyhow::Error::from)?;
        let min = policies().for_year(month.first().year(), &village).min_presence_days;
        let required = rules::required_days(min, month, in_team);
        let days = latest.get(&m.id).map_or(0, |r| r.days.max(0) as u32);
        if required == 0 || days >= required {
            continue;
        }
        let id = Uuid::now_v7();
        let row = flag::ActiveModel {
            id: Set(id),
            team_id: Set(m.team_id),
            village: Set(m.village.clone()),
            member_id: Set(m.id),
            month: Set(label.clone()),
            days: Set(days as i32),
            required: Set(required as i32),
            flagged_at: Set(at),
        };
        row.insert(&txn).await?;
        let short = PresenceShort {
            flag_id: id,
            team_id: m.team_id,
            village: m.village.clone(),
            member_id: m.id,
            month: label.clone(),
            days,
            required,
        };
        kit::publish(&txn, s, PRESENCE_SHORT, &m.village, m.team_id, "system", &short).await?;
        count += 1;
    }
    judged::Entity::update_many()
        .col_expr(judged::Column::Flags, sea_orm::sea_query::Expr::value(count as i32))
        .filter(judged::Column::Month.eq(label.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if count > 0 {
        s.outbox.wake();
    }
    tracing::info!(month = %label, flags = count, members = members.len(), "presence judged");
    Ok(count)
}
