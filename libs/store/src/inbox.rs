//! The consumer inbox: a consumer records each event id it applied, in the same transaction as the
//! effect, so a redelivered event has no second effect.

use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{OnConflict, Query};

/// One applied event.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox")]
pub struct Model {
    /// The consumer that applied it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub consumer: String,
    /// The event id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    /// When applied.
    pub applied_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records that `consumer` applies `event_id`. Returns `false` if it already did — then the caller
/// must not apply the effect again. Uses `ON CONFLICT DO NOTHING`, which leaves a PostgreSQL
/// transaction usable.
pub async fn claim<C: ConnectionTrait>(conn: &C, consumer: &str, event_id: Uuid) -> Result<bool, DbErr> {
    let stmt = Query::insert()
        .into_table(Entity)
        .columns([Column::Consumer, Column::EventId, Column::AppliedAt])
        .values_panic([consumer.into(), event_id.into(), chrono::Utc::now().into()])
        .on_conflict(OnConflict::columns([Column::Consumer, Column::EventId]).do_nothing().to_owned())
        .to_owned();
    let result = conn.execute(&stmt).await?;
    Ok(result.rows_affected() == 1)
}
