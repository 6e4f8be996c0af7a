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
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
