//! An import operation's kit: reading it (as its importer, or within the jurisdiction that may
//! poll it), its API form, its lease and its audit entries.

use chain_api::imports::{FileKind, ImportOperation};
use chain_api::{Principal, Problem};
use chain_domain::Jurisdiction;
use chain_store::audit::{self, Entry};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use crate::State;
use crate::error::Result;
use crate::store::imports::import;
use crate::store::parse_enum;

/// How long an import may go without a batch before it counts as interrupted.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// The answer about an import that does not exist or may not be seen.
pub fn hidden() -> Problem {
    Problem::not_found("import")
}

/// The refusal of a batch or a finish for an import that was interrupted.
pub fn interrupted(row: &import::Model) -> Problem {
    Problem::transition(format!(
        "the import was interrupted; upload the file again with ?resume={} to continue it",
        row.id
    ))
}

/// The import, for its importer's jurisdiction and the layers above.
pub async fn visible(s: &State, p: &Principal, id: Uuid) -> Result<import::Model> {
    let row = import::Entity::find_by_id(id).one(&s.db).await?.ok_or_else(hidden)?;
    let theirs = Jurisdiction::parse(&row.jurisdiction).map_err(|e| DbErr::Type(e.to_string()))?;
    if !p.jurisdiction.covers_jurisdiction(&theirs) {
        return Err(hidden().into());
    }
    Ok(row)
}

/// The import, if the principal started it (only its importer's gateway sends its batches).
pub async fn owned<C: ConnectionTrait>(conn: &C, p: &Principal, id: Uuid) -> Result<import::Model> {
    Ok(import::Entity::find_by_id(id).one(conn).await?.filter(|r| r.created_by == p.subject).ok_or_else(hidden)?)
}

/// An import in API form.
pub fn to_api(row: &import::Model) -> Result<ImportOperation> {
    Ok(ImportOperation {
        id: row.id,
        status: parse_enum(&row.status)?,
        file_name: row.file_name.clone(),
        file_size: row.file_size,
        kind: parse_enum::<FileKind>(&row.kind)?,
        rows_read: row.rows_read,
        households_registered: row.households_registered,
        households_suspected_duplicate: row.households_suspected_duplicate,
        households_invalid: row.households_invalid,
        rows_invalid: row.rows_invalid,
        batches: row.batches,
        failure: row.failure.clone(),
        started_at: row.started_at,
        finished_at: row.finished_at,
        replayed: false,
    })
}

/// Audits a turn in an import's life (resumed, interrupted) in the importer's jurisdiction, with
/// how far it had got.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    p: &Principal,
    action: &str,
    row: &import::Model,
    reason: &str,
) -> Result<()> {
    let payload = serde_json::json!({ "import_id": row.id, "batches": row.batches, "rows_read": row.rows_read });
    let entry = Entry::by(p, action, &row.jurisdiction).about(row.id).reason(Some(reason)).payload(&payload);
    audit::append(conn, at, entry).await?;
    Ok(())
}
