//! Schedules of recurring reports, the audit trail and accountability records, as the engine
//! exposes them.

use chain_api::workflow::{AccountabilityQuery, AccountabilityRecord, AuditEntry, AuditQuery, NewSchedule, Schedule};
use chain_api::{Principal, Problem, Role, limits};
use chain_domain::calendar::{beijing_date, period_start_on_or_after, start_instant};
use chain_domain::{Invalid, Level};
use chain_store::audit;
use chain_store::text::{enum_str, parse_enum};
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

use crate::engine::{Engine, internal};
use crate::entity::{accountability, schedule};
use crate::rules::{issuer_acts, layer_of, prefix_of, valid_kind};
use crate::timers::period_of;

fn schedule_api(m: &schedule::Model) -> Result<Schedule, DbErr> {
    Ok(Schedule {
        id: m.id,
        service: m.service.clone(),
        kind: m.kind.clone(),
        title: m.title.clone(),
        issuer: m.issuer.clone(),
        cadence: parse_enum(&m.cadence)?,
        level: parse_enum(&m.level)?,
        due_days: m.due_days.max(0) as u32,
        next_run_at: m.next_run_at,
        runs: m.runs.max(0) as u32,
        created_by: m.created_by.clone(),
        version: m.version,
    })
}

impl Engine {
    /// Creates a recurring report for the levels below the caller's.
    pub async fn create_schedule(&self, p: &Principal, req: NewSchedule) -> Result<Schedule, Problem> {
        issuer_acts(p, "scheduling reports")?;
        self.owns(req.service)?;
        let mut bad = Invalid::new();
        if !valid_kind(&req.kind) {
            bad.push("kind", format!("1–{} lowercase letters, digits, `.` or `-`", chain_api::limits::KIND_CHARS));
        }
        let title = chain_domain::text::field(&req.title, chain_domain::text::Kind::Name, "title", &mut bad);
        if title.is_empty() || title.chars().count() > limits::SCHEDULE_TITLE_CHARS {
            bad.push("title", format!("1–{} characters", limits::SCHEDULE_TITLE_CHARS));
        }
        if !(1..=limits::MAX_DUE_DAYS).contains(&req.due_days) {
            bad.push("due_days", format!("between 1 and {}", limits::MAX_DUE_DAYS));
        }
        let level: Level = req.level.into();
        if p.jurisdiction.division().is_some_and(|d| d.level() >= level) {
            bad.push("level", "the reporting level must be below yours");
        }
        bad.or(()).map_err(chain_bus::Error::from)?;
        let now = self.clock.now();
        let today = beijing_date(now);
        let period = period_of(req.cadence);
        let first = match req.first_run {
            Some(d) if d < today => {
                return Err(Problem::invalid("first_run", "the first period cannot be in the past"));
            }
            Some(d) => period_start_on_or_after(period, d),
            None => period_start_on_or_after(period, today),
        };
        let m = schedule::Model {
            id: Uuid::now_v7(),
            service: self.service.to_owned(),
            kind: req.kind.clone(),
            title,
            issuer: layer_of(p),
            cadence: enum_str(&req.cadence),
            level: enum_str(&req.level),
            due_days: req.due_days as i32,
            next_run_at: start_instant(first),
            runs: 0,
            created_by: p.subject.clone(),
            version: 1,
        };
        let txn = sea_orm::TransactionTrait::begin(&self.db).await.map_err(internal)?;
        schedule::ActiveModel::from(m.clone()).insert(&txn).await.map_err(internal)?;
        audit::append(
            &txn,
            now,
            audit::Entry::new(
                audit::Actor { jurisdiction: m.issuer.clone(), ..audit::Actor::of(p) },
                "schedule.create",
                &m.issuer,
            )
            .about(m.id)
            .payload(&serde_json::to_value(&req).unwrap_or_default()),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        schedule_api(&m).map_err(internal)
    }

    /// Schedules issued inside the caller's jurisdiction.
    pub async fn schedules(&self, p: &Principal) -> Result<Vec<Schedule>, Problem> {
        let mut find = schedule::Entity::find();
        if let Some(d) = p.jurisdiction.division() {
            find = find.filter(schedule::Column::Issuer.starts_with(d.as_str()));
        }
        let rows = find.order_by_asc(schedule::Column::Id).limit(1000).all(&self.db).await.map_err(internal)?;
        rows.iter().map(schedule_api).collect::<Result<_, _>>().map_err(internal)
    }

    /// The service's audit entries about divisions in the caller's jurisdiction (auditors only).
    pub async fn audit(&self, p: &Principal, q: AuditQuery) -> Result<Vec<AuditEntry>, Problem> {
        if !p.has(Role::Auditor) {
            return Err(Problem::forbidden("reading the audit trail needs the role auditor"));
        }
        if q.service.is_some_and(|s| s.as_str() != self.service) {
            return Ok(vec![]);
        }
        let own = prefix_of(p);
        let prefix = match q.division.as_deref() {
            Some(f) if f.starts_with(&own) => f.to_owned(),
            Some(f) if own.starts_with(f) => own,
            Some(_) => return Ok(vec![]),
            None => own,
        };
        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let scope = if prefix.is_empty() { None } else { Some(prefix.as_str()) };
        audit::seal_all(&self.db).await.map_err(internal)?;
        let rows = audit::list(&self.db, scope, q.subject_id, q.after, limit).await.map_err(internal)?;
        let mut entries: Vec<AuditEntry> = rows
            .into_iter()
            .map(|m| AuditEntry {
                service: self.service.to_owned(),
                seq: m.seq,
                at: m.at,
                actor: m.actor,
                role: m.role,
                jurisdiction: m.jurisdiction,
                action: m.action,
                division: m.division,
                subject_id: m.subject_id,
                reason: m.reason,
                payload_hash: m.payload_hash,
                prev_hash: m.prev_hash,
                hash: m.hash,
            })
            .collect();
        // Cut by size like every page on the bus; the caller goes on from the last `seq` with `after`.
        entries.truncate(crate::page::fitting(&entries));
        Ok(entries)
    }

    /// Accountability records against divisions in the caller's jurisdiction, newest first.
    pub async fn accountability(
        &self,
        p: &Principal,
        q: AccountabilityQuery,
    ) -> Result<Vec<AccountabilityRecord>, Problem> {
        let mut find = accountability::Entity::find();
        if let Some(d) = p.jurisdiction.division() {
            find = find.filter(accountability::Column::Division.starts_with(d.as_str()));
        }
        if let Some(d) = &q.division {
            find = find.filter(accountability::Column::Division.starts_with(d.as_str()));
        }
        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let rows = find.order_by_desc(accountability::Column::At).limit(limit).all(&self.db).await.map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|m| AccountabilityRecord {
                id: m.id,
                service: self.service.to_owned(),
                task_id: m.task_id,
                division: m.division,
                kind: m.kind,
                escalated_to: m.escalated_to,
                detail: m.detail,
                at: m.at,
            })
            .collect())
    }
}
