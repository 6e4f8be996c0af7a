//! Keeping PostgreSQL's planner statistics current when the server does not.
//!
//! The planner chooses between an index and a scan from each table's statistics, which
//! autovacuum refreshes as rows change. With autovacuum off (some managed and CI servers run so),
//! a table created empty keeps the statistics of an empty table while it grows to millions of
//! rows, and queries that should read an index range — the outbox's pending events, a kind's open
//! tasks — scan the whole table instead, slower with every row. The keeper asks the server once
//! whether autovacuum runs; if it does not, it analyses, at each tick, the service's tables that
//! changed more than autovacuum's own default threshold (50 rows plus a tenth of the table) since
//! they were last analysed. A table holding more deleted rows than live ones by the same
//! threshold — one the service empties as it goes, as the audit intake — is vacuumed as well, so
//! that its space is reused and reading it stays as cheap as its few live rows. SQLite keeps no
//! such statistics, so there the keeper does nothing.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::Db;

/// Rows changed since the last `ANALYZE` before a table is analysed again: autovacuum's defaults
/// (`autovacuum_analyze_threshold` 50, `autovacuum_analyze_scale_factor` 0.1).
const THRESHOLD_ROWS: i64 = 50;
const THRESHOLD_SHARE: f64 = 0.1;

/// Whether the database refreshes planner statistics by itself: always for SQLite (it keeps none
/// to refresh), and for PostgreSQL when autovacuum runs.
pub async fn kept_by_server(db: &Db) -> Result<bool, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, "SHOW autovacuum")).await?;
    let on: String = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or_default();
    Ok(on == "on")
}

/// The service's tables (in the connection's schema) changed enough since their last `ANALYZE`.
pub async fn stale_tables(db: &Db) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT relname::text FROM pg_stat_user_tables \
             WHERE schemaname = current_schema() AND n_mod_since_analyze > $1 + $2 * n_live_tup \
             ORDER BY relname",
            [THRESHOLD_ROWS.into(), THRESHOLD_SHARE.into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get_by_index(0)).collect()
}

/// The service's tables holding more deleted rows than live ones, by the same threshold.
pub async fn emptied_tables(db: &Db) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT relname::text FROM pg_stat_user_tables \
             WHERE schemaname = current_schema() AND n_dead_tup > $1 + n_live_tup \
             ORDER BY relname",
            [THRESHOLD_ROWS.into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get_by_index(0)).collect()
}

fn quoted(tables: &[String]) -> String {
    tables.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(", ")
}

/// Vacuums (and analyses) the tables mostly of deleted rows and analyses the other stale ones,
/// returning the names of all of them.
pub async fn refresh(db: &Db) -> Result<Vec<String>, DbErr> {
    let emptied = emptied_tables(db).await?;
    let stale: Vec<String> = stale_tables(db).await?.into_iter().filter(|t| !emptied.contains(t)).collect();
    if !emptied.is_empty() {
        // Outside a transaction: each statement on the pool commits by itself.
        db.execute_unprepared(&format!("VACUUM (ANALYZE) {}", quoted(&emptied))).await?;
    }
    if !stale.is_empty() {
        db.execute_unprepared(&format!("ANALYZE {}", quoted(&stale))).await?;
    }
    let mut all = emptied;
    all.extend(stale);
    all.sort();
    Ok(all)
}

/// Runs the keeper every `every` until `stop` resolves, if the server does not keep statistics
/// itself; otherwise returns at once.
pub async fn keep(db: Db, every: Duration, stop: impl std::future::Future<Output = ()>) {
    match kept_by_server(&db).await {
        Ok(true) => return,
        Ok(false) => tracing::warn!(
            "autovacuum is off on this PostgreSQL server: the service keeps its tables' planner statistics itself"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not ask whether autovacuum runs; planner statistics are left to the server");
            return;
        }
    }
    tokio::pin!(stop);
    loop {
        match refresh(&db).await {
            Ok(t) if t.is_empty() => {}
            Ok(t) => tracing::debug!(tables = ?t, "refreshed planner statistics"),
            Err(e) => tracing::warn!(error = %e, "refreshing planner statistics failed; will retry"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = &mut stop => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbErr};

    /// What `look` finds once it finds anything: backends report their counts to the statistics
    /// system within seconds.
    async fn once_reported<F: std::future::Future<Output = Result<Vec<String>, DbErr>>>(
        look: impl Fn() -> F,
    ) -> Vec<String> {
        for _ in 0..300 {
            let found = look().await.unwrap();
            if !found.is_empty() {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        vec![]
    }

    /// A table that grew since its last `ANALYZE` is found stale and analysed once (the
    /// PostgreSQL pass of the suite, against `CHAIN_TEST_PG_URL`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_table_that_grew_is_analysed_once() {
        if std::env::var("CHAIN_TEST_DB").as_deref() != Ok("postgres") {
            return;
        }
        let _alone = crate::db::tests::PG_SOCKETS.lock().await;
        let base = std::env::var("CHAIN_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let admin = crate::connect(&format!("{base}/postgres")).await.unwrap();
        let name = format!("chain_stats_{}", &uuid::Uuid::now_v7().simple().to_string()[12..]);
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
        let db = crate::connect(&format!("{base}/{name}")).await.unwrap();
        db.execute_unprepared("CREATE TABLE grows (n integer); ANALYZE grows").await.unwrap();
        db.execute_unprepared("INSERT INTO grows SELECT generate_series(1, 500)").await.unwrap();
        assert_eq!(once_reported(|| super::stale_tables(&db)).await, ["grows"]);
        assert_eq!(super::refresh(&db).await.unwrap(), ["grows"]);
        assert!(super::stale_tables(&db).await.unwrap().is_empty(), "analysed, it is fresh again");
        // Emptied, it is vacuumed: its dead rows are gone.
        db.execute_unprepared("DELETE FROM grows").await.unwrap();
        assert_eq!(once_reported(|| super::emptied_tables(&db)).await, ["grows"]);
        assert_eq!(super::refresh(&db).await.unwrap(), ["grows"]);
        assert!(super::emptied_tables(&db).await.unwrap().is_empty(), "vacuumed, its dead rows are gone");
        db.close().await.ok();
        admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
    }
}
