//! Walking a chain: every entry's MAC and link, the head against the last entry, and the signed
//! checkpoints against the entries they name.

use std::collections::HashMap;

use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};

use super::chain::{Scheme, scheme};
use super::{AuditKey, Checkpoint, Column, Entity, GENESIS, head};

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry is intact and in sequence, the head names the last one, and every checkpoint
    /// given matches.
    Intact {
        /// Number of entries.
        entries: i64,
        /// How many of them (the first ones) were chained before entries were keyed.
        unkeyed: i64,
        /// The sequence number of the latest checkpoint checked, if any.
        checkpoint: Option<i64>,
    },
    /// The first entry that was edited, or the position where one is missing.
    Broken {
        /// Sequence number where the chain breaks.
        at_seq: i64,
        /// What is wrong.
        reason: String,
    },
}

fn broken(at_seq: i64, reason: impl Into<String>) -> Verdict {
    Verdict::Broken { at_seq, reason: reason.into() }
}

/// Walks the whole chain from the start with `key`, and checks it against `checkpoints` (each
/// must be signed with `key`).
pub async fn verify<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    checkpoints: &[Checkpoint],
) -> Result<Verdict, DbErr> {
    let mut at: HashMap<i64, Vec<&Checkpoint>> = HashMap::new();
    for cp in checkpoints {
        if !cp.is_signed_by(key) {
            return Ok(broken(cp.seq, format!("the checkpoint of {} is not signed with the audit key", cp.at)));
        }
        at.entry(cp.seq).or_default().push(cp);
    }
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let (mut unkeyed, mut keyed) = (0, false);
    let mut pages = Entity::find().order_by_asc(Column::Seq).paginate(conn, 1000);
    while let Some(page) = pages.fetch_and_next().await? {
        for m in page {
            if m.seq != expected_seq {
                return Ok(broken(expected_seq, "entry missing"));
            }
            if m.prev_hash != prev {
                return Ok(broken(m.seq, "previous hash does not match"));
            }
            match scheme(key, &m) {
                Scheme::Keyed => keyed = true,
                Scheme::Unkeyed if keyed => {
                    return Ok(broken(m.seq, "entry chained without the audit key after keyed entries (rewritten)"));
                }
                Scheme::Unkeyed => unkeyed += 1,
                Scheme::Neither => return Ok(broken(m.seq, "entry was edited (its MAC does not verify)")),
            }
            for cp in at.get(&m.seq).into_iter().flatten() {
                if cp.mac != m.hash {
                    return Ok(broken(
                        m.seq,
                        format!("entry differs from the one signed in the checkpoint of {}", cp.at),
                    ));
                }
            }
            prev = m.hash;
            expected_seq += 1;
        }
    }
    let last = expected_seq - 1;
    if last > 0 && unkeyed == last {
        return Ok(broken(last, "the newest entries are not keyed (written or rewritten without the audit key)"));
    }
    let Some(head) = head::Entity::find_by_id(1).one(conn).await? else {
        return Ok(broken(expected_seq, "the chain's head is missing"));
    };
    if head.seq > last {
        return Ok(broken(expected_seq, format!("latest entries missing (the head names entry {})", head.seq)));
    }
    if head.seq < last {
        return Ok(broken(head.seq + 1, format!("the head names entry {} but the log goes on to {last}", head.seq)));
    }
    if head.hash != prev {
        return Ok(broken(last, "the head's hash is not the last entry's"));
    }
    let latest = checkpoints.iter().max_by_key(|cp| cp.seq);
    if let Some(cp) = latest
        && cp.seq > last
    {
        let missing = if cp.seq == expected_seq {
            format!("entry {expected_seq} missing")
        } else {
            format!("entries {expected_seq}–{} missing", cp.seq)
        };
        return Ok(broken(expected_seq, format!("{missing}: the checkpoint of {} signed entry {}", cp.at, cp.seq)));
    }
    Ok(Verdict::Intact { entries: last, unkeyed, checkpoint: latest.map(|cp| cp.seq) })
}
