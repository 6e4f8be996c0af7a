//! Replays under a transfer id: the same id with the same request answers the first answer; with
//! another request it is a conflict. The request is compared as canonical JSON (the verb and its
//! validated content), the answer kept as the JSON first returned.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use crate::store::transfer;

/// What a transfer id already stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// Nothing yet: go ahead.
    New,
    /// The same request: its first answer (JSON).
    Same(String),
    /// Another request under the same id.
    Conflict,
}

/// What `id` already stands for, given this `request`.
pub async fn replay<C: ConnectionTrait>(conn: &C, id: Uuid, request: &str) -> Result<Replay, DbErr> {
    Ok(match transfer::Entity::find_by_id(id).one(conn).await? {
        None => Replay::New,
        Some(t) if t.request.as_deref() == Some(request) => match t.answer {
            Some(answer) => Replay::Same(answer),
            // Answered in the same transaction that wrote it, so only a movement recorded before
            // transfer ids has no answer; it cannot be asked again.
            None => Replay::Conflict,
        },
        Some(_) => Replay::Conflict,
    })
}

/// Keeps the first answer to the transfer `id`, inside its transaction.
pub async fn set_answer<C: ConnectionTrait>(conn: &C, id: Uuid, answer: &impl serde::Serialize) -> Result<(), DbErr> {
    let text = serde_json::to_string(answer).map_err(|e| DbErr::Custom(e.to_string()))?;
    let row = transfer::ActiveModel { id: Set(id), answer: Set(Some(text)), ..Default::default() };
    row.update(conn).await?;
    Ok(())
}
