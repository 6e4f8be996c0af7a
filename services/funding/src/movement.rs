//! What a movement of money (an allocation, a disbursement) records besides its own row and its
//! ledger transfer, inside the movement's transaction: the audit entry and the event, stamped at
//! the precision the databases keep.

use anyhow::Context;
use chain_api::{Envelope, Principal};
use chain_store::audit::{self, Entry};
use chain_store::outbox;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::State;
use crate::error::{Result, replayed};
use crate::ledger::{self, Replay};

/// Now by the service's clock, at the precision the databases keep (microseconds), so that what a
/// movement answers is what reading it back gives.
pub fn now(s: &State) -> DateTime<Utc> {
    let now = s.now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The event `kind` announcing the movement `id` by `p` in `division`.
pub fn event(
    s: &State,
    kind: &str,
    division: &str,
    p: &Principal,
    id: Uuid,
    payload: impl serde::Serialize,
) -> Result<Envelope> {
    let payload = serde_json::to_value(payload).with_context(|| format!("encoding the {kind} event"))?;
    Ok(s.engine.event(kind, division, id, &p.subject, payload))
}

/// Appends the audit entry of `action` by `p` on the movement `id` (in the event's division, with
/// its payload) and enqueues the movement's `event`, inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    s: &State,
    conn: &C,
    p: &Principal,
    action: &str,
    id: Uuid,
    event: Envelope,
) -> Result<()> {
    let entry = Entry::by(p, action, &event.division).about(id).payload(&event.payload);
    audit::append(conn, s.now(), entry).await?;
    outbox::enqueue(conn, s.bus.root(), &event).await?;
    Ok(())
}

/// Makes the movement `body` once under its transfer id: `body` runs inside a transaction that
/// commits only if it succeeds, unless the id already stands for a movement — then the answer is
/// the first answer to the same `request`, or a conflict for another one. When `body` fails
/// because a concurrent request under the same id won, the answer is the winner's.
pub async fn once<T>(
    db: &sea_orm::DatabaseConnection,
    transfer_id: Uuid,
    request: &str,
    body: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<T>,
) -> Result<T>
where
    T: serde::de::DeserializeOwned,
{
    use sea_orm::TransactionTrait;

    let attempt = async {
        let txn = db.begin().await?;
        match ledger::replay(&txn, transfer_id, request).await? {
            Replay::New => {}
            other => return replayed(other),
        }
        let answer = body(&txn).await?;
        txn.commit().await?;
        Ok(answer)
    };
    match attempt.await {
        Ok(answer) => Ok(answer),
        Err(e) => match ledger::replay(db, transfer_id, request).await? {
            Replay::New => Err(e),
            other => replayed(other),
        },
    }
}
