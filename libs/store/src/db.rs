//! Connecting to a database by URL: `sqlite:///path/file.db` or `postgres://…`.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlErr};

/// A service's database connection pool.
pub type Db = DatabaseConnection;

/// Connects to the database at `url`, creating a SQLite file if it is missing.
///
/// SQLite runs with one pooled connection in WAL mode: every write is serialised, so
/// read-then-write transactions never fail with `SQLITE_BUSY`. Code holding a transaction must
/// therefore never touch the pool itself until it commits.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let sqlite = url.starts_with("sqlite:");
    let url = if sqlite && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
    if sqlite {
        opts.max_connections(1).min_connections(1);
    } else {
        opts.max_connections(16);
        let pg: sea_orm::sqlx::postgres::PgConnectOptions =
            url.parse().with_context(|| format!("reading the database URL {}", redact(&url)))?;
        if pg.get_socket().is_none() {
            let port = pg.get_port();
            opts.map_sqlx_postgres_pool_opts(move |pool| {
                pool.after_connect(move |_, _| {
                    crate::nodelay::set_on_connections_to(port);
                    Box::pin(async { Ok(()) })
                })
            });
        }
    }
    let db =
        Database::connect(opts).await.with_context(|| format!("connecting to the database at {}", redact(&url)))?;
    if sqlite {
        use sea_orm::ConnectionTrait;
        // A 64 MiB page cache: a county's registry runs to hundreds of megabytes, and with the
        // 2 MiB default every batch of an import re-reads its index pages through the OS.
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;",
        )
        .await
        .context("setting SQLite pragmas")?;
    }
    Ok(db)
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::redact;

    /// Held by the unit tests that open PostgreSQL connections: the `TCP_NODELAY` test counts the
    /// process's sockets to the server, and a connection another test is opening meanwhile has not
    /// had it set yet.
    pub(crate) static PG_SOCKETS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    /// Every pooled PostgreSQL connection runs with `TCP_NODELAY` (the PostgreSQL pass of the
    /// suite, against `CHAIN_TEST_PG_URL`).
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_connections_do_not_wait_for_delayed_acknowledgements() {
        use sea_orm::ConnectionTrait;
        if std::env::var("CHAIN_TEST_DB").as_deref() != Ok("postgres") {
            return;
        }
        let _alone = PG_SOCKETS.lock().await;
        let base = std::env::var("CHAIN_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let url = format!("{base}/postgres");
        let options: sea_orm::sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        let db = super::connect(&url).await.unwrap();
        // Several statements at once, so the pool opens several connections.
        let sleeps: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.execute_unprepared("SELECT pg_sleep(0.2)").await.map(|_| ()) })
            })
            .collect();
        for sleep in sleeps {
            sleep.await.unwrap().unwrap();
        }
        let (on, all) = crate::nodelay::count_on_connections_to(options.get_port());
        assert!(all >= 2, "the pool opened {all} connections");
        assert_eq!(on, all);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
