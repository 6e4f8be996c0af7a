//! Remembered answers: a service keeps the answer it gave to each request that carried a request
//! id (the gateway sends one with every keyed POST), so a request sent again under the same id —
//! a client's retry after the gateway lost track of the first attempt — is answered with the
//! outcome of the first instead of running the command twice. Answers are kept for a while (the
//! idempotency window) and then pruned.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{OnConflict, Query};

/// One remembered answer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "request_answer")]
pub struct Model {
    /// The request id as sent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: String,
    /// The subject the request was sent to: an id answers only the operation it was sent to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// The status answered (200 or a problem's status).
    pub status: i32,
    /// The body answered.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When it was answered.
    pub answered_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The answer remembered for `request_id` on `subject`, unless it is older than `ttl` (then the
/// id is treated as new).
pub async fn recall<C: ConnectionTrait>(
    conn: &C,
    request_id: &str,
    subject: &str,
    ttl: Duration,
) -> Result<Option<(u16, String)>, DbErr> {
    let since = cutoff(ttl);
    let found = Entity::find_by_id((request_id.to_owned(), subject.to_owned())).one(conn).await?;
    Ok(found.filter(|m| m.answered_at >= since).map(|m| (u16::try_from(m.status).unwrap_or(500), m.body)))
}

/// Remembers the answer to `request_id` on `subject`. An answer already remembered for it (from
/// an expired window, or a concurrent delivery) is replaced, so the latest outcome is the one
/// replayed.
pub async fn remember<C: ConnectionTrait>(
    conn: &C,
    request_id: &str,
    subject: &str,
    status: u16,
    body: &str,
) -> Result<(), DbErr> {
    let stmt = Query::insert()
        .into_table(Entity)
        .columns([Column::RequestId, Column::Subject, Column::Status, Column::Body, Column::AnsweredAt])
        .values_panic([
            request_id.into(),
            subject.into(),
            i32::from(status).into(),
            body.into(),
            chrono::Utc::now().into(),
        ])
        .on_conflict(
            OnConflict::columns([Column::RequestId, Column::Subject])
                .update_columns([Column::Status, Column::Body, Column::AnsweredAt])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Forgets the answers older than `ttl`; returns how many.
pub async fn prune<C: ConnectionTrait>(conn: &C, ttl: Duration) -> Result<u64, DbErr> {
    Ok(Entity::delete_many().filter(Column::AnsweredAt.lt(cutoff(ttl))).exec(conn).await?.rows_affected)
}

/// The instant `ttl` ago.
fn cutoff(ttl: Duration) -> DateTimeUtc {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|ttl| chrono::Utc::now().checked_sub_signed(ttl))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
}
