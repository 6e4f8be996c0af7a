//! `idempotency` claims: who runs a keyed request and since when (a lease a retry may take over
//! once it runs out), the request id forwarded to the services, and the answer's headers a replay
//! gives back (see [`crate::idempotency`]).

use sea_orm_migration::prelude::*;

/// Adds `request_id`, `claim`, `claimed_by`, `claimed_at` and `headers` to `idempotency`.
#[derive(Debug)]
pub(super) struct IdempotencyClaims;

impl MigrationName for IdempotencyClaims {
    fn name(&self) -> &str {
        "m0002_idempotency_claims"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IdempotencyClaims {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::schema::*;
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            string_null("request_id"),
            string_null("claim"),
            string_null("claimed_by"),
            timestamp_with_time_zone_null("claimed_at"),
            text_null("headers"),
        ] {
            m.alter_table(Table::alter().table("idempotency").add_column(column).to_owned()).await?;
        }
        m.create_index(Index::create().name("idempotency_created_at").table("idempotency").col("created_at").to_owned())
            .await
    }
}
