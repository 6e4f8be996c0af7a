//! Bulk import of households: the gateway keeps the uploaded file on disk, reads it row by row
//! on a blocking thread, groups rows into households and sends them to the identification
//! service in numbered batches (`household.import-batch`). The service registers each household
//! through the single-registration path and keeps the operation's counts and error report, so
//! any replica answers a poll. A bounded channel between reader and sender keeps memory flat
//! however large the file.

pub mod households;
pub mod rows;

use std::path::PathBuf;
use std::time::Duration;

use chain_api::imports::{FileKind, FinishImport, ImportBatch, ImportOperation, ImportedHousehold};
use chain_api::verbs::identification::{HOUSEHOLD_IMPORT_BATCH, IMPORT_FINISH, SERVICE};
use chain_api::{Principal, Problem};
use chain_bus::Bus;
use uuid::Uuid;

/// Households per batch request: large enough to amortise a transaction, small enough to
/// answer well inside the bus's request timeout and not to hold SQLite's single writer (and
/// with it every other request of the service) for long.
pub const BATCH: usize = 100;

/// Households of a batch and the rows they cover.
struct Batch {
    households: Vec<ImportedHousehold>,
    rows: i64,
}

/// Where an import stands: the data rows and batches already applied (zero for a new one).
#[derive(Debug, Clone, Copy, Default)]
pub struct Position {
    /// Data rows covered by the applied batches; batches end with a household, so reading
    /// resumes at the first row of a household.
    pub rows: i64,
    /// Batches applied.
    pub batches: i64,
}

/// Reads the file and drives the import to its end, then deletes the file; a resumed import
/// skips what `from` says was applied. Every household of the file is entered in `campaign`,
/// when one is given.
pub async fn run(
    bus: Bus,
    principal: Principal,
    id: Uuid,
    path: PathBuf,
    kind: FileKind,
    campaign: Option<chain_api::identification::CampaignEntry>,
    from: Position,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let reading = path.clone();
    let reader = tokio::task::spawn_blocking(move || read(&reading, kind, from.rows, tx));
    let mut seq = from.batches;
    let mut failure = None;
    while let Some(mut batch) = rx.recv().await {
        seq += 1;
        for h in batch.households.iter_mut().filter_map(|h| h.household.as_mut()) {
            h.adjustment = campaign;
        }
        let req = ImportBatch { import_id: id, seq, rows: batch.rows, households: batch.households };
        if let Err(problem) = send(&bus, &principal, &req).await {
            tracing::error!(import = %id, %problem, "an import batch failed");
            failure = Some(format!("batch {seq} could not be registered: {}", problem.title));
            break;
        }
    }
    drop(rx);
    let read = reader.await.unwrap_or_else(|e| Err(format!("the reader stopped: {e}")));
    if failure.is_none() {
        failure = read.err();
    }
    let _ = tokio::fs::remove_file(&path).await;
    let finish = FinishImport { import_id: id, failure };
    for attempt in 0..3 {
        match bus.request::<_, ImportOperation>(SERVICE, IMPORT_FINISH, &principal, &finish).await {
            Ok(_) => break,
            Err(problem) if problem.status >= 500 && attempt < 2 => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(problem) => {
                tracing::error!(import = %id, %problem, "an import could not be finished");
                break;
            }
        }
    }
}

/// Sends a batch, retrying what may be a timeout: a batch is applied once, so a retry of one
/// that did commit changes nothing.
async fn send(bus: &Bus, principal: &Principal, req: &ImportBatch) -> Result<(), Problem> {
    let mut attempt = 0;
    loop {
        match bus.request::<_, ImportOperation>(SERVICE, HOUSEHOLD_IMPORT_BATCH, principal, req).await {
            Ok(_) => return Ok(()),
            Err(problem) if problem.status >= 500 && attempt < 3 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
            }
            Err(problem) => return Err(problem),
        }
    }
}

/// Reads the file on a blocking thread after its first `skip` data rows, sending full batches
/// as it goes.
fn read(path: &std::path::Path, kind: FileKind, skip: i64, tx: tokio::sync::mpsc::Sender<Batch>) -> Result<(), String> {
    rows::open(path, kind, |rows| {
        let Some((_, first)) = rows.next_row()? else { return Err("the file is empty".into()) };
        let header = households::Header::parse(&first)?;
        for _ in 0..skip {
            if rows.next_row()?.is_none() {
                return Err(format!("the file has fewer than the {skip} data rows already imported"));
            }
        }
        let mut grouper = households::Grouper::default();
        let mut batch = Batch { households: Vec::with_capacity(BATCH), rows: 0 };
        let flush = |batch: &mut Batch| -> Result<(), String> {
            let full = std::mem::replace(batch, Batch { households: Vec::with_capacity(BATCH), rows: 0 });
            tx.blocking_send(full).map_err(|_| "the import was abandoned".to_owned())
        };
        while let Some((row, cells)) = rows.next_row()? {
            if let Some(h) = grouper.push(&header, row, cells) {
                batch.rows += h.rows.len() as i64;
                batch.households.push(h);
                if batch.households.len() >= BATCH {
                    flush(&mut batch)?;
                }
            }
        }
        if let Some(h) = grouper.finish(&header) {
            batch.rows += h.rows.len() as i64;
            batch.households.push(h);
        }
        if !batch.households.is_empty() {
            flush(&mut batch)?;
        }
        Ok(())
    })
}
