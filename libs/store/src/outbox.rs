//! The transactional outbox: an event is written in the same transaction as the change it
//! describes, and a relay (in `chain-bus`) publishes it afterwards.

use chain_api::Envelope;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

/// One event waiting to be published (or already published).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Publication order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The event id (also the `Nats-Msg-Id`).
    #[sea_orm(unique)]
    pub event_id: Uuid,
    /// Subject to publish on.
    pub subject: String,
    /// The JSON envelope.
    pub envelope: String,
    /// When written.
    pub created_at: DateTimeUtc,
    /// When the stream acknowledged it; `None` while pending.
    pub published_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Writes an event into the outbox inside the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, root: &str, envelope: &Envelope) -> Result<(), DbErr> {
    enqueue_many(conn, root, std::slice::from_ref(envelope)).await
}

/// Writes events, in order, into the outbox inside the caller's transaction, in multi-row
/// statements.
pub async fn enqueue_many<C: ConnectionTrait>(conn: &C, root: &str, envelopes: &[Envelope]) -> Result<(), DbErr> {
    for chunk in envelopes.chunks(1000) {
        let mut rows = Vec::with_capacity(chunk.len());
        for envelope in chunk {
            let json = serde_json::to_string(envelope).map_err(|e| DbErr::Custom(e.to_string()))?;
            rows.push(ActiveModel {
                event_id: Set(envelope.id),
                subject: Set(envelope.subject(root)),
                envelope: Set(json),
                created_at: Set(envelope.occurred_at),
                published_at: Set(None),
                ..Default::default()
            });
        }
        Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// The oldest unpublished events, in order.
pub async fn pending<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find().filter(Column::PublishedAt.is_null()).order_by_asc(Column::Seq).limit(limit).all(conn).await
}

/// Marks events as published.
pub async fn mark_published<C: ConnectionTrait>(conn: &C, seqs: &[i64]) -> Result<(), DbErr> {
    if seqs.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(Column::PublishedAt, Expr::value(chrono::Utc::now()))
        .filter(Column::Seq.is_in(seqs.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Number of events not yet published.
pub async fn backlog<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    Entity::find().filter(Column::PublishedAt.is_null()).count(conn).await
}
