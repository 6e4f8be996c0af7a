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

/// Deletes events the stream acknowledged before `published_before`, in slices of the sequence
/// so that no statement holds the database for long; answers how many. The stream keeps every
/// event; the outbox only has to hold what is unpublished, and a while longer what was.
pub async fn prune<C: ConnectionTrait>(conn: &C, published_before: DateTimeUtc) -> Result<u64, DbErr> {
    const SLICE: i64 = 10_000;
    let Some(last) = Entity::find()
        .filter(Column::PublishedAt.lt(published_before))
        .order_by_desc(Column::Seq)
        .one(conn)
        .await?
        .map(|m| m.seq)
    else {
        return Ok(0);
    };
    let first = Entity::find().order_by_asc(Column::Seq).one(conn).await?.map(|m| m.seq).unwrap_or(last);
    let mut deleted = 0;
    let mut from = first;
    while from <= last {
        let to = Ord::min(from + SLICE - 1, last);
        deleted += Entity::delete_many()
            .filter(Column::Seq.between(from, to))
            .filter(Column::PublishedAt.lt(published_before))
            .exec(conn)
            .await?
            .rows_affected;
        from = to + 1;
    }
    Ok(deleted)
}

/// Number of events not yet published.
pub async fn backlog<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    Entity::find().filter(Column::PublishedAt.is_null()).count(conn).await
}

#[cfg(test)]
pub(crate) mod tests {
    use sea_orm_migration::MigratorTrait;

    struct Shared;

    #[async_trait::async_trait]
    impl MigratorTrait for Shared {
        fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
            vec![
                Box::new(crate::migration::SharedTables),
                Box::new(crate::migration::AuditChainId),
                Box::new(crate::migration::AuditIntake),
            ]
        }
    }

    pub(crate) async fn database() -> crate::Db {
        let db = crate::connect("sqlite::memory:").await.unwrap();
        Shared::up(&db, None).await.unwrap();
        db
    }

    #[tokio::test]
    async fn pruning_removes_only_events_published_before_the_cutoff() {
        use super::*;
        let db = database().await;
        let envelopes: Vec<Envelope> = (0..5)
            .map(|i| {
                Envelope::new(
                    "identification.task-changed",
                    "520624",
                    uuid::Uuid::now_v7(),
                    "tester",
                    &chain_api::Cause::origin(),
                    chrono::Utc::now(),
                    serde_json::json!({ "i": i }),
                )
            })
            .collect();
        enqueue_many(&db, "chain", &envelopes).await.unwrap();
        let rows = Entity::find().order_by_asc(Column::Seq).all(&db).await.unwrap();
        assert_eq!(rows.len(), 5);
        // Three published two hours ago, one a minute ago, one still pending.
        let now = chrono::Utc::now();
        for (row, at) in rows.iter().zip([Some(120), Some(120), Some(120), Some(1), None]) {
            let published = at.map(|minutes| now - chrono::Duration::minutes(minutes));
            Entity::update_many()
                .col_expr(Column::PublishedAt, Expr::value(published))
                .filter(Column::Seq.eq(row.seq))
                .exec(&db)
                .await
                .unwrap();
        }
        assert_eq!(prune(&db, now - chrono::Duration::hours(1)).await.unwrap(), 3);
        let left: Vec<i64> =
            Entity::find().order_by_asc(Column::Seq).all(&db).await.unwrap().iter().map(|m| m.seq).collect();
        assert_eq!(left, [rows[3].seq, rows[4].seq]);
        assert_eq!(backlog(&db).await.unwrap(), 1);
        assert_eq!(prune(&db, now - chrono::Duration::hours(1)).await.unwrap(), 0);
    }
}
