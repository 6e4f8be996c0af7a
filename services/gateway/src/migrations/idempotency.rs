//! `idempotency`: the stored answers of requests sent with an `Idempotency-Key`
//! (see [`crate::idempotency`]).

use sea_orm_migration::prelude::*;

/// Creates the `idempotency` table.
#[derive(Debug)]
pub(super) struct IdempotencyTable;

impl MigrationName for IdempotencyTable {
    fn name(&self) -> &str {
        "m0001_idempotency"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IdempotencyTable {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::schema::*;
        m.create_table(
            Table::create()
                .table("idempotency")
                .if_not_exists()
                .col(string("scope_key").primary_key())
                .col(string("request_hash"))
                .col(integer_null("status"))
                .col(string_null("content_type"))
                .col(string_null("etag"))
                .col(text_null("body"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await
    }
}
