//! An upload's life around its batches: starting the import (or replaying it for a retried
//! upload, or resuming an interrupted one), finishing it with its one account in the audit chain,
//! and reading it and its error report.

use chain_api::imports::{
    FileKind, FinishImport, ImportErrorPage, ImportOperation, ImportStatus, ReadImport, ReadImportErrors, RowError,
    StartImport,
};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Invalid;
use chain_store::audit::{self, Entry};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect, TransactionTrait};

use super::operation::{self, LEASE, interrupted, owned, to_api, visible};
use crate::State;
use crate::error::Result;
use crate::store::enum_str;
use crate::store::imports::{import, import_error, import_id};

/// `import.start`: an operator's upload was accepted; the operation starts `running`.
pub async fn start(s: State, p: Principal, req: StartImport) -> Result<ImportOperation> {
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("importing households needs the operator role").into());
    }
    if let Some(campaign) = &req.campaign {
        crate::adjustment::check_campaign(&s, &p, campaign.campaign_task_id).await?;
    }
    let name = req.file_name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(Invalid::field("file_name", "1 to 255 characters").into());
    }
    let key = req.idempotency_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.chars().count() > 200) {
        return Err(Invalid::field("Idempotency-Key", "at most 200 characters").into());
    }
    if let Some(key) = key
        && let Some(earlier) = earlier_import(&s, &p, key).await?
    {
        return replay(&earlier, name, req.file_size);
    }
    if let Some(id) = req.resume {
        return resume(&s, &p, id, name, req.file_size, req.kind).await;
    }
    let now = s.now();
    let inserted = import::ActiveModel {
        id: Set(Uuid::now_v7()),
        status: Set(enum_str(&ImportStatus::Running)),
        file_name: Set(name.to_owned()),
        file_size: Set(Ord::max(req.file_size, 0)),
        kind: Set(enum_str(&req.kind)),
        created_by: Set(p.subject.clone()),
        jurisdiction: Set(p.jurisdiction.to_string()),
        rows_read: Set(0),
        households_registered: Set(0),
        households_suspected_duplicate: Set(0),
        households_invalid: Set(0),
        rows_invalid: Set(0),
        batches: Set(0),
        failure: Set(None),
        started_at: Set(now),
        finished_at: Set(None),
        idempotency_key: Set(key.map(str::to_owned)),
        last_active_at: Set(Some(now)),
    }
    .insert(&s.db)
    .await;
    match inserted {
        Ok(row) => to_api(&row),
        // The same key at the same moment: the other upload won; answer with its import.
        Err(e) if chain_store::is_unique_violation(&e) => {
            match earlier_import(&s, &p, key.unwrap_or_default()).await? {
                Some(earlier) => replay(&earlier, name, req.file_size),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn earlier_import(s: &State, p: &Principal, key: &str) -> Result<Option<import::Model>> {
    Ok(import::Entity::find()
        .filter(import::Column::CreatedBy.eq(p.subject.as_str()))
        .filter(import::Column::IdempotencyKey.eq(key))
        .one(&s.db)
        .await?)
}

/// The earlier import of a retried upload; a different file under the same key is refused.
fn replay(earlier: &import::Model, name: &str, size: i64) -> Result<ImportOperation> {
    if earlier.file_name != name || earlier.file_size != size {
        let why = "this Idempotency-Key was used for another file; use a new key for a new upload";
        return Err(Problem::new(ProblemKind::IdempotencyKeyReused, why).into());
    }
    let mut op = to_api(earlier)?;
    op.replayed = true;
    Ok(op)
}

/// Continues an interrupted import of the same file: it runs again from the batch after the last
/// one applied. An import still `running` whose lease has run out may be taken over too.
async fn resume(s: &State, p: &Principal, id: Uuid, name: &str, size: i64, kind: FileKind) -> Result<ImportOperation> {
    let now = s.now();
    let txn = s.db.begin().await?;
    let row = owned(&txn, p, id).await?;
    let stale = row.last_active_at.is_none_or(|at| at + LEASE <= now);
    let running = enum_str(&ImportStatus::Running);
    let resumable = row.status == enum_str(&ImportStatus::Interrupted) || (row.status == running && stale);
    if !resumable {
        let why = if row.status == running {
            "the import is still running; it can be resumed once no batch has arrived for ten minutes"
        } else {
            "the import has finished; only an interrupted import can be resumed"
        };
        return Err(Problem::transition(why).into());
    }
    if row.file_name != name || row.file_size != size || row.kind != enum_str(&kind) {
        let why = format!(
            "import {id} was of {} ({} bytes, {}); resume it with that same file",
            row.file_name, row.file_size, row.kind
        );
        return Err(Invalid::field("resume", why).into());
    }
    let changed = import::Entity::update_many()
        .col_expr(import::Column::Status, Expr::value(running.clone()))
        .col_expr(import::Column::Failure, Expr::value(Option::<String>::None))
        .col_expr(import::Column::LastActiveAt, Expr::value(Some(now)))
        .filter(import::Column::Id.eq(id))
        .filter(import::Column::Status.eq(row.status.clone()))
        .filter(import::Column::Batches.eq(row.batches))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        let why = "the import changed at the same moment; read it again";
        return Err(Problem::new(ProblemKind::StaleVersion, why).into());
    }
    let reason = format!("resumed after batch {} ({} rows read)", row.batches, row.rows_read);
    operation::record(&txn, now, p, "household.import-resume", &row, &reason).await?;
    let row = owned(&txn, p, id).await?;
    txn.commit().await?;
    tracing::info!(import = %id, batches = row.batches, rows = row.rows_read, "import resumed");
    to_api(&row)
}

/// `import.get`: the operation, for its importer's jurisdiction and the layers above.
pub async fn get(s: State, p: Principal, req: ReadImport) -> Result<ImportOperation> {
    to_api(&visible(&s, &p, req.id).await?)
}

/// `import.errors`: a page of the error report, in file order.
pub async fn errors(s: State, p: Principal, req: ReadImportErrors) -> Result<ImportErrorPage> {
    visible(&s, &p, req.id).await?;
    let limit = req.limit.clamp(1, 5000) as u64;
    let mut q = import_error::Entity::find().filter(import_error::Column::ImportId.eq(req.id));
    if let Some(after) = req.after {
        q = q.filter(import_error::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(import_error::Column::Id).limit(limit + 1).all(&s.db).await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    Ok(ImportErrorPage {
        next: if more { rows.last().map(|r| r.id) } else { None },
        errors: rows
            .into_iter()
            .map(|r| RowError { row: r.row, household_ref: r.household_ref, field: r.field, message: r.message })
            .collect(),
    })
}

/// `import.finish`: the file was read to its end (or could not be). Writes the import's one audit
/// entry, with its counts, and forgets the IDs seen in the file. A retry after the import finished
/// answers it unchanged.
pub async fn finish(s: State, p: Principal, req: FinishImport) -> Result<ImportOperation> {
    let txn = s.db.begin().await?;
    let row = owned(&txn, &p, req.import_id).await?;
    if row.status == enum_str(&ImportStatus::Interrupted) {
        return Err(interrupted(&row).into());
    }
    if row.status != enum_str(&ImportStatus::Running) {
        // A retried finish whose first attempt committed: the import's account stands.
        return to_api(&row);
    }
    let now = s.now();
    let status = if req.failure.is_some() { ImportStatus::Failed } else { ImportStatus::Succeeded };
    let failure = req.failure.map(|f| f.chars().take(500).collect::<String>());
    let mut active: import::ActiveModel = row.clone().into();
    active.status = Set(enum_str(&status));
    active.failure = Set(failure.clone());
    active.finished_at = Set(Some(now));
    let row = active.update(&txn).await?;
    import_id::Entity::delete_many().filter(import_id::Column::ImportId.eq(row.id)).exec(&txn).await?;
    let payload = serde_json::json!({
        "import_id": row.id,
        "file_name": row.file_name,
        "file_size": row.file_size,
        "kind": row.kind,
        "status": row.status,
        "rows_read": row.rows_read,
        "households_registered": row.households_registered,
        "households_suspected_duplicate": row.households_suspected_duplicate,
        "households_invalid": row.households_invalid,
        "rows_invalid": row.rows_invalid,
    });
    let entry = Entry::by(&p, "household.import", &p.jurisdiction.to_string())
        .about(row.id)
        .reason(Some(&summary(&row)))
        .payload(&payload);
    audit::append(&txn, now, entry).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(import = %row.id, rows = row.rows_read, registered = row.households_registered,
        invalid = row.households_invalid, "import finished");
    to_api(&row)
}

/// The audit entry's readable account of an import.
fn summary(row: &import::Model) -> String {
    format!(
        "{} ({} bytes, {}): {} rows read; {} households registered, {} suspected duplicates, {} refused ({} rows){}",
        row.file_name,
        row.file_size,
        row.status,
        row.rows_read,
        row.households_registered,
        row.households_suspected_duplicate,
        row.households_invalid,
        row.rows_invalid,
        row.failure.as_deref().map(|f| format!("; failed: {f}")).unwrap_or_default()
    )
}
