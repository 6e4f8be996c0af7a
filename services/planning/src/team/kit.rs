//! What the work-team verbs share: the policy table, the answer for a team out of reach, reading
//! a team with its members, the caller's scope for listings, the audit entry of a change and the
//! event of one.

use anyhow::Context;
use chain_api::planning::Team;
use chain_api::{Envelope, Principal, Problem};
use chain_domain::calendar::beijing_date;
use chain_domain::{Division, Level};
use chain_store::audit::{self, Entry};
use chain_store::outbox;
use chain_store::pii::PiiKey;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::State;
use crate::domain::team::Policies;
use crate::error::Result;
use crate::store::team::{self as teams, member, work_team};

/// Kind of the county's task to send a first secretary to a poor village.
pub const TEAM_TASK: &str = "team.village";

/// The work-team policy table.
pub fn policies() -> &'static Policies {
    Policies::embedded()
}

/// A team that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("team")
}

/// Today (Beijing) by the engine's clock.
pub fn today(s: &State) -> NaiveDate {
    beijing_date(s.now())
}

/// The village of a team row.
pub fn village_of(row: &work_team::Model) -> Result<Division> {
    Ok(Division::parse(&row.village).context("reading the team's village")?)
}

/// The county of a village.
pub fn county_of(village: &Division) -> Result<Division> {
    Ok(village.ancestor_at(Level::County).context("the village lies above the county level")?)
}

/// Whether the team has a first secretary in office on `day`.
pub fn covered(row: &work_team::Model, day: NaiveDate) -> bool {
    matches!((row.secretary_from, row.secretary_until), (Some(f), Some(u)) if f <= day && day <= u)
}

/// The API form of a team and its members on `today`; phones masked unless `unmask` gives the
/// key to read them.
pub fn to_api(
    row: &work_team::Model,
    members: &[member::Model],
    today: NaiveDate,
    unmask: Option<&PiiKey>,
) -> Result<Team> {
    let members = members.iter().map(|m| m.to_api(today, unmask)).collect::<Result<Vec<_>, _>>()?;
    Ok(Team {
        id: row.id,
        village: row.village.clone(),
        poor: row.poor,
        covered: covered(row, today),
        first_secretary_id: row.secretary_id.filter(|_| covered(row, today)),
        members,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Reads a team by id on its own (no scope check), with its members.
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<(work_team::Model, Vec<member::Model>)> {
    use sea_orm::EntityTrait;
    let row = work_team::Entity::find_by_id(id).one(conn).await?.ok_or_else(hidden)?;
    let members = teams::members(conn, row.id).await?;
    Ok((row, members))
}

/// A team as answered, phones masked.
pub async fn load(s: &State, id: Uuid) -> Result<Team> {
    let (row, members) = find(&s.db, id).await?;
    to_api(&row, &members, today(s), None)
}

/// Audits `entry` (made at `at`) about a team, carrying its id and `payload` (never a phone).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    entry: Entry,
    team_id: Uuid,
    payload: serde_json::Value,
) -> Result<()> {
    audit::append(conn, at, entry.about(team_id).payload(&payload)).await?;
    Ok(())
}

/// The audit entry of `action` by `p` in `village`.
pub fn entry(p: &Principal, action: &str, village: &str) -> Entry {
    Entry::by(p, action, village)
}

/// Enqueues the event `kind` about the team in `village` with `payload`, inside the caller's
/// transaction (the relay publishes it once committed).
pub async fn publish<C: ConnectionTrait, T: serde::Serialize>(
    conn: &C,
    s: &State,
    kind: &str,
    village: &str,
    team_id: Uuid,
    actor: &str,
    payload: &T,
) -> Result<Envelope> {
    let body = serde_json::to_value(payload).with_context(|| format!("encoding the {kind} event"))?;
    let event = s.engine.event(kind, village, team_id, actor, body);
    outbox::enqueue(conn, s.bus.root(), &event).await?;
    Ok(event)
}
