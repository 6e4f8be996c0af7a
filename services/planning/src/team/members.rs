//! The team's verbs: a county official of the village's county opens a village's team, sends
//! members to it (a new first secretary replaces the current one, whose membership ends the day
//! before), and ends memberships; anyone covering the village reads the team, phones masked
//! unless a `pii_reader` asks for them (an audited read). Every change is version-guarded on the
//! team, audited and announced in the transaction that makes it.

use anyhow::Context;
use chain_api::events::{TEAM_ASSIGNED, TEAM_MEMBER_ENDED, TeamAssigned, TeamMemberEnded};
use chain_api::planning::{AssignMember, CreateTeam, EndMember, ReadTeam, Team, TeamRole};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::cadre::mask_phone;
use chain_domain::{Division, Layer, Level, registry};
use chain_kit::rows;
use chain_store::pii::PiiKey;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, QuerySelect, TransactionTrait};

use crate::State;
use crate::domain::team::{self as rules, EndError, ValidMember, role_label};
use crate::error::{Error, Result};
use crate::store::team::{self as teams, member, work_team};
use crate::team::coverage;
use crate::team::kit::{self, hidden, policies};

const COUNTY_OFFICIALS: [Role; 2] = [Role::Operator, Role::Approver];

fn conflict() -> Problem {
    Problem::new(ProblemKind::Conflict, "the village has a work team already")
}

fn stale() -> Problem {
    Problem::new(ProblemKind::StaleVersion, "the team changed concurrently; read it again")
}

fn no_member() -> Problem {
    Problem::not_found("team member")
}

impl From<EndError> for Error {
    fn from(e: EndError) -> Error {
        match e {
            EndError::Invalid(bad) => bad.into(),
            EndError::Refused(r) => Error::Refused(Problem::new(ProblemKind::Conflict, r.to_string())),
        }
    }
}

/// Refuses a step made at a version other than the team's.
fn check_version(row: &work_team::Model, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != row.version => {
            let detail = format!("the team is at version {}, not {v}", row.version);
            Err(Problem::new(ProblemKind::PreconditionFailed, detail).into())
        }
        _ => Ok(()),
    }
}

/// `team.create`: a county official opens the work team of a village of the county (a village
/// that became poor has one already); a village designated poor is owed a first secretary at
/// once, and the county's `team.village` task opens with the team.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn create(s: State, p: Principal, req: CreateTeam) -> Result<Team> {
    let village = match Division::parse(&req.village) {
        Ok(d) if d.level() == Level::Village && registry().exists(&d) => d,
        _ => return Err(Problem::invalid("village", "must be the 12-digit code of a village in the registry").into()),
    };
    let forbidden = Problem::forbidden("the village lies outside your jurisdiction");
    p.require(&COUNTY_OFFICIALS, Layer::County, &village, forbidden)?;
    let now = s.now();
    let txn = s.db.begin().await?;
    let new = work_team::ActiveModel {
        id: Set(Uuid::now_v7()),
        village: Set(village.to_string()),
        poor: Set(req.designated_poor),
        secretary_from: Set(None),
        secretary_until: Set(None),
        secretary_id: Set(None),
        task_open: Set(req.designated_poor),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let row = rows::insert_or(&txn, new, conflict).await?;
    if row.poor {
        coverage::open_task(&txn, &s.engine, &row, "the village was designated poor", now, &p.subject).await?;
    }
    let entry = kit::entry(&p, "team.create", &row.village);
    let payload = serde_json::json!({ "team_id": row.id, "designated_poor": row.poor });
    kit::record(&txn, now, entry, row.id, payload).await?;
    txn.commit().await?;
    tracing::info!(team = %row.id, village = %row.village, "work team opened");
    kit::load(&s, row.id).await
}

/// `team.get`: a team, by id or village, inside the caller's jurisdiction.
pub async fn get(s: State, p: Principal, req: ReadTeam) -> Result<Team> {
    let row = match (req.id, req.village.as_deref()) {
        (Some(id), _) => work_team::Entity::find_by_id(id).one(&s.db).await?,
        (None, Some(v)) => teams::of_village(&s.db, v).await?,
        (None, None) => return Err(Problem::invalid("id", "give a team id or a village code").into()),
    }
    .ok_or_else(hidden)?;
    let village = kit::village_of(&row)?;
    if !p.covers(&village) {
        return Err(hidden().into());
    }
    if !req.unmask {
        return kit::load(&s, row.id).await;
    }
    if !p.has(Role::PiiReader) {
        return Err(Problem::forbidden("reading unmasked personal data needs the pii_reader role").into());
    }
    let txn = s.db.begin().await?;
    let (row, members) = kit::find(&txn, row.id).await?;
    let payload = serde_json::json!({ "team_id": row.id, "fields": ["phone"], "members": members.len() });
    kit::record(&txn, s.now(), kit::entry(&p, "team.pii-read", &row.village), row.id, payload).await?;
    let team = kit::to_api(&row, &members, kit::today(&s), Some(&s.pii))?;
    txn.commit().await?;
    tracing::info!(team = %row.id, actor = %p.subject, "phones read unmasked");
    Ok(team)
}

/// `team.assign-member`: a county official of the village's county sends a member. A first
/// secretary replaces the current one (rotation: the earlier membership ends the day before the
/// new term, and stays on record) and signs off the county's `team.village` task.
#[tracing::instrument(skip_all, fields(actor = %p.subject, team = %req.id))]
pub async fn assign(s: State, p: Principal, req: Step<AssignMember>) -> Result<Team> {
    let now = s.now();
    let today = kit::today(&s);
    let txn = s.db.begin().await?;
    let row = teams::locked(&txn, req.id).await?.ok_or_else(hidden)?;
    let village = kit::village_of(&row)?;
    p.require(&COUNTY_OFFICIALS, Layer::County, &village, hidden())?;
    check_version(&row, req.expected_version)?;
    let valid = rules::validate_member(&req.body, &village, today, policies())?;
    let members = teams::members(&txn, row.id).await?;
    let key = row.id.to_string();
    let previous = members.iter().find(|m| m.secretary_key.as_deref() == Some(key.as_str()));
    let secretary = valid.role == TeamRole::FirstSecretary;
    if let Some(prev) = previous.filter(|_| secretary)
        && valid.term_start <= prev.term_start
    {
        let detail = format!("must be after the current first secretary's term started, on {}", prev.term_start);
        return Err(chain_domain::Invalid::field("term_start", detail).into());
    }
    let id = Uuid::now_v7();
    let mut changes = Vec::new();
    if secretary {
        changes.push((work_team::Column::SecretaryFrom, Expr::value(valid.term_start)));
        changes.push((work_team::Column::SecretaryUntil, Expr::value(valid.term_end)));
        changes.push((work_team::Column::SecretaryId, Expr::value(id)));
        changes.push((work_team::Column::TaskOpen, Expr::value(false)));
    }
    if !teams::bump(&txn, &row, now, changes).await? {
        return Err(stale().into());
    }
    let replaces = match previous.filter(|_| secretary) {
        Some(prev) => Some(rotate(&s, &txn, &p, &row, prev, valid.term_start).await?),
        None => None,
    };
    insert_member(&txn, &s.pii, &p, &row, id, &valid, now).await?;
    if secretary && row.task_open {
        coverage::sign_off(&txn, &s.engine, &p, &row).await?;
    }
    if secretary {
        let village = kit::village_of(&row)?;
        let county = village.ancestor_at(chain_domain::Level::County).unwrap_or_else(|| village.clone());
        for division in [&village, &county] {
            coverage::satisfy(&txn, &s.engine, division, kit::today(&s)).await?;
        }
    }
    let payload =
        serde_json::json!({ "team_id": row.id, "member_id": id, "role": role_label(valid.role), "replaces": replaces });
    kit::record(&txn, now, kit::entry(&p, "team.assign-member", &row.village), row.id, payload).await?;
    let assigned = TeamAssigned {
        team_id: row.id,
        village: row.village.clone(),
        member_id: id,
        name: valid.name.clone(),
        unit: valid.unit.clone(),
        unit_layer: valid.unit_layer.as_str().to_owned(),
        unit_division: valid.unit_division.clone(),
        role: valid.role,
        term_start: valid.term_start,
        term_end: valid.term_end,
        replaces,
    };
    kit::publish(&txn, &s, TEAM_ASSIGNED, &row.village, row.id, &p.subject, &assigned).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(team = %row.id, member = %id, role = role_label(valid.role), "member assigned");
    kit::load(&s, row.id).await
}

async fn insert_member<C: ConnectionTrait>(
    conn: &C,
    pii: &PiiKey,
    p: &Principal,
    row: &work_team::Model,
    id: Uuid,
    valid: &ValidMember,
    now: DateTimeUtc,
) -> Result<()> {
    let secretary = valid.role == TeamRole::FirstSecretary;
    let new = member::ActiveModel {
        id: Set(id),
        team_id: Set(row.id),
        village: Set(row.village.clone()),
        name: Set(valid.name.clone()),
        unit: Set(valid.unit.clone()),
        unit_layer: Set(valid.unit_layer.as_str().to_owned()),
        unit_division: Set(valid.unit_division.clone()),
        role: Set(role_label(valid.role).to_owned()),
        phone: Set(pii.encrypt_text(&valid.phone)?),
        phone_masked: Set(Some(mask_phone(&valid.phone))),
        term_start: Set(valid.term_start),
        term_end: Set(valid.term_end),
        ended_on: Set(None),
        end_reason: Set(None),
        secretary_key: Set(secretary.then(|| row.id.to_string())),
        assigned_by: Set(p.subject.clone()),
        assigned_at: Set(now),
    };
    rows::insert_or(conn, new, stale).await?;
    Ok(())
}

/// Ends the earlier first secretary's membership the day before `next_start` (unless it ended
/// sooner) and frees the team's one first-secretary place; the earlier member's id.
async fn rotate<C: ConnectionTrait>(
    s: &State,
    conn: &C,
    p: &Principal,
    row: &work_team::Model,
    prev: &member::Model,
    next_start: chrono::NaiveDate,
) -> Result<Uuid> {
    let day_before = next_start.pred_opt().context("a term starting on the first day there is")?;
    let last_day = prev.membership().last_day().min(day_before);
    let ended_early = last_day < prev.membership().last_day() || prev.ended_on.is_some();
    let mut update = member::Entity::update_many().col_expr(member::Column::SecretaryKey, Expr::value(None::<String>));
    if ended_early {
        update = update
            .col_expr(member::Column::EndedOn, Expr::value(last_day))
            .col_expr(member::Column::EndReason, Expr::value(prev.end_reason.clone().unwrap_or("rotated".into())));
    }
    update.filter(member::Column::Id.eq(prev.id)).exec(conn).await?;
    if ended_early && prev.ended_on.is_none() {
        let ended = TeamMemberEnded {
            team_id: row.id,
            village: row.village.clone(),
            member_id: prev.id,
            role: TeamRole::FirstSecretary,
            last_day,
            reason: "rotated".into(),
        };
        kit::publish(conn, s, TEAM_MEMBER_ENDED, &row.village, row.id, &p.subject, &ended).await?;
    }
    Ok(prev.id)
}

/// `team.end-member`: a county official of the village's county ends a membership within its
/// term. The member stays on record; a first secretary ended so leaves the village uncovered
/// after the last day (and the sweep then opens the county's task).
#[tracing::instrument(skip_all, fields(actor = %p.subject, team = %req.id))]
pub async fn end(s: State, p: Principal, req: Step<EndMember>) -> Result<Team> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let row = teams::locked(&txn, req.id).await?.ok_or_else(hidden)?;
    let village = kit::village_of(&row)?;
    p.require(&COUNTY_OFFICIALS, Layer::County, &village, hidden())?;
    check_version(&row, req.expected_version)?;
    let m = member::Entity::find_by_id(req.body.member_id)
        .one(&txn)
        .await?
        .filter(|m| m.team_id == row.id)
        .ok_or_else(no_member)?;
    let (last_day, reason) = rules::validate_end(&m.membership(), &req.body)?;
    let mut changes = Vec::new();
    if row.secretary_id == Some(m.id) {
        changes.push((work_team::Column::SecretaryUntil, Expr::value(last_day)));
    }
    if !teams::bump(&txn, &row, now, changes).await? {
        return Err(stale().into());
    }
    member::Entity::update_many()
        .col_expr(member::Column::EndedOn, Expr::value(last_day))
        .col_expr(member::Column::EndReason, Expr::value(reason.clone()))
        .filter(member::Column::Id.eq(m.id))
        .exec(&txn)
        .await?;
    let role: TeamRole = chain_store::text::parse_enum(&m.role)?;
    let payload = serde_json::json!({ "team_id": row.id, "member_id": m.id, "last_day": last_day });
    let entry = kit::entry(&p, "team.end-member", &row.village).reason(Some(reason.as_str()));
    kit::record(&txn, now, entry, row.id, payload).await?;
    let ended =
        TeamMemberEnded { team_id: row.id, village: row.village.clone(), member_id: m.id, role, last_day, reason };
    kit::publish(&txn, &s, TEAM_MEMBER_ENDED, &row.village, row.id, &p.subject, &ended).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(team = %row.id, member = %m.id, %last_day, "membership ended");
    kit::load(&s, row.id).await
}

/// Encrypts the phones of members recorded before phones were encrypted (those without a masked
/// form), in batches; run at start, before the service answers.
pub async fn seal_phones(s: &State) -> Result<()> {
    let mut sealed = 0usize;
    loop {
        let batch = member::Entity::find().filter(member::Column::PhoneMasked.is_null()).limit(500).all(&s.db).await?;
        if batch.is_empty() {
            break;
        }
        let txn = s.db.begin().await?;
        for m in &batch {
            let mut row: member::ActiveModel = m.clone().into();
            row.phone = Set(s.pii.encrypt_text(&m.phone)?);
            row.phone_masked = Set(Some(mask_phone(&m.phone)));
            row.update(&txn).await?;
        }
        txn.commit().await?;
        sealed += batch.len();
    }
    if sealed > 0 {
        tracing::info!(sealed, "work-team members' phones encrypted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chain_api::ProblemKind;
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::team::Refusal;

    #[test]
    fn ending_a_membership_twice_is_a_conflict_and_a_bad_day_a_field_problem() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let twice = Problem::from(Error::from(EndError::Refused(Refusal::AlreadyEnded(day))));
        assert!(twice.is(ProblemKind::Conflict));
        assert_eq!(twice.detail.as_deref(), Some("the membership was ended already, on 2026-03-01"));
        let bad = chain_domain::Invalid::field("last_day", "must be between …");
        let p = Problem::from(Error::from(EndError::Invalid(bad)));
        assert_eq!((p.is(ProblemKind::Validation), p.errors[0].field.as_str()), (true, "last_day"));
    }
}
