//! The audit log: every state change and sign-off appends an entry holding the MAC of the one
//! before, keyed with the service's audit key (see [`chain`]), so an edited, deleted or re-chained
//! entry breaks the chain and [`verify`] finds it; signed [`Checkpoint`]s kept outside the
//! database catch a truncated chain.

pub mod chain;
pub mod checkpoint;
pub mod key;
mod verify;

pub use chain::install;
pub use checkpoint::Checkpoint;
pub use key::{AuditKey, MasterKey};
pub use verify::{Verdict, verify};

use chain_api::Principal;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
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

/// Appends an entry made at `at` (the service's clock) inside the caller's transaction; returns
/// its sequence number.
pub async fn append<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, e: Entry) -> Result<i64, DbErr> {
    append_many(conn, at, std::slice::from_ref(&e)).await
}

/// Entries written by one multi-row statement: at most this many, so that a statement's bound
/// values stay well inside SQLite's and PostgreSQL's limits.
const CHUNK: usize = 1000;

/// Appends entries, in order, inside the caller's transaction: the head is locked and moved once
/// and the entries are written in multi-row statements, so a bulk change costs a handful of
/// statements however many entries it makes. Returns the last entry's sequence number (the
/// head's when `entries` is empty).
pub async fn append_many<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, entries: &[Entry]) -> Result<i64, DbErr> {
    // Lock the head row first (a row lock on PostgreSQL; SQLite writes are already serial).
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::col(head::Column::Seq).add(entries.len() as i64))
        .filter(head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    let current =
        head::Entity::find_by_id(1).one(conn).await?.ok_or_else(|| DbErr::RecordNotFound("audit head".into()))?;
    let key = match chain::key_of(&current) {
        Ok(key) => key,
        Err(e) => {
            // Outside a transaction the head's move would stay: undo it.
            head::Entity::update_many()
                .col_expr(head::Column::Seq, Expr::col(head::Column::Seq).sub(entries.len() as i64))
                .filter(head::Column::Id.eq(1))
                .exec(conn)
                .await?;
            return Err(e);
        }
    };
    if entries.is_empty() {
        return Ok(current.seq);
    }
    let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    let first = current.seq - entries.len() as i64 + 1;
    let mut prev = current.hash;
    let mut rows = Vec::with_capacity(entries.len().min(CHUNK));
    for (i, e) in entries.iter().enumerate() {
        let mut model = Model {
            seq: first + i as i64,
            at,
            actor: e.actor.subject.clone(),
            role: e.actor.role.clone(),
            jurisdiction: e.actor.jurisdiction.clone(),
            action: e.action.clone(),
            division: e.division.clone(),
            subject_id: e.subject_id,
            reason: e.reason.clone(),
            payload_hash: e.payload_hash.clone(),
            prev_hash: prev,
            hash: String::new(),
        };
        model.hash = chain::entry_mac(&key, &model);
        prev = model.hash.clone();
        rows.push(ActiveModel::from(model));
        if rows.len() == CHUNK {
            Entity::insert_many(std::mem::take(&mut rows)).exec_without_returning(conn).await?;
        }
    }
    if !rows.is_empty() {
        Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    head::Entity::update_many()
        .col_expr(head::Column::Hash, Expr::value(prev))
        .filter(head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    Ok(current.seq)
}

/// Entries in sequence order, filtered: divisions under `prefix` (all for `None`), about
/// `subject_id`, after `after`.
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
        install(&db, &key, at).await.unwrap();
        assert_eq!(append(&db, at, entry("one", &payload)).await.unwrap(), 1);
        let many: Vec<Entry> = ["two", "three", "four"].iter().map(|a| entry(a, &payload)).collect();
        assert_eq!(append_many(&db, at, &many).await.unwrap(), 4);
        assert_eq!(append_many(&db, at, &[]).await.unwrap(), 4);
        assert_eq!(append(&db, at, entry("five", &payload)).await.unwrap(), 5);
        assert_eq!(verify(&db, &key, &[]).await.unwrap(), Verdict::Intact { entries: 5, unkeyed: 0, checkpoint: None });
        let actions: Vec<String> =
            list(&db, None, None, None, 10).await.unwrap().into_iter().map(|m| m.action).collect();
        assert_eq!(actions, ["one", "two", "three", "four", "five"]);
        let other = MasterKey::from_bytes([2; 32]).for_service("tester");
        assert!(install(&db, &other, at).await.is_err(), "a chain keeps its key within a process");
        assert!(matches!(verify(&db, &other, &[]).await.unwrap(), Verdict::Broken { at_seq: 1, .. }));
    }
}
