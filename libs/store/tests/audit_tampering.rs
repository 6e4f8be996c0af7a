//! Someone with write access to a service database but without its audit key tampers with the
//! chain in every way we know of; `audit::verify` reports each. Runs on SQLite files, or on
//! PostgreSQL (a database created and dropped per test) when `CHAIN_TEST_DB=postgres`.

use chain_store::Db;
use chain_store::audit::{self, Actor, AuditKey, Checkpoint, Entry, MasterKey, Verdict, chain, head};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(chain_store::migration::SharedTables),
            Box::new(chain_store::migration::AuditChainId),
            Box::new(chain_store::migration::AuditIntake),
        ]
    }
}

fn postgres() -> bool {
    matches!(std::env::var("CHAIN_TEST_DB").as_deref(), Ok("postgres" | "postgresql" | "pg"))
}

fn pg_base() -> String {
    std::env::var("CHAIN_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh migrated database, removed when dropped.
struct TestDb {
    db: Db,
    file: Option<std::path::PathBuf>,
    pg_name: Option<String>,
}

impl TestDb {
    async fn fresh() -> TestDb {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let t = if postgres() {
            let admin = chain_store::connect(&format!("{}/postgres", pg_base())).await.unwrap();
            let name = format!("chain_audit_{}", &id[12..]);
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await.ok();
            let db = chain_store::connect(&format!("{}/{name}", pg_base())).await.unwrap();
            TestDb { db, file: None, pg_name: Some(name) }
        } else {
            let file = std::env::temp_dir().join(format!("chain-audit-{id}.db"));
            let db = chain_store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
            TestDb { db, file: Some(file), pg_name: None }
        };
        Migrator::up(&t.db, None).await.unwrap();
        t
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
        if let Some(name) = self.pg_name.take() {
            // Dropping runs inside the test's runtime, which cannot be blocked on: use a thread
            // with a runtime of its own.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async move {
                    if let Ok(admin) = chain_store::connect(&format!("{}/postgres", pg_base())).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        admin.close().await.ok();
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

fn key() -> AuditKey {
    MasterKey::from_bytes([5; 32]).for_service("planning")
}

/// The wall clock (these tests have no service clock).
#[allow(clippy::disallowed_methods)]
fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A database with a keyed chain of `n` entries.
async fn chain_of(n: usize) -> TestDb {
    let t = TestDb::fresh().await;
    audit::install(&t.db, &key(), now()).await.unwrap();
    for i in 0..n {
        let e = Entry::new(Actor::service("planning", "520624"), "plan.approve", "520624101201")
            .reason(Some(&format!("entry {}", i + 1)))
            .payload(&serde_json::json!({ "n": i }));
        audit::append(&t.db, now(), e).await.unwrap();
    }
    audit::seal_all(&t.db).await.unwrap();
    t
}

async fn entries(db: &Db) -> Vec<audit::Model> {
    audit::Entity::find().order_by_asc(audit::Column::Seq).all(db).await.unwrap()
}

async fn entry(db: &Db, seq: i64) -> audit::Model {
    audit::Entity::find_by_id(seq).one(db).await.unwrap().unwrap()
}

async fn save(db: &Db, m: audit::Model) {
    let mut a: audit::ActiveModel = m.clone().into();
    a.reason = Set(m.reason);
    a.hash = Set(m.hash);
    a.prev_hash = Set(m.prev_hash);
    a.reset_all().update(db).await.unwrap();
}

async fn set_head(db: &Db, seq: i64, hash: &str) {
    let h = head::Entity::find_by_id(1).one(db).await.unwrap().unwrap();
    let mut a: head::ActiveModel = h.into();
    a.seq = Set(seq);
    a.hash = Set(hash.to_owned());
    a.update(db).await.unwrap();
}

async fn delete(db: &Db, seq: i64) {
    audit::Entity::delete_by_id(seq).exec(db).await.unwrap();
}

/// Re-chains every entry from `from` on with `hash` (which cannot be the keyed MAC without the
/// key) and points the head at the new last entry.
async fn rechain(db: &Db, from: i64, hash: impl Fn(&audit::Model) -> String) {
    rechain_range(db, from, i64::MAX, hash).await;
    let last = entries(db).await.pop().unwrap();
    set_head(db, last.seq, &last.hash).await;
}

/// Edits entry `from` and re-chains entries `from..=to` with `hash`.
async fn rechain_range(db: &Db, from: i64, to: i64, hash: impl Fn(&audit::Model) -> String) {
    let all = entries(db).await;
    let mut prev = all.iter().find(|m| m.seq == from - 1).map(|m| m.hash.clone()).unwrap_or(audit::GENESIS.into());
    for mut m in all.into_iter().filter(|m| (from..=to).contains(&m.seq)) {
        if m.seq == from {
            m.reason = Some("rewritten".into());
        }
        m.prev_hash = prev;
        m.hash = hash(&m);
        prev = m.hash.clone();
        save(db, m).await;
    }
}

#[track_caller]
fn assert_broken_at(v: Verdict, seq: i64, says: &str) {
    match v {
        Verdict::Broken { at_seq, reason } => {
            assert_eq!(at_seq, seq, "reported at the wrong entry: {reason}");
            assert!(reason.contains(says), "{reason:?} does not say {says:?}");
        }
        intact => panic!("tampering not detected: {intact:?}"),
    }
}

async fn verdict(db: &Db, checkpoints: &[Checkpoint]) -> Verdict {
    audit::verify(db, &key(), checkpoints).await.unwrap()
}

#[tokio::test]
async fn an_untampered_chain_verifies_with_its_checkpoints() {
    let t = chain_of(10).await;
    let cp = Checkpoint::sign(&key(), 8, &entry(&t.db, 8).await.hash, now());
    assert_eq!(verdict(&t.db, &[cp]).await, Verdict::Intact { entries: 10, unkeyed: 0, checkpoint: Some(8) });
    assert_eq!(verdict(&t.db, &[]).await, Verdict::Intact { entries: 10, unkeyed: 0, checkpoint: None });
}

#[tokio::test]
async fn an_edited_entry_is_reported() {
    let t = chain_of(10).await;
    let mut m = entry(&t.db, 4).await;
    m.reason = Some("nothing happened".into());
    save(&t.db, m).await;
    assert_broken_at(verdict(&t.db, &[]).await, 4, "edited");
}

#[tokio::test]
async fn an_entry_deleted_in_the_middle_is_reported() {
    let t = chain_of(10).await;
    delete(&t.db, 5).await;
    assert_broken_at(verdict(&t.db, &[]).await, 5, "missing");
}

#[tokio::test]
async fn the_last_entry_edited_and_rehashed_is_reported() {
    // With the unkeyed formula entries were once chained with…
    let t = chain_of(10).await;
    let mut m = entry(&t.db, 10).await;
    m.reason = Some("nothing happened".into());
    m.hash = chain::unkeyed_hash(&m);
    let hash = m.hash.clone();
    save(&t.db, m).await;
    set_head(&t.db, 10, &hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 10, "without the audit key");
    // …and with a key that is not the service's.
    let t = chain_of(10).await;
    let wrong = MasterKey::from_bytes([6; 32]).for_service("planning");
    let mut m = entry(&t.db, 10).await;
    m.reason = Some("nothing happened".into());
    m.hash = chain::entry_mac(&wrong, &m);
    let hash = m.hash.clone();
    save(&t.db, m).await;
    set_head(&t.db, 10, &hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 10, "MAC does not verify");
}

#[tokio::test]
async fn the_newest_entries_truncated_below_a_checkpoint_are_reported() {
    let t = chain_of(10).await;
    let cp = Checkpoint::sign(&key(), 10, &entry(&t.db, 10).await.hash, now());
    let eighth = entry(&t.db, 8).await.hash;
    delete(&t.db, 10).await;
    delete(&t.db, 9).await;
    set_head(&t.db, 8, &eighth).await;
    assert_broken_at(verdict(&t.db, std::slice::from_ref(&cp)).await, 9, "entries 9–10 missing");
    // The head alone lowered, the entries left: the head no longer names the last entry.
    let t = chain_of(10).await;
    let eighth = entry(&t.db, 8).await.hash;
    set_head(&t.db, 8, &eighth).await;
    assert_broken_at(verdict(&t.db, &[]).await, 9, "the head names entry 8");
    // Entries deleted but the head left: the newest are missing.
    let t = chain_of(10).await;
    delete(&t.db, 10).await;
    assert_broken_at(verdict(&t.db, &[]).await, 10, "latest entries missing");
}

#[tokio::test]
async fn a_chain_rechained_from_an_entry_onward_is_reported() {
    let t = chain_of(10).await;
    rechain(&t.db, 3, chain::unkeyed_hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 3, "without the audit key");
    let t = chain_of(10).await;
    let wrong = MasterKey::from_bytes([6; 32]).for_service("planning");
    rechain(&t.db, 3, |m| chain::entry_mac(&wrong, m)).await;
    assert_broken_at(verdict(&t.db, &[]).await, 3, "MAC does not verify");
    // Another service's key is a wrong key too.
    let t = chain_of(10).await;
    let other = MasterKey::from_bytes([5; 32]).for_service("funding");
    rechain(&t.db, 3, |m| chain::entry_mac(&other, m)).await;
    assert_broken_at(verdict(&t.db, &[]).await, 3, "MAC does not verify");
    // The whole chain rewritten as if it had never been keyed.
    let t = chain_of(10).await;
    let cp = Checkpoint::sign(&key(), 6, &entry(&t.db, 6).await.hash, now());
    rechain(&t.db, 1, chain::unkeyed_hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 10, "not keyed");
    assert_broken_at(verdict(&t.db, &[cp]).await, 6, "signed in the checkpoint");
}

#[tokio::test]
async fn a_rewritten_head_is_reported() {
    let t = chain_of(10).await;
    set_head(&t.db, 10, &entry(&t.db, 9).await.hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 10, "head's hash");
    let t = chain_of(10).await;
    set_head(&t.db, 12, &entry(&t.db, 10).await.hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 11, "latest entries missing");
}

#[tokio::test]
async fn a_forged_checkpoint_is_reported() {
    let t = chain_of(4).await;
    let wrong = MasterKey::from_bytes([6; 32]).for_service("planning");
    let forged = Checkpoint::sign(&wrong, 4, &entry(&t.db, 4).await.hash, now());
    assert_broken_at(verdict(&t.db, &[forged]).await, 4, "not signed with the audit key");
    let genuine = Checkpoint::sign(&key(), 4, &entry(&t.db, 4).await.hash, now());
    let moved = Checkpoint { seq: 3, ..genuine };
    assert_broken_at(verdict(&t.db, &[moved]).await, 3, "not signed with the audit key");
}

/// A database from before entries were keyed: its entries stay as written, and the keyed
/// service's first start anchors them, after which they cannot change either.
#[tokio::test]
async fn entries_from_before_keying_are_kept_and_anchored() {
    let t = TestDb::fresh().await;
    let mut prev = audit::GENESIS.to_owned();
    for seq in 1..=3 {
        let mut m = audit::Model {
            seq,
            at: DateTime::from_timestamp_micros(now().timestamp_micros()).unwrap(),
            actor: "planning".into(),
            role: "service".into(),
            jurisdiction: "520624".into(),
            action: "plan.create".into(),
            division: "520624101201".into(),
            subject_id: None,
            reason: None,
            payload_hash: "00".into(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        m.hash = chain::unkeyed_hash(&m);
        prev = m.hash.clone();
        audit::ActiveModel::from(m).insert(&t.db).await.unwrap();
    }
    set_head(&t.db, 3, &prev).await;
    assert_broken_at(verdict(&t.db, &[]).await, 3, "not keyed");
    audit::install(&t.db, &key(), now()).await.unwrap();
    audit::install(&t.db, &key(), now()).await.unwrap();
    assert_eq!(entry(&t.db, 4).await.action, chain::KEYED, "anchored once");
    assert_eq!(verdict(&t.db, &[]).await, Verdict::Intact { entries: 4, unkeyed: 3, checkpoint: None });
    // An old entry edited and the old part re-chained: the anchor's link no longer holds, and
    // moving the link breaks the anchor's MAC.
    rechain_range(&t.db, 2, 3, chain::unkeyed_hash).await;
    assert_broken_at(verdict(&t.db, &[]).await, 4, "previous hash");
    let mut anchor = entry(&t.db, 4).await;
    anchor.prev_hash = entry(&t.db, 3).await.hash;
    save(&t.db, anchor).await;
    assert_broken_at(verdict(&t.db, &[]).await, 4, "edited");
}

fn plain(label: &str) -> Entry {
    Entry::new(Actor::service("planning", "520624"), "plan.approve", "520624101201").reason(Some(label))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_do_not_wait_on_the_chain_and_every_committed_entry_is_chained_once() {
    use sea_orm::TransactionTrait;
    let t = TestDb::fresh().await;
    audit::install(&t.db, &key(), now()).await.unwrap();
    // A change whose transaction stays open holds nothing another change needs (on PostgreSQL;
    // SQLite takes one writer at a time whatever is written).
    let open = t.db.begin().await.unwrap();
    audit::append(&open, now(), plain("held open")).await.unwrap();
    if postgres() {
        let other = async {
            let txn = t.db.begin().await.unwrap();
            audit::append(&txn, now(), plain("beside")).await.unwrap();
            txn.commit().await.unwrap();
            audit::seal_all(&t.db).await.unwrap()
        };
        let sealed = tokio::time::timeout(std::time::Duration::from_secs(5), other).await;
        assert_eq!(sealed.expect("a second writer and the sealer wait for an open transaction"), 1);
        assert_eq!(entries(&t.db).await.len(), 1, "only the committed entry is chained");
    }
    open.rollback().await.unwrap();
    // Concurrent writers with a sealer running among them: nothing lost, nothing twice, and a
    // change that rolls back leaves no entry.
    let sealer = {
        let db = t.db.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                audit::seal_all(&db).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let db = t.db.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    let txn = db.begin().await.unwrap();
                    audit::append_many(&txn, now(), &[plain(&format!("{w}-{i}-a")), plain(&format!("{w}-{i}-b"))])
                        .await
                        .unwrap();
                    if i == 9 { txn.rollback().await.unwrap() } else { txn.commit().await.unwrap() }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    sealer.await.unwrap();
    audit::seal_all(&t.db).await.unwrap();
    assert_eq!(audit::unsealed(&t.db).await.unwrap(), 0);
    let chained = entries(&t.db).await;
    let expected = if postgres() { 1 + 8 * 9 * 2 } else { 8 * 9 * 2 };
    assert_eq!(chained.len(), expected);
    let mut reasons: Vec<_> = chained.iter().filter_map(|m| m.reason.clone()).collect();
    reasons.sort();
    reasons.dedup();
    assert_eq!(reasons.len(), expected, "every entry chained once");
    let rolled_back = |r: &String| r == "held open" || r.contains("-9-");
    assert!(!reasons.iter().any(rolled_back), "rolled back, yet chained: {reasons:?}");
    assert_eq!(verdict(&t.db, &[]).await, Verdict::Intact { entries: expected as i64, unkeyed: 0, checkpoint: None });
}
