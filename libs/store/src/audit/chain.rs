//! How entries are chained. Every entry holds the MAC of the one before it and its own,
//! HMAC-SHA256 under the service's [`AuditKey`], which never lives in the database: whoever can
//! write the database but does not hold the key cannot edit an entry, remove one or re-chain the
//! log without [`super::verify`] noticing (truncating the newest entries is caught by the signed
//! checkpoints kept outside the database, [`super::checkpoint`]).
//!
//! Databases written before entries were keyed hold entries chained with unkeyed SHA-256 (the
//! *unkeyed* scheme, recognised by its formula). They are kept as they are, never re-keyed —
//! re-keying would vouch for whatever they hold — and the first time a keyed service starts on
//! such a database it appends an `audit.keyed` entry, keyed, that chains onto the last unkeyed
//! one: from then on the old entries cannot change either, and `verify` reports how many entries
//! are unkeyed. An unkeyed entry after a keyed one, or a chain that ends in unkeyed entries, is a
//! rewrite.
//!
//! Appending finds the key by the chain's id, which [`install`] gives the chain's head and
//! registers with the key for this process; a service installs its key at start.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, TransactionTrait};
use sha2::{Digest, Sha256};

use super::{AuditKey, Entry, Model, head};

/// The chain's head.
pub(crate) async fn head_of<C: ConnectionTrait>(conn: &C) -> Result<head::Model, DbErr> {
    head::Entity::find_by_id(1).one(conn).await?.ok_or_else(|| DbErr::RecordNotFound("audit head".into()))
}

/// Locks the head row for the caller's transaction (a row lock on PostgreSQL; SQLite writes are
/// already serial), so that whoever moves the chain takes turns, and reads it.
pub(crate) async fn lock_head<C: ConnectionTrait>(conn: &C) -> Result<head::Model, DbErr> {
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::col(head::Column::Seq))
        .filter(head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    head_of(conn).await
}

/// Links `entries` onto the chain whose head is `current` (which the caller's transaction has
/// locked), writes them and moves the head past them.
pub(crate) async fn extend<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    current: &head::Model,
    entries: impl IntoIterator<Item = (DateTime<Utc>, Entry)>,
) -> Result<i64, DbErr> {
    let mut seq = current.seq;
    let mut prev = current.hash.clone();
    let mut rows = Vec::new();
    for (at, e) in entries {
        seq += 1;
        let mut model = Model {
            seq,
            at: DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at),
            actor: e.actor.subject,
            role: e.actor.role,
            jurisdiction: e.actor.jurisdiction,
            action: e.action,
            division: e.division,
            subject_id: e.subject_id,
            reason: e.reason,
            payload_hash: e.payload_hash,
            prev_hash: prev,
            hash: String::new(),
        };
        model.hash = entry_mac(key, &model);
        prev = model.hash.clone();
        rows.push(super::ActiveModel::from(model));
        if rows.len() == super::CHUNK {
            super::Entity::insert_many(std::mem::take(&mut rows)).exec_without_returning(conn).await?;
        }
    }
    if !rows.is_empty() {
        super::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::value(seq))
        .col_expr(head::Column::Hash, Expr::value(prev))
        .filter(head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    Ok(seq)
}

/// The keys of the chains this process appends to, by chain id.
static KEYS: LazyLock<RwLock<HashMap<String, AuditKey>>> = LazyLock::new(Default::default);

/// The action of the entry that anchors unkeyed entries to the keyed chain.
pub const KEYED: &str = "audit.keyed";

/// The parts of an entry its hash or MAC covers, in order.
fn parts(m: &Model) -> [String; 11] {
    [
        m.seq.to_string(),
        m.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        m.actor.clone(),
        m.role.clone(),
        m.jurisdiction.clone(),
        m.action.clone(),
        m.division.clone(),
        m.subject_id.map(|u| u.to_string()).unwrap_or_default(),
        m.reason.clone().unwrap_or_default(),
        m.payload_hash.clone(),
        m.prev_hash.clone(),
    ]
}

/// The entry's MAC under `key`.
pub fn entry_mac(key: &AuditKey, m: &Model) -> String {
    let parts = parts(m);
    let mut all: Vec<&str> = vec!["chain audit entry v1"];
    all.extend(parts.iter().map(String::as_str));
    key.mac(&all)
}

/// The entry's hash as entries were chained before they were keyed (unkeyed SHA-256).
pub fn unkeyed_hash(m: &Model) -> String {
    let mut h = Sha256::new();
    for part in parts(m) {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// How an entry's hash was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// HMAC-SHA256 under the service's key.
    Keyed,
    /// Unkeyed SHA-256, as before entries were keyed.
    Unkeyed,
    /// Neither: the entry was edited after it was written.
    Neither,
}

/// Which scheme `m`'s hash matches.
pub fn scheme(key: &AuditKey, m: &Model) -> Scheme {
    if entry_mac(key, m) == m.hash {
        Scheme::Keyed
    } else if unkeyed_hash(m) == m.hash {
        Scheme::Unkeyed
    } else {
        Scheme::Neither
    }
}

/// The key registered for the chain `head` belongs to.
pub(crate) fn key_of(head: &head::Model) -> Result<AuditKey, DbErr> {
    let id = head.chain.as_deref().ok_or_else(|| {
        DbErr::Custom("the audit chain has no id: the service installs its audit key at start".into())
    })?;
    let keys = KEYS.read().unwrap_or_else(|e| e.into_inner());
    keys.get(id).cloned().ok_or_else(|| DbErr::Custom(format!("no audit key is installed for the audit chain {id}")))
}

/// Gives the chain an id if it has none, registers `key` for it in this process, and anchors
/// entries from before keying with an `audit.keyed` entry made at `at`. A service calls it once
/// at start, after migrating; appending fails until it has.
pub async fn install(db: &crate::Db, key: &AuditKey, at: DateTime<Utc>) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let current = lock_head(&txn).await?;
    let id = match &current.chain {
        Some(id) => id.clone(),
        None => {
            let id = Uuid::now_v7().to_string();
            head::Entity::update_many()
                .col_expr(head::Column::Chain, Expr::value(id.clone()))
                .filter(head::Column::Id.eq(1))
                .exec(&txn)
                .await?;
            id
        }
    };
    {
        let mut keys = KEYS.write().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = keys.get(&id)
            && known.mac(&["probe"]) != key.mac(&["probe"])
        {
            return Err(DbErr::Custom(format!("the audit chain {id} is already in use with another key")));
        }
        keys.insert(id, key.clone());
    }
    let last = super::Entity::find_by_id(current.seq).one(&txn).await?;
    if let Some(last) = last
        && scheme(key, &last) == Scheme::Unkeyed
    {
        let reason = format!("entries 1–{} were chained without a key; every entry from here on is keyed", last.seq);
        let anchor = Entry::system(KEYED, "CN").reason(Some(&reason));
        extend(&txn, key, &current, [(at, anchor)]).await?;
    }
    txn.commit().await
}
