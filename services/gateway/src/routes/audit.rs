//! `/v1/audit` and `/v1/accountability`: the services' hash-chained audit logs and the records of
//! overdue or rejected work held against divisions (auditors; the services check the role and the
//! jurisdiction).

use axum::extract::State;
use chain_api::workflow::{AccountabilityQuery, AccountabilityRecord, AuditEntry, AuditQuery, Service, verbs};
use chain_api::{Principal, Problem};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Query};
use crate::rest::{Problems, check_division, check_limit};

/// Sends the same query to every service and concatenates the answers; any failure fails all.
async fn gather<Q: Serialize + Sync, T: DeserializeOwned>(
    s: &AppState,
    p: &Principal,
    verb: &str,
    q: &Q,
) -> Result<Vec<T>, Problem> {
    let answers =
        futures::future::join_all(Service::ALL.iter().map(|svc| s.bus.request::<_, Vec<T>>(svc.as_str(), verb, p, q)))
            .await;
    let mut all = Vec::new();
    for a in answers {
        all.extend(a?);
    }
    Ok(all)
}

/// Audit entries, oldest first: one service's chain, or all four merged by time. `limit` and
/// `after` apply to each service's chain, and each service's part stops at 512 KiB however many
/// entries `limit` asked for: go on from its last `seq` with `after`.
#[utoipa::path(get, path = "/v1/audit", operation_id = "audit_entry_list", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "Entries by time, service and position", body = Vec<AuditEntry>),
        Problems),
    security(("bearer" = [])))]
pub async fn list_audit(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<Vec<AuditEntry>>, ApiProblem> {
    check_division(q.division.as_deref())?;
    check_limit(q.limit, chain_api::limits::page::RECORDS)?;
    let mut entries: Vec<AuditEntry> = match q.service {
        Some(service) => s.bus.request(service.as_str(), verbs::AUDIT_LIST, &p, &q).await?,
        None => gather(&s, &p, verbs::AUDIT_LIST, &q).await?,
    };
    sort_audit(&mut entries);
    Ok(axum::Json(entries))
}

/// Orders audit entries by time, then service, then position in the service's chain.
fn sort_audit(entries: &mut [AuditEntry]) {
    entries.sort_by(|a, b| (a.at, &a.service, a.seq).cmp(&(b.at, &b.service, b.seq)));
}

/// Overdue and returned work recorded against divisions, newest first. `limit` applies to each
/// service.
#[utoipa::path(get, path = "/v1/accountability", operation_id = "accountability_record_list", tag = "audit", params(AccountabilityQuery),
    responses((status = 200, description = "Records, newest first", body = Vec<AccountabilityRecord>), Problems),
    security(("bearer" = [])))]
pub async fn list_accountability(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<AccountabilityQuery>,
) -> Result<axum::Json<Vec<AccountabilityRecord>>, ApiProblem> {
    check_division(q.division.as_deref())?;
    check_limit(q.limit, chain_api::limits::page::RECORDS)?;
    let mut records: Vec<AccountabilityRecord> = gather(&s, &p, verbs::ACCOUNTABILITY_LIST, &q).await?;
    sort_accountability(&mut records);
    Ok(axum::Json(records))
}

/// Orders accountability records newest first (ties by service and id, so the order is stable).
fn sort_accountability(records: &mut [AccountabilityRecord]) {
    records.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| (&a.service, a.id).cmp(&(&b.service, b.id))));
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn entry(service: &str, seq: i64, t: i64) -> AuditEntry {
        AuditEntry {
            service: service.into(),
            seq,
            at: at(t),
            actor: "system".into(),
            role: "operator".into(),
            jurisdiction: "CN".into(),
            action: "task.opened".into(),
            division: "52".into(),
            subject_id: None,
            reason: None,
            payload_hash: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn audit_entries_merge_by_time_then_service_then_position() {
        let mut e = vec![entry("planning", 2, 5), entry("exit", 9, 5), entry("planning", 1, 5), entry("funding", 1, 1)];
        sort_audit(&mut e);
        let order: Vec<_> = e.iter().map(|e| (e.service.as_str(), e.seq)).collect();
        assert_eq!(order, [("funding", 1), ("exit", 9), ("planning", 1), ("planning", 2)]);
    }

    #[test]
    fn accountability_records_come_newest_first() {
        let record = |service: &str, t: i64| AccountabilityRecord {
            id: Uuid::now_v7(),
            service: service.into(),
            task_id: Uuid::now_v7(),
            division: "520624".into(),
            kind: "overdue".into(),
            escalated_to: "5206".into(),
            detail: String::new(),
            at: at(t),
        };
        let mut r = vec![record("exit", 1), record("planning", 3), record("funding", 2)];
        sort_accountability(&mut r);
        let order: Vec<_> = r.iter().map(|r| r.service.as_str()).collect();
        assert_eq!(order, ["planning", "funding", "exit"]);
    }
}
