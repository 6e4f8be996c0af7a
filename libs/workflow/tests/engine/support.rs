//! What every engine test needs: a fresh database of the chosen backend (SQLite files by default,
//! a PostgreSQL database created and dropped per test when `CHAIN_TEST_DB=postgres`), the engine
//! over it, officials, and short ways to take steps and read rows.

use std::path::PathBuf;

use chain_api::step::Step;
use chain_api::workflow::{IssueDirective, Issued, Service, StepNote, Targets, Task};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Jurisdiction;
use chain_store::Db;
use chain_store::audit::{self, Verdict};
use chain_workflow::entity::{accountability, event, task};
use chain_workflow::{Action, Clock, Engine};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use uuid::Uuid;

/// The service every test's engine belongs to.
pub const SERVICE: &str = "planning";

/// The migrations of a service's database that the engine needs.
struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(chain_store::migration::SharedTables),
            Box::new(chain_workflow::migration::TaskTables),
            Box::new(chain_store::migration::AuditChainId),
            Box::new(chain_store::migration::AuditIntake),
        ]
    }
}

/// The test service's audit keys.
pub fn audit_key() -> audit::AuditKey {
    audit::MasterKey::from_bytes([9; 32]).for_service(SERVICE)
}

/// Migrates `db` and installs the test service's audit key, as a service does at start.
async fn migrate(db: &Db) {
    Migrator::up(db, None).await.expect("migrate");
    audit::install(db, &audit_key(), Clock::system().now()).await.expect("install the audit key");
}

/// Whether the tests run on PostgreSQL.
pub fn postgres() -> bool {
    matches!(std::env::var("CHAIN_TEST_DB").as_deref(), Ok("postgres" | "postgresql" | "pg"))
}

/// The backend's name, for messages.
pub fn backend() -> &'static str {
    if postgres() { "postgres" } else { "sqlite" }
}

fn pg_base() -> String {
    std::env::var("CHAIN_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh, migrated database; removed again when dropped (also after a failed test).
pub struct TestDb {
    /// Its URL, to connect again as a restarted service would.
    pub url: String,
    /// A connection pool.
    pub db: Db,
    sqlite_file: Option<PathBuf>,
    pg_name: Option<String>,
}

impl TestDb {
    /// Creates and migrates a database on the chosen backend.
    pub async fn fresh() -> TestDb {
        chain_telemetry::init_for_tests();
        if postgres() { TestDb::fresh_postgres().await } else { TestDb::fresh_sqlite().await }
    }

    /// Creates and migrates a SQLite database file, whatever the chosen backend.
    pub async fn fresh_sqlite() -> TestDb {
        let file = std::env::temp_dir().join(format!("chain-workflow-{}.db", Uuid::now_v7().simple()));
        let url = format!("sqlite://{}", file.display());
        let db = chain_store::connect(&url).await.expect("open a SQLite file");
        migrate(&db).await;
        TestDb { url, db, sqlite_file: Some(file), pg_name: None }
    }

    async fn fresh_postgres() -> TestDb {
        let admin = chain_store::connect(&format!("{}/postgres", pg_base())).await.expect("connect to PostgreSQL");
        let name = format!("chain_wf_{}", &Uuid::now_v7().simple().to_string()[12..]);
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
        admin.close().await.ok();
        let url = format!("{}/{name}", pg_base());
        let db = chain_store::connect(&url).await.expect("connect to the test database");
        migrate(&db).await;
        TestDb { url, db, sqlite_file: None, pg_name: Some(name) }
    }

    /// A new connection pool to the same database, as a restarted service opens.
    pub async fn reconnect(&self) -> Db {
        chain_store::connect(&self.url).await.expect("connect again")
    }

    /// An engine of the test service over this database.
    pub fn engine(&self, clock: &Clock) -> Engine {
        Engine::new(self.db.clone(), SERVICE, clock.clone(), "chain")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = self.sqlite_file.take() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some(name) = self.pg_name.take() {
            // Dropping runs inside the test's runtime, which cannot be blocked on: use a thread
            // with a runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    if let Ok(admin) = chain_store::connect(&format!("{}/postgres", pg_base())).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

/// An official with a subject, a jurisdiction (`CN` or a code) and roles.
pub fn official(subject: &str, jurisdiction: &str, roles: &[Role]) -> Principal {
    Principal {
        subject: subject.to_owned(),
        roles: roles.to_vec(),
        jurisdiction: Jurisdiction::parse(jurisdiction).expect("a valid jurisdiction"),
    }
}

/// An operator of a layer, named after it.
pub fn operator(jurisdiction: &str) -> Principal {
    official(&format!("op-{jurisdiction}"), jurisdiction, &[Role::Operator])
}

/// An approver of a layer; `n` tells several apart.
pub fn approver(jurisdiction: &str, n: u32) -> Principal {
    official(&format!("ap{n}-{jurisdiction}"), jurisdiction, &[Role::Approver])
}

/// A directive of the test service with a deadline `days` ahead of `now`.
pub fn directive(title: &str, targets: Targets, now: DateTime<Utc>, days: i64) -> IssueDirective {
    IssueDirective {
        service: Service::Planning,
        kind: "supervision.check".into(),
        title: title.into(),
        body: serde_json::json!({ "instructions": "check and report" }),
        targets,
        due_date: None,
        due_at: Some(now + Duration::days(days)),
        quota: None,
        required_approvals: None,
        assignee_role: None,
        notice_kind: None,
    }
}

/// Targets named by code.
pub fn divisions(codes: &[&str]) -> Targets {
    Targets { divisions: Some(codes.iter().map(|c| (*c).to_owned()).collect()), level: None }
}

/// Issues a directive, failing the test on a problem.
#[track_caller]
pub fn expect_ok<T>(r: Result<T, Problem>) -> T {
    match r {
        Ok(v) => v,
        Err(p) => panic!("unexpected problem: {p:?}"),
    }
}

/// Asserts a problem of a kind.
#[track_caller]
pub fn expect_problem<T: std::fmt::Debug>(r: Result<T, Problem>, kind: ProblemKind) -> Problem {
    match r {
        Ok(v) => panic!("expected {}, got success: {v:?}", kind.slug()),
        Err(p) => {
            assert!(p.is(kind), "expected {}, got {p:?}", kind.slug());
            assert_eq!(p.status, kind.status());
            p
        }
    }
}

/// A step with an optional reason and `If-Match` version.
pub async fn step(
    e: &Engine,
    p: &Principal,
    action: Action,
    id: Uuid,
    reason: Option<&str>,
    expected_version: Option<i64>,
) -> Result<Task, Problem> {
    e.step(p, action, Step { id, expected_version, body: StepNote { reason: reason.map(str::to_owned) } }).await
}

/// Issues a directive and returns what it opened.
pub async fn issue(e: &Engine, p: &Principal, d: IssueDirective) -> Issued {
    expect_ok(e.issue(p, d).await)
}

/// Every task row of a tree, by division.
pub async fn tasks_of(db: &Db, root: Uuid) -> Vec<task::Model> {
    use sea_orm::{ColumnTrait, QueryFilter};
    task::Entity::find()
        .filter(task::Column::RootId.eq(root))
        .order_by_asc(task::Column::Division)
        .all(db)
        .await
        .expect("read tasks")
}

/// The task row of a division in a tree.
pub async fn task_at(db: &Db, root: Uuid, division: &str) -> task::Model {
    tasks_of(db, root)
        .await
        .into_iter()
        .find(|t| t.division == division)
        .unwrap_or_else(|| panic!("no task at {division}"))
}

/// The whole change log, in order.
pub async fn all_events(db: &Db) -> Vec<event::Model> {
    event::Entity::find().order_by_asc(event::Column::Seq).all(db).await.expect("read events")
}

/// The accountability records.
pub async fn accountability_rows(db: &Db) -> Vec<accountability::Model> {
    accountability::Entity::find().all(db).await.expect("read accountability")
}

/// Rows in a table.
pub async fn count_rows<E: EntityTrait>(db: &Db) -> u64
where
    E::Model: Sync,
{
    E::find().count(db).await.expect("count rows")
}

/// Asserts the audit chain is intact; returns its length.
pub async fn assert_audit_intact(db: &Db) -> i64 {
    audit::seal_all(db).await.expect("seal the audit intake");
    match audit::verify(db, &audit_key(), &[]).await.expect("walk the audit chain") {
        Verdict::Intact { entries, .. } => entries,
        broken => panic!("audit chain broken: {broken:?}"),
    }
}

/// Asserts that, for every task, the versions in the change log strictly increase with the
/// sequence, and never pass the task's current version.
pub async fn assert_event_versions_increase(db: &Db) {
    use std::collections::HashMap;
    let current: HashMap<Uuid, i64> =
        task::Entity::find().all(db).await.expect("read tasks").into_iter().map(|t| (t.id, t.version)).collect();
    let mut last: HashMap<Uuid, (i64, i64, String)> = HashMap::new();
    for e in all_events(db).await {
        if let Some((seq, v, change)) = last.get(&e.task_id) {
            assert!(
                e.version > *v,
                "task {}: event {} ({}) has version {} after event {seq} ({change}) with version {v}",
                e.task_id,
                e.seq,
                e.change,
                e.version
            );
        }
        let now = current.get(&e.task_id).copied().unwrap_or_default();
        assert!(e.version <= now, "event {} of task {} is ahead of the task (v{now})", e.seq, e.task_id);
        last.insert(e.task_id, (e.seq, e.version, e.change.clone()));
    }
}

/// Changes logged for one task, in order.
pub async fn changes_of(db: &Db, id: Uuid) -> Vec<String> {
    all_events(db).await.into_iter().filter(|e| e.task_id == id).map(|e| e.change).collect()
}
