//! Registering a batch of an import's households: claimed once, in order, each household checked
//! as a single application and against the file itself, the clear ones registered together and
//! the rest one by one, the refused ones reported on their rows.

use std::collections::{HashMap, HashSet};

use chain_api::identification::HouseholdStatus;
use chain_api::imports::{ImportBatch, ImportOperation, ImportStatus, ImportedHousehold, RowError};
use chain_api::{Principal, Problem};
use chrono::NaiveDate;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use super::operation::{interrupted, owned, to_api};
use super::report::{at, located, located_fields, refusal, refused};
use crate::State;
use crate::domain::household::{self as rules, ValidHousehold};
use crate::error::Result;
use crate::registration::Application;
use crate::store::enum_str;
use crate::store::imports::{import, import_error, import_id, import_ref};

/// `household.import-batch`: registers the next batch of an import's households.
pub async fn batch(s: State, p: Principal, req: ImportBatch) -> Result<ImportOperation> {
    let now = s.now();
    let txn = s.db.begin().await?;
    // Claiming the batch number first takes the write lock and makes a retried batch a no-op.
    let claimed = import::Entity::update_many()
        .col_expr(import::Column::Batches, Expr::value(req.seq))
        .col_expr(import::Column::LastActiveAt, Expr::value(Some(now)))
        .filter(import::Column::Id.eq(req.import_id))
        .filter(import::Column::Batches.eq(req.seq - 1))
        .filter(import::Column::Status.eq(enum_str(&ImportStatus::Running)))
        .filter(import::Column::CreatedBy.eq(p.subject.as_str()))
        .exec(&txn)
        .await?;
    let row = owned(&txn, &p, req.import_id).await?;
    if claimed.rows_affected == 0 {
        if row.batches >= req.seq {
            return to_api(&row);
        }
        if row.status == enum_str(&ImportStatus::Interrupted) {
            return Err(interrupted(&row).into());
        }
        if row.status != enum_str(&ImportStatus::Running) {
            return Err(Problem::transition("the import has finished").into());
        }
        let why = format!("the import expects batch {}, not {}", row.batches + 1, req.seq);
        return Err(Problem::transition(why).into());
    }
    let today = chain_domain::calendar::beijing_date(now);
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
        .await?;
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
        .await?;
    let row = owned(&txn, &p, req.import_id).await?;
    txn.commit().await?;
    s.outbox.wake();
    if req.seq >= 8 && req.seq.count_ones() == 1 {
        refresh_statistics(&s).await;
    }
    to_api(&row)
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
type Outcome = std::result::Result<HouseholdStatus, Vec<RowError>>;

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
) -> Result<Vec<Outcome>> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; households.len()];
    for (k, first) in refs_used_before(txn, import, households).await? {
        let message =
            format!("already used by the household starting in row {first}; a household's rows must be consecutive");
        outcomes[k] = Some(Err(vec![at(&households[k], 0, "household_ref", &message)]));
    }
    let mut valid: Vec<(usize, ValidHousehold)> = vec![];
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
            && let Err(e) = crate::adjustment::check_entry(s, txn, &v.village, entry, &application.indexes).await
        {
            outcomes[*k] = Some(Err(located(&households[*k], &refusal(e)?)));
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
            .await?;
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
        held.extend(crate::active_ids::conflicts(txn, chunk).await?.into_iter().map(|c| c.index));
    }
    let (clear, suspect): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|(_, a)| !a.indexes.iter().any(|ix| held.contains(ix)));
    let (clear_at, clear): (Vec<usize>, Vec<Application<'_>>) = clear.into_iter().unzip();
    let mut registered: Vec<(usize, &[String])> = vec![];
    let mut one_by_one: Vec<(usize, &Application<'_>)> = suspect.iter().map(|(k, a)| (*k, a)).collect();
    if !clear.is_empty() {
        let together = txn.begin().await?;
        match crate::registration::register_clear(s, &together, p, &clear).await {
            Ok(_) => {
                together.commit().await?;
                for (k, a) in clear_at.iter().zip(&clear) {
                    outcomes[*k] = Some(Ok(HouseholdStatus::Applied));
                    registered.push((*k, &a.indexes));
                }
            }
            Err(e) => {
                refusal(e)?;
                // Someone claimed one of these IDs meanwhile: register them one by one instead.
                together.rollback().await?;
                tracing::info!(%import, households = clear.len(), "IDs of the batch were claimed meanwhile; registering one by one");
                one_by_one.extend(clear_at.iter().copied().zip(&clear));
            }
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
        import_id::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or_else(|| Err(vec![]))).collect())
}

/// A household's rows as a validated application the importer may register, or its errors.
fn validated(
    p: &Principal,
    h: &ImportedHousehold,
    today: NaiveDate,
) -> std::result::Result<ValidHousehold, Vec<RowError>> {
    if !h.errors.is_empty() {
        return Err(h.errors.clone());
    }
    let Some(req) = &h.household else {
        return Err(vec![at(h, 0, "household_ref", "the household's rows could not be read")]);
    };
    let valid = rules::validate(req, today).map_err(|bad| located_fields(h, &bad))?;
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
    valid: &ValidHousehold,
) -> Result<Outcome> {
    let savepoint = txn.begin().await?;
    match crate::registration::register_in(s, &savepoint, p, valid).await {
        Ok((_, status)) => {
            savepoint.commit().await?;
            Ok(Ok(status))
        }
        Err(e) => {
            savepoint.rollback().await?;
            Ok(Err(located(h, &refusal(e)?)))
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
) -> Result<Vec<(usize, i64)>> {
    let refs: Vec<String> = households.iter().map(|h| h.household_ref.clone()).filter(|r| !r.is_empty()).collect();
    let mut first: HashMap<String, i64> = HashMap::new();
    for chunk in refs.chunks(IN_LIST) {
        let found = import_ref::Entity::find()
            .filter(import_ref::Column::ImportId.eq(import))
            .filter(import_ref::Column::HouseholdRef.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?;
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
        import_ref::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    Ok(used)
}
