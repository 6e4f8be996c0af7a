//! The audit log: every state change and sign-off appends an entry holding the MAC of the one
//! before, keyed with the service's audit key (see [`chain`]), so an edited, deleted or re-chained
//! entry breaks the chain and [`verify`] finds it; signed [`Checkpoint`]s kept outside the
//! database catch a truncated chain.
//!
//! A change writes its entries into the *intake* ([`intake`]) in its own transaction, so an entry
//! exists exactly when its change does, and no writer waits for another to commit. The service
//! then [`seal`]s the intake into the chain: one transaction at a time holds the chain's head,
//! links what has been committed to the intake since, in the order it finds it, and moves the
//! head once. The service seals every [`SEAL_EVERY`] while it runs, and before the log is read
//! or checkpointed, so entries wait unchained for a fraction of a second.

pub mod chain;
pub mod checkpoint;
pub mod intake;
pub mod key;
mod verify;

pub use chain::install;
pub use checkpoint::Checkpoint;
pub use key::{AuditKey, MasterKey};
pub use verify::{Verdict, verify};

use chain_api::Principal;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use sha2::{Digest, Sha256};

/// One audit entry.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Position in the chain, from 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// When.
    pub at: DateTimeUtc,
    /// Subject of the official (`system` for timers).
    pub actor: String,
    /// The roles the official acted with, comma-separated.
    pub role: String,
    /// The jurisdiction the official acted in (`CN` for the centre).
    pub jurisdiction: String,
    /// What was done, e.g. `household.approve`.
    pub action: String,
    /// The division of the record acted on.
    pub division: String,
    /// The record acted on.
    pub subject_id: Option<Uuid>,
    /// Reason or remark given.
    pub reason: Option<String>,
    /// SHA-256 of the change's payload (the payload itself may hold personal data).
    pub payload_hash: String,
    /// MAC of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// MAC of this entry (HMAC-SHA256 under the service's audit key; unkeyed SHA-256 for
    /// entries written before keying, see [`chain`]).
    pub hash: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The single-row head of the chain; updating it first serialises concurrent appends.
pub mod head {
    use sea_orm::entity::prelude::*;

    /// The chain head.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        /// Always 1.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// Sequence of the last entry (0 when empty).
        pub seq: i64,
        /// MAC of the last entry.
        pub hash: String,
        /// The chain's id, by which a process finds its key (set by [`super::install`]).
        pub chain: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The hash of the empty chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted: an official (by subject, roles and jurisdiction), the system's timers, or a
/// service acting on its own records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Subject of the official (`system` for timers, the service's name for its own acts).
    pub subject: String,
    /// The roles acted with, comma-separated.
    pub role: String,
    /// The jurisdiction acted in (`CN` for the centre).
    pub jurisdiction: String,
}

impl Actor {
    /// The official behind a request.
    pub fn of(p: &Principal) -> Actor {
        Actor { subject: p.subject.clone(), role: p.role_names(), jurisdiction: p.jurisdiction.to_string() }
    }

    /// The timers and other work nobody asked for at that moment.
    pub fn system() -> Actor {
        Actor { subject: SYSTEM.into(), role: SYSTEM.into(), jurisdiction: SYSTEM.into() }
    }

    /// A service acting on its own records in `division` (opening a procedure, reacting to an
    /// event).
    pub fn service(subject: &str, division: &str) -> Actor {
        Actor { subject: subject.to_owned(), role: "service".into(), jurisdiction: division.to_owned() }
    }
}

/// The subject, role and jurisdiction of the system's own acts.
pub const SYSTEM: &str = "system";

/// What is being recorded: who did what to which record in which division, why, and the hash
/// of the change's payload (the payload itself may hold personal data and is not kept).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who.
    pub actor: Actor,
    /// Action name, e.g. `household.approve`.
    pub action: String,
    /// Division of the record.
    pub division: String,
    /// The record.
    pub subject_id: Option<Uuid>,
    /// Reason or remark.
    pub reason: Option<String>,
    /// SHA-256 of the change's payload.
    pub payload_hash: String,
}

impl Entry {
    /// `action` by `actor` on a record in `division`, with an empty payload until
    /// [`Entry::payload`] says otherwise.
    pub fn new(actor: Actor, action: &str, division: &str) -> Entry {
        Entry {
            actor,
            action: action.to_owned(),
            division: division.to_owned(),
            subject_id: None,
            reason: None,
            payload_hash: payload_hash(&serde_json::Value::Null),
        }
    }

    /// `action` by the official behind a request.
    pub fn by(p: &Principal, action: &str, division: &str) -> Entry {
        Entry::new(Actor::of(p), action, division)
    }

    /// `action` by the system's timers.
    pub fn system(action: &str, division: &str) -> Entry {
        Entry::new(Actor::system(), action, division)
    }

    /// About the record `id`.
    pub fn about(mut self, id: Uuid) -> Entry {
        self.subject_id = Some(id);
        self
    }

    /// With the reason or remark given, if any.
    pub fn reason(mut self, reason: Option<&str>) -> Entry {
        self.reason = reason.map(str::to_owned);
        self
    }

    /// With the change's payload, of which only the hash is kept.
    pub fn payload(mut self, payload: &serde_json::Value) -> Entry {
        self.payload_hash = payload_hash(payload);
        self
    }
}

fn payload_hash(payload: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(payload.to_string().as_bytes()))
}

/// Appends an entry made at `at` (the service's clock) inside the caller's transaction: it
/// joins the intake and is chained at the next [`seal`].
pub async fn append<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, e: Entry) -> Result<(), DbErr> {
    append_many(conn, at, std::slice::from_ref(&e)).await
}

/// Rows written by one multi-row statement: at most this many, so that a statement's bound
/// values stay well inside SQLite's and PostgreSQL's limits.
pub(crate) const CHUNK: usize = 1000;

/// Appends entries, in order, inside the caller's transaction, in multi-row statements: a bulk
/// change costs a handful of statements however many entries it makes. Nothing is locked; the
/// entries are chained, in this order, at the next [`seal`]. Fails, appending nothing, while
/// the chain has no key installed in this process.
pub async fn append_many<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, entries: &[Entry]) -> Result<(), DbErr> {
    chain::key_of(&chain::head_of(conn).await?)?;
    let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    for part in entries.chunks(CHUNK) {
        let rows = part.iter().map(|e| intake::ActiveModel::from_entry(at, e));
        intake::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// How often a running service seals its intake.
pub const SEAL_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Intake entries one [`seal`] chains at most.
const SEAL_BATCH: u64 = 5000;

/// Chains what the intake holds: locks the head, links up to [`SEAL_BATCH`] committed intake
/// entries in the order of their arrival, moves the head and clears them from the intake, in one
/// transaction. Returns how many were sealed (call again while it returns the batch size).
pub async fn seal(db: &crate::Db) -> Result<u64, DbErr> {
    use sea_orm::{QuerySelect, TransactionTrait};
    // An idle service looks without writing anything.
    if intake::Entity::find().limit(1).one(db).await?.is_none() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    // Entries committed while this sealer waits for the head wait for the next turn.
    let current = chain::lock_head(&txn).await?;
    let waiting = intake::Entity::find().order_by_asc(intake::Column::Id).limit(SEAL_BATCH).all(&txn).await?;
    if waiting.is_empty() {
        // Another sealer took them.
        txn.rollback().await?;
        return Ok(0);
    }
    let key = chain::key_of(&current)?;
    let ids: Vec<i64> = waiting.iter().map(|w| w.id).collect();
    let entries = waiting.into_iter().map(intake::Model::into_entry);
    chain::extend(&txn, &key, &current, entries).await?;
    // Exactly the ids sealed: an entry with a lower id may be committed after this look.
    for part in ids.chunks(CHUNK) {
        intake::Entity::delete_many().filter(intake::Column::Id.is_in(part.iter().copied())).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(ids.len() as u64)
}

/// Seals until the intake is empty (of what was committed when it looked last).
pub async fn seal_all(db: &crate::Db) -> Result<u64, DbErr> {
    let mut total = 0;
    loop {
        let n = seal(db).await?;
        total += n;
        if n < SEAL_BATCH {
            return Ok(total);
        }
    }
}

/// How many entries wait in the intake, not yet chained (and so not yet covered by [`verify`]).
pub async fn unsealed<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    intake::Entity::find().count(conn).await
}

/// Chained entries in sequence order, filtered: divisions under `prefix` (all for `None`), about
/// `subject_id`, after `after`. [`seal`] first to include what the intake holds.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    prefix: Option<&str>,
    subject_id: Option<Uuid>,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut find = Entity::find();
    if let Some(p) = prefix {
        find = find.filter(Column::Division.starts_with(p));
    }
    if let Some(s) = subject_id {
        find = find.filter(Column::SubjectId.eq(s));
    }
    if let Some(a) = after {
        find = find.filter(Column::Seq.gt(a));
    }
    find.order_by_asc(Column::Seq).limit(limit).all(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, payload: &serde_json::Value) -> Entry {
        Entry::new(Actor::service("tester", "520624"), action, "520624101201").payload(payload)
    }

    #[tokio::test]
    async fn entries_appended_together_continue_the_chain_as_single_ones_do() {
        let db = crate::outbox::tests::database().await;
        let key = MasterKey::from_bytes([1; 32]).for_service("tester");
        let at = Utc::now();
        let payload = serde_json::json!({ "n": 1 });
        assert!(append(&db, at, entry("one", &payload)).await.is_err(), "no key installed, nothing appended");
        assert_eq!(unsealed(&db).await.unwrap(), 0);
        install(&db, &key, at).await.unwrap();
        append(&db, at, entry("one", &payload)).await.unwrap();
        assert_eq!(seal_all(&db).await.unwrap(), 1);
        let many: Vec<Entry> = ["two", "three", "four"].iter().map(|a| entry(a, &payload)).collect();
        append_many(&db, at, &many).await.unwrap();
        append_many(&db, at, &[]).await.unwrap();
        assert_eq!(unsealed(&db).await.unwrap(), 3);
        assert!(list(&db, None, None, None, 10).await.unwrap().len() == 1, "unsealed entries are not yet chained");
        append(&db, at, entry("five", &payload)).await.unwrap();
        assert_eq!(seal_all(&db).await.unwrap(), 4);
        assert_eq!(seal_all(&db).await.unwrap(), 0);
        assert_eq!(unsealed(&db).await.unwrap(), 0);
        assert_eq!(verify(&db, &key, &[]).await.unwrap(), Verdict::Intact { entries: 5, unkeyed: 0, checkpoint: None });
        let actions: Vec<String> =
            list(&db, None, None, None, 10).await.unwrap().into_iter().map(|m| m.action).collect();
        assert_eq!(actions, ["one", "two", "three", "four", "five"]);
        let other = MasterKey::from_bytes([2; 32]).for_service("tester");
        assert!(install(&db, &other, at).await.is_err(), "a chain keeps its key within a process");
        assert!(matches!(verify(&db, &other, &[]).await.unwrap(), Verdict::Broken { at_seq: 1, .. }));
    }
}
