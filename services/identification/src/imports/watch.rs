//! Finding imports whose reader stopped: a running import that has had no batch for its lease is
//! marked interrupted (its importer may resume it with the same file).

use chain_api::Principal;
use chain_api::imports::ImportStatus;
use sea_orm::TransactionTrait;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;

use super::operation::{self, LEASE};
use crate::State;
use crate::error::Result;
use crate::store::enum_str;
use crate::store::imports::import;

/// Marks running imports that have had no batch for [`LEASE`] as interrupted, each with an
/// audit entry. Returns how many.
pub async fn interrupt_stale(s: &State) -> Result<u64> {
    let now = s.now();
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
            operation::record(&txn, now, &Principal::system(), "household.import-interrupted", &row, &failure).await?;
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
                tracing::warn!(error = format!("{:#}", anyhow::Error::from(e)), "import watch: will retry");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait() => break,
            }
        }
    })
}
