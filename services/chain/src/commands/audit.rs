//! `chain audit verify`: walks each service's hash-chained audit log.

use std::path::Path;

use chain::Databases;

/// Which databases `chain audit verify` reads: the given ones, or the four service databases in
/// the data directory (opened without creating a missing file).
fn audit_targets(data: &Path, urls: &[String]) -> Vec<(String, String)> {
    if urls.is_empty() {
        let dbs = Databases::sqlite_in(data);
        return [
            ("identification", dbs.identification),
            ("planning", dbs.planning),
            ("funding", dbs.funding),
            ("exit", dbs.exit),
        ]
        .into_iter()
        .map(|(name, url)| (name.to_owned(), url.replace("mode=rwc", "mode=rw")))
        .collect();
    }
    urls.iter()
        .map(|given| match given.split_once('=') {
            Some((name, url))
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                (name.to_owned(), without_create(url))
            }
            _ => (chain_store::db::redact(given), without_create(given)),
        })
        .collect()
}

/// A SQLite URL that opens an existing file only (verifying must never create a database).
fn without_create(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rw")
    } else {
        url.to_owned()
    }
}

/// `chain audit verify`: prints one verdict per database; answers the exit status.
pub async fn verify(data: &Path, urls: &[String]) -> i32 {
    use chain_store::audit::Verdict;
    let data = data.canonicalize().unwrap_or_else(|_| data.to_path_buf());
    let (mut broken, mut unreadable) = (false, false);
    for (name, url) in audit_targets(&data, urls) {
        let db = match chain_store::connect(&url).await {
            Ok(db) => db,
            Err(e) => {
                println!("{name}: cannot open: {e}: {}", e.root_cause());
                unreadable = true;
                continue;
            }
        };
        match chain_store::audit::verify(&db).await {
            Ok(Verdict::Intact { entries }) => println!("{name}: intact, {entries} entries"),
            Ok(Verdict::Broken { at_seq, reason }) => {
                println!("{name}: BROKEN at entry {at_seq}: {reason}");
                broken = true;
            }
            Err(e) => {
                println!("{name}: cannot read the audit log: {e}");
                unreadable = true;
            }
        }
        let _ = db.close().await;
    }
    if broken {
        1
    } else if unreadable {
        2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_targets_default_to_the_service_databases_without_creating_them() {
        let t = audit_targets(std::path::Path::new("/data"), &[]);
        let names: Vec<_> = t.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["identification", "planning", "funding", "exit"]);
        assert_eq!(t[1].1, "sqlite:///data/planning.db?mode=rw");
    }

    #[test]
    fn audit_targets_take_an_optional_service_name() {
        let t = audit_targets(
            std::path::Path::new("/data"),
            &["funding=postgres://u:pw@db/funding".into(), "sqlite:///x/exit.db?mode=rw".into()],
        );
        assert_eq!(t[0], ("funding".into(), "postgres://u:pw@db/funding".into()));
        assert_eq!(t[1], ("sqlite:///x/exit.db?mode=rw".into(), "sqlite:///x/exit.db?mode=rw".into()));
        let t = audit_targets(std::path::Path::new("/data"), &["exit=sqlite:///x/exit.db".into()]);
        assert_eq!(t[0].1, "sqlite:///x/exit.db?mode=rw", "a given file is never created");
        let t = audit_targets(std::path::Path::new("/data"), &["postgres://u:secret@h/db?sslmode=disable".into()]);
        assert_eq!(t[0].0, "postgres://u:***@h/db?sslmode=disable");
    }
}
