//! Bulk import of households (issue item 5). The gateway reads the county's file and sends its
//! households here in consecutive batches (`household.import-batch`); each household is validated
//! and registered through exactly the path of `household.register` ([`crate::registration::register_in`]:
//! the same validation, jurisdiction check, duplicate filing and admission). A batch is one
//! transaction with a savepoint per household, so a refused household changes nothing while the
//! others in its batch are registered. The operation, its counts and its per-row error report
//! live in this database, so any gateway replica can answer a poll.

use chain_api::identification::HouseholdStatus;
use chain_api::imports::{
    FileKind, FinishImport, ImportBatch, ImportErrorPage, ImportOperation, ImportStatus, ImportedHousehold, ReadImport,
    ReadImportErrors, RowError, StartImport,
};
use chain_api::{FieldError, Principal, Problem, ProblemKind, Role};
use chain_bus::service::internal;
use chain_domain::Jurisdiction;
use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, QueryOrder, QuerySelect, TransactionTrait};

use crate::import_store::{import, import_error, import_id, import_ref};
use crate::registration::Application;
use crate::store::{enum_str, parse_enum};
use crate::{State, domain};
use std::collections::{HashMap, HashSet};

fn hidden() -> Problem {
    Problem::not_found("import")
}

/// `import.start`: an operator's upload was accepted; the operation starts `running`.
pub async fn start(s: State, p: Principal, req: StartImport) -> Result<ImportOperation, Problem> {
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("importing households needs the operator role"));
    }
    let name = req.file_name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(Problem::invalid("file_name", "1 to 255 characters"));
    }
    let key = req.idempotency_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.chars().count() > 200) {
        return Err(Problem::invalid("Idempotency-Key", "at most 200 characters"));
    }
    if let Some(key) = key
        && let Some(earlier) = earlier_import(&s, &p, key).await?
    {
        return replay(&earlier, name, req.file_size);
    }
    if let Some(id) = req.resume {
        return resume(&s, &p, id, name, req.file_size, req.kind).await;
    }
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
        started_at: Set(s.now()),
        finished_at: Set(None),
        idempotency_key: Set(key.map(str::to_owned)),
        last_active_at: Set(Some(s.engine.clock().now())),
    }
    .insert(&s.db)
    .await;
    match inserted {
        Ok(row) => operation(&row),
        // The same key at the same moment: the other upload won; answer with its import.
        Err(e) if chain_store::is_unique_violation(&e) => {
            match earlier_import(&s, &p, key.unwrap_or_default()).await? {
                Some(earlier) => replay(&earlier, name, req.file_size),
                None => Err(internal(e)),
            }
        }
        Err(e) => Err(internal(e)),
    }
}

async fn earlier_import(s: &State, p: &Principal, key: &str) -> Result<Option<import::Model>, Problem> {
    import::Entity::find()
        .filter(import::Column::CreatedBy.eq(p.subject.as_str()))
        .filter(import::Column::IdempotencyKey.eq(key))
        .one(&s.db)
        .await
        .map_err(internal)
}

/// The earlier import of a retried upload; a different file under the same key is refused.
fn replay(earlier: &import::Model, name: &str, size: i64) -> Result<ImportOperation, Problem> {
    if earlier.file_name != name || earlier.file_size != size {
        return Err(Problem::new(
            ProblemKind::IdempotencyKeyReused,
            "this Idempotency-Key was used for another file; use a new key for a new upload",
        ));
    }
    let mut op = operation(earlier)?;
    op.replayed = true;
    Ok(op)
}

/// How long an import may go without a batch before it counts as interrupted.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// Continues an interrupted import of the same file: it runs again from the batch after the last
/// one applied. An import still `running` whose lease has run out may be taken over too.
async fn resume(
    s: &State,
    p: &Principal,
    id: Uuid,
    name: &str,
    size: i64,
    kind: FileKind,
) -> Result<ImportOperation, Problem> {
    let now = s.engine.clock().now();
    let txn = s.db.begin().await.map_err(internal)?;
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
        return Err(Problem::transition(why));
    }
    if row.file_name != name || row.file_size != size || row.kind != enum_str(&kind) {
        return Err(Problem::invalid(
            "resume",
            format!(
                "import {id} was of {} ({} bytes, {}); resume it with that same file",
                row.file_name, row.file_size, row.kind
            ),
        ));
    }
    let changed = import::Entity::update_many()
        .col_expr(import::Column::Status, Expr::value(running.clone()))
        .col_expr(import::Column::Failure, Expr::value(Option::<String>::None))
        .col_expr(import::Column::LastActiveAt, Expr::value(Some(now)))
        .filter(import::Column::Id.eq(id))
        .filter(import::Column::Status.eq(row.status.clone()))
        .filter(import::Column::Batches.eq(row.batches))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if changed.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the import changed at the same moment; read it again"));
    }
    let reason = format!("resumed after batch {} ({} rows read)", row.batches, row.rows_read);
    audit(&txn, p, "household.import-resume", &row, &reason).await?;
    let row = owned(&txn, p, id).await?;
    txn.commit().await.map_err(internal)?;
    tracing::info!(import = %id, batches = row.batches, rows = row.rows_read, "import resumed");
    operation(&row)
}

/// Marks running imports that have had no batch for [`LEASE`] as interrupted, each with an
/// audit entry. Returns how many.
pub async fn interrupt_stale(s: &State) -> Result<u64, DbErr> {
    let now = s.engine.clock().now();
    let stale = import::Entity::find()
        .filter(import::Column::Status.eq(enum_str(&ImportStatus::Running)))
        .filter(import::Column::LastActiveAt.lt(now - LEASE))
        .all(&s.db)
        .await?;
    let mut marked = 0;
    for row in stale {
        let failure = format!(
            "no batch arrived for ten minutes after batch {} ({} rows read): the file stopped being read; upload it again with ?resume={} to continue",
            row.batches, row.rows_read, row.id
        );
        let txn = s.db.begin().await?;
        let changed = import::Entity::update_many()
            .col_expr(import::Column::Status, Expr::value(enum_str(&ImportStatus::Interrupted)))
            .col_expr(import::Column::Failure, Expr::value(Some(failure.clone())))
            .filter(import::Column::Id.eq(row.id))
            .filter(import::Column::Status.eq(enum_str(&ImportStatus::Running)))
            .filter(import::Column::Batches.eq(row.batches))
            .exec(&txn)
            .await?;
        if changed.rows_affected == 1 {
            audit(&txn, &Principal::system(), "household.import-interrupted", &row, &failure)
                .await
                .map_err(|p| DbErr::Custom(p.title))?;
            txn.commit().await?;
            tracing::warn!(import = %row.id, batches = row.batches, "import interrupted: no batch within its lease");
            marked += 1;
        }
    }
    Ok(marked)
}

/// Watches for interrupted imports until shutdown.
pub fn spawn_watch(
    s: State,
    every: std::time::Duration,
    mut shutdown: chain_bus::Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = interrupt_stale(&s).await {
                tracing::warn!(error = %e, "import watch: will retry");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait() => break,
            }
        }
    })
}

async fn audit(
    txn: &DatabaseTransaction,
    p: &Principal,
    action: &str,
    row: &import::Model,
    reason: &str,
) -> Result<(), Problem> {
    chain_store::audit::append(
        txn,
        chrono::Utc::now(),
        chain_store::audit::Entry::by(p, action, &row.jurisdiction)
            .about(row.id)
            .reason(Some(reason))
            .payload(&serde_json::json!({ "import_id": row.id, "batches": row.batches, "rows_read": row.rows_read })),
    )
    .await
    .map_err(internal)?;
    Ok(())
}

/// `import.get`: the operation, for its importer's jurisdiction and the layers above.
pub async fn get(s: State, p: Principal, req: ReadImport) -> Result<ImportOperation, Problem> {
    operation(&visible(&s, &p, req.id).await?)
}

/// `import.errors`: a page of the error report, in file order.
pub async fn errors(s: State, p: Principal, req: ReadImportErrors) -> Result<ImportErrorPage, Problem> {
    visible(&s, &p, req.id).await?;
    let limit = req.limit.clamp(1, 5000) as u64;
    let mut q = import_error::Entity::find().filter(import_error::Column::ImportId.eq(req.id));
    if let Some(after) = req.after {
        q = q.filter(import_error::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(import_error::Column::Id).limit(limit + 1).all(&s.db).await.map_err(internal)?;
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
pub async fn finish(s: State, p: Principal, req: FinishImport) -> Result<ImportOperation, Problem> {
    let txn = s.db.begin().await.map_err(internal)?;
    let row = owned(&txn, &p, req.import_id).await?;
    if row.status == enum_str(&ImportStatus::Interrupted) {
        return Err(Problem::transition(format!(
            "the import was interrupted; upload the file again with ?resume={} to continue it",
            row.id
        )));
    }
    if row.status != enum_str(&ImportStatus::Running) {
        // A retried finish whose first attempt committed: the import's account stands.
        return operation(&row);
    }
    let status = if req.failure.is_some() { ImportStatus::Failed } else { ImportStatus::Succeeded };
    let failure = req.failure.map(|f| f.chars().take(500).collect::<String>());
    let mut active: import::ActiveModel = row.clone().into();
    active.status = Set(enum_str(&status));
    active.failure = Set(failure.clone());
    active.finished_at = Set(Some(s.now()));
    let row = active.update(&txn).await.map_err(internal)?;
    import_id::Entity::delete_many()
        .filter(import_id::Column::ImportId.eq(row.id))
        .exec(&txn)
        .await
        .map_err(internal)?;
    chain_store::audit::append(
        &txn,
        s.now(),
        chain_store::audit::Entry::by(&p, "household.import", &p.jurisdiction.to_string())
            .about(row.id)
            .reason(Some(&summary(&row)))
            .payload(&serde_json::json!({
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
            })),
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    tracing::info!(import = %row.id, rows = row.rows_read, registered = row.households_registered,
        invalid = row.households_invalid, "import finished");
    operation(&row)
}

/// `household.import-batch`: registers the next batch of an import's households.
pub async fn batch(s: State, p: Principal, req: ImportBatch) -> Result<ImportOperation, Problem> {
    let txn = s.db.begin().await.map_err(internal)?;
    // Claiming the batch number first takes the write lock and makes a retried batch a no-op.
    let claimed = import::Entity::update_many()
        .col_expr(import::Column::Batches, Expr::value(req.seq))
        .col_expr(import::Column::LastActiveAt, Expr::value(Some(s.engine.clock().now())))
        .filter(import::Column::Id.eq(req.import_id))
        .filter(import::Column::Batches.eq(req.seq - 1))
        .filter(import::Column::Status.eq(enum_str(&ImportStatus::Running)))
        .filter(import::Column::CreatedBy.eq(p.subject.as_str()))
        .exec(&txn)
        .await
        .map_err(internal)?;
    let row = owned(&txn, &p, req.import_id).await?;
    if claimed.rows_affected == 0 {
        if row.batches >= req.seq {
            return operation(&row);
        }
        if row.status == enum_str(&ImportStatus::Interrupted) {
            return Err(Problem::transition(format!(
                "the import was interrupted; upload the file again with ?resume={} to continue it",
                row.id
            )));
        }
        if row.status != enum_str(&ImportStatus::Running) {
            return Err(Problem::transition("the import has finished"));
        }
        return Err(Problem::transition(format!("the import expects batch {}, not {}", row.batches + 1, req.seq)));
    }
    let today = chain_domain::calendar::beijing_date(s.now());
    let (mut registered, mut suspected, mut invalid, mut rows_invalid) = (0i64, 0i64, 0i64, 0i64);
    let mut report: Vec<RowError> = vec![];
    let outcomes = register_batch(&s, &txn, &p, req.import_id, &req.households, today).await?;
    for (h, outcome) in req.households.iter().zip(outcomes) {
        match outcome {
            Ok(HouseholdStatus::SuspectedDuplicate) => suspected += 1,
            Ok(_) => registered += 1,
            Err(errors) => {
                invalid += 1;
                rows_invalid += h.rows.len() as i64;
                report.extend(refused(h, errors));
            }
        }
    }
    for chunk in report.chunks(500) {
        import_error::Entity::insert_many(chunk.iter().map(|e| import_error::ActiveModel {
            import_id: Set(req.import_id),
            row: Set(e.row),
            household_ref: Set(e.household_ref.clone()),
            field: Set(e.field.clone()),
            message: Set(e.message.clone()),
            ..Default::default()
        }))
        .exec(&txn)
        .await
        .map_err(internal)?;
    }
    let add = |c: import::Column, n: i64| Expr::col(c).add(n);
    import::Entity::update_many()
        .col_expr(import::Column::RowsRead, add(import::Column::RowsRead, req.rows))
        .col_expr(import::Column::HouseholdsRegistered, add(import::Column::HouseholdsRegistered, registered))
        .col_expr(
            import::Column::HouseholdsSuspectedDuplicate,
            add(import::Column::HouseholdsSuspectedDuplicate, suspected),
        )
        .col_expr(import::Column::HouseholdsInvalid, add(import::Column::HouseholdsInvalid, invalid))
        .col_expr(import::Column::RowsInvalid, add(import::Column::RowsInvalid, rows_invalid))
        .filter(import::Column::Id.eq(req.import_id))
        .exec(&txn)
        .await
        .map_err(internal)?;
    let row = owned(&txn, &p, req.import_id).await?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    if req.seq >= 8 && req.seq.count_ones() == 1 {
        refresh_statistics(&s).await;
    }
    operation(&row)
}

/// Brings PostgreSQL's planner statistics up to date with the tables an import grows, at
/// batches 8, 16, 32, …: a fresh database (a county's first import) otherwise keeps the plans
/// made for empty tables — scanning a whole import's `import_ids` for each batch, or the whole
/// outbox for pending events — until autovacuum catches up. Doubling keeps the estimates within
/// a factor of two for a logarithmic number of `ANALYZE`s (about a second each at 50,000
/// households).
async fn refresh_statistics(s: &State) {
    if s.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let tables = "households, members, active_ids, import_ids, import_refs, tasks, task_events, audit_log, outbox";
    if let Err(e) = s.db.execute_unprepared(&format!("ANALYZE {tables}")).await {
        tracing::warn!(error = %e, "refreshing planner statistics after an import batch failed");
    }
}

/// What became of one household of a batch: registered (with its status) or refused.
type Outcome = Result<HouseholdStatus, Vec<RowError>>;

/// Statements that bind one value per listed item take at most this many.
const IN_LIST: usize = 500;

/// Validates and registers a batch's households, in file order, inside `txn`. Each household is
/// checked as a single application is (validation, jurisdiction, a campaign entry's rules), and
/// also against the file itself: its reference and its members' IDs must not appear earlier in
/// the file. Those whose members' IDs no active household holds are then registered together by
/// [`crate::registration::register_clear`], in a handful of multi-row statements; the rest are
/// filed one by one as suspected duplicates by [`crate::registration::register_in`]. A refused
/// household changes nothing; `Err` is an unexpected failure that fails the whole batch.
async fn register_batch(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    import: Uuid,
    households: &[ImportedHousehold],
    today: NaiveDate,
) -> Result<Vec<Outcome>, Problem> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; households.len()];
    for (k, first) in refs_used_before(txn, import, households).await? {
        let message =
            format!("already used by the household starting in row {first}; a household's rows must be consecutive");
        outcomes[k] = Some(Err(vec![at(&households[k], 0, "household_ref", &message)]));
    }
    let mut valid: Vec<(usize, domain::ValidHousehold)> = vec![];
    for (k, h) in households.iter().enumerate() {
        if outcomes[k].is_some() {
            continue;
        }
        match validated(p, h, today) {
            Ok(v) => valid.push((k, v)),
            Err(errors) => outcomes[k] = Some(Err(errors)),
        }
    }
    let mut applications: Vec<(usize, Application<'_>)> = vec![];
    for (k, v) in &valid {
        let application = Application::of(s, v);
        if let Some(entry) = &v.adjustment
            && let Err(problem) = crate::adjustment::check_entry(s, txn, &v.village, entry, &application.indexes).await
        {
            if problem.status >= 500 {
                return Err(problem);
            }
            outcomes[*k] = Some(Err(located(&households[*k], &problem)));
            continue;
        }
        applications.push((*k, application));
    }
    // Members' IDs listed earlier in the file: by a registered household of an earlier batch, or
    // by an application earlier in this one.
    let all: Vec<String> = applications.iter().flat_map(|(_, a)| a.indexes.iter().cloned()).collect();
    let mut listed: HashMap<String, i64> = HashMap::new();
    for chunk in all.chunks(IN_LIST) {
        let seen = import_id::Entity::find()
            .filter(import_id::Column::ImportId.eq(import))
            .filter(import_id::Column::IdIndex.is_in(chunk.iter().cloned()))
            .all(txn)
            .await
            .map_err(internal)?;
        listed.extend(seen.into_iter().map(|x| (x.id_index, x.row)));
    }
    let mut candidates: Vec<(usize, Application<'_>)> = vec![];
    for (k, a) in applications {
        let h = &households[k];
        let errors: Vec<RowError> = a
            .indexes
            .iter()
            .enumerate()
            .filter_map(|(i, ix)| {
                let first = listed.get(ix)?;
                Some(at(h, i, "resident_id", &format!("the same resident ID is already listed in row {first}")))
            })
            .collect();
        if !errors.is_empty() {
            outcomes[k] = Some(Err(errors));
            continue;
        }
        for (i, ix) in a.indexes.iter().enumerate() {
            listed.insert(ix.clone(), h.rows.get(i).copied().unwrap_or_default());
        }
        candidates.push((k, a));
    }
    // IDs held by active households, for all candidates at once.
    let all: Vec<String> = candidates.iter().flat_map(|(_, a)| a.indexes.iter().cloned()).collect();
    let mut held: HashSet<String> = HashSet::new();
    for chunk in all.chunks(IN_LIST) {
        held.extend(crate::duplicates::conflicts(txn, chunk).await.map_err(internal)?.into_iter().map(|c| c.index));
    }
    let (clear, suspect): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|(_, a)| !a.indexes.iter().any(|ix| held.contains(ix)));
    let (clear_at, clear): (Vec<usize>, Vec<Application<'_>>) = clear.into_iter().unzip();
    let mut registered: Vec<(usize, &[String])> = vec![];
    let mut one_by_one: Vec<(usize, &Application<'_>)> = suspect.iter().map(|(k, a)| (*k, a)).collect();
    if !clear.is_empty() {
        let together = txn.begin().await.map_err(internal)?;
        match crate::registration::register_clear(s, &together, p, &clear).await {
            Ok(_) => {
                together.commit().await.map_err(internal)?;
                for (k, a) in clear_at.iter().zip(&clear) {
                    outcomes[*k] = Some(Ok(HouseholdStatus::Applied));
                    registered.push((*k, &a.indexes));
                }
            }
            Err(problem) if problem.status < 500 => {
                // Someone claimed one of these IDs meanwhile: register them one by one instead.
                together.rollback().await.map_err(internal)?;
                tracing::info!(%import, households = clear.len(), "IDs of the batch were claimed meanwhile; registering one by one");
                one_by_one.extend(clear_at.iter().copied().zip(&clear));
            }
            Err(problem) => return Err(problem),
        }
    }
    one_by_one.sort_by_key(|(k, _)| *k);
    for (k, a) in one_by_one {
        let outcome = one(s, txn, p, &households[k], a.valid).await?;
        if outcome.is_ok() {
            registered.push((k, &a.indexes));
        }
        outcomes[k] = Some(outcome);
    }
    let claims: Vec<import_id::ActiveModel> = registered
        .iter()
        .flat_map(|(k, indexes)| {
            indexes.iter().enumerate().map(|(i, ix)| import_id::ActiveModel {
                import_id: Set(import),
                id_index: Set(ix.clone()),
                row: Set(households[*k].rows.get(i).copied().unwrap_or_default()),
            })
        })
        .collect();
    for chunk in claims.chunks(1000) {
        import_id::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await.map_err(internal)?;
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or_else(|| Err(vec![]))).collect())
}

/// A household's rows as a validated application the importer may register, or its errors.
fn validated(p: &Principal, h: &ImportedHousehold, today: NaiveDate) -> Result<domain::ValidHousehold, Vec<RowError>> {
    if !h.errors.is_empty() {
        return Err(h.errors.clone());
    }
    let Some(req) = &h.household else {
        return Err(vec![at(h, 0, "household_ref", "the household's rows could not be read")]);
    };
    let valid = domain::validate(req, today).map_err(|problem| located(h, &problem))?;
    if let Err(problem) = crate::registration::may_register(p, &valid) {
        return Err(vec![at(h, 0, "village", problem.detail.as_deref().unwrap_or(&problem.title))]);
    }
    Ok(valid)
}

/// Registers one household under a savepoint through the single-application path.
async fn one(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    h: &ImportedHousehold,
    valid: &domain::ValidHousehold,
) -> Result<Outcome, Problem> {
    let savepoint = txn.begin().await.map_err(internal)?;
    match crate::registration::register_in(s, &savepoint, p, valid).await {
        Ok((_, status)) => {
            savepoint.commit().await.map_err(internal)?;
            Ok(Ok(status))
        }
        Err(problem) => {
            savepoint.rollback().await.map_err(internal)?;
            if problem.status >= 500 {
                return Err(problem);
            }
            Ok(Err(located(h, &problem)))
        }
    }
}

/// The households (by position) whose reference the file used before — in an earlier batch or
/// earlier in this one — with the row where it was first used. The other references are
/// recorded.
async fn refs_used_before(
    txn: &DatabaseTransaction,
    import: Uuid,
    households: &[ImportedHousehold],
) -> Result<Vec<(usize, i64)>, Problem> {
    let refs: Vec<String> = households.iter().map(|h| h.household_ref.clone()).filter(|r| !r.is_empty()).collect();
    let mut first: HashMap<String, i64> = HashMap::new();
    for chunk in refs.chunks(IN_LIST) {
        let found = import_ref::Entity::find()
            .filter(import_ref::Column::ImportId.eq(import))
            .filter(import_ref::Column::HouseholdRef.is_in(chunk.iter().cloned()))
            .all(txn)
            .await
            .map_err(internal)?;
        first.extend(found.into_iter().map(|r| (r.household_ref, r.row)));
    }
    let mut used = vec![];
    let mut fresh = vec![];
    for (k, h) in households.iter().enumerate().filter(|(_, h)| !h.household_ref.is_empty()) {
        if let Some(row) = first.get(&h.household_ref) {
            used.push((k, *row));
            continue;
        }
        let row = h.rows.first().copied().unwrap_or_default();
        first.insert(h.household_ref.clone(), row);
        fresh.push(import_ref::ActiveModel {
            import_id: Set(import),
            household_ref: Set(h.household_ref.clone()),
            row: Set(row),
        });
    }
    for chunk in fresh.chunks(1000) {
        import_ref::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await.map_err(internal)?;
    }
    Ok(used)
}

/// Places a validation problem's field errors on the file's rows and columns.
fn located(h: &ImportedHousehold, problem: &Problem) -> Vec<RowError> {
    if problem.errors.is_empty() {
        return vec![at(h, 0, "", problem.detail.as_deref().unwrap_or(&problem.title))];
    }
    problem.errors.iter().map(|e| locate(h, e)).collect()
}

fn locate(h: &ImportedHousehold, e: &FieldError) -> RowError {
    let parts: Vec<&str> = e.field.split('/').collect();
    let column = parts.iter().rev().find(|p| p.parse::<usize>().is_err()).copied().unwrap_or_default();
    match parts.as_slice() {
        ["members", i, ..] if i.parse::<usize>().is_ok() => at(h, i.parse().unwrap_or(0), column, &e.message),
        ["members"] if e.message.contains("head") => at(h, 0, "relation", &e.message),
        ["card", ..] => {
            let head = h
                .household
                .as_ref()
                .and_then(|r| r.members.iter().position(|m| m.relation == chain_api::identification::Relation::Head))
                .unwrap_or(0);
            at(h, head, column, &e.message)
        }
        _ => at(h, 0, column, &e.message),
    }
}

fn at(h: &ImportedHousehold, member: usize, field: &str, message: &str) -> RowError {
    RowError {
        row: h.rows.get(member).or(h.rows.first()).copied().unwrap_or_default(),
        household_ref: h.household_ref.clone(),
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// The report lines of a refused household: its errors, then every other row of it, refused
/// with the household.
fn refused(h: &ImportedHousehold, mut errors: Vec<RowError>) -> Vec<RowError> {
    let bad: Vec<i64> = {
        let mut b: Vec<i64> = errors.iter().map(|e| e.row).collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    let listed = bad.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    for row in h.rows.iter().filter(|r| !bad.contains(r)) {
        errors.push(RowError {
            row: *row,
            household_ref: h.household_ref.clone(),
            field: String::new(),
            message: format!("not registered: its household has errors in row {listed}"),
        });
    }
    errors.sort_by_key(|e| e.row);
    errors
}

async fn visible(s: &State, p: &Principal, id: Uuid) -> Result<import::Model, Problem> {
    let row = import::Entity::find_by_id(id).one(&s.db).await.map_err(internal)?.ok_or_else(hidden)?;
    let theirs = Jurisdiction::parse(&row.jurisdiction).map_err(internal)?;
    if !p.jurisdiction.covers_jurisdiction(&theirs) {
        return Err(hidden());
    }
    Ok(row)
}

/// The import, if the principal started it (only its importer's gateway sends its batches).
async fn owned<C: ConnectionTrait>(conn: &C, p: &Principal, id: Uuid) -> Result<import::Model, Problem> {
    import::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(internal)?
        .filter(|r| r.created_by == p.subject)
        .ok_or_else(hidden)
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

fn operation(row: &import::Model) -> Result<ImportOperation, Problem> {
    Ok(ImportOperation {
        id: row.id,
        status: parse_enum(&row.status).map_err(internal)?,
        file_name: row.file_name.clone(),
        file_size: row.file_size,
        kind: parse_enum::<FileKind>(&row.kind).map_err(internal)?,
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
