//! Bulk imports' idempotency keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// The uploads' `Idempotency-Key`s: one import per key and official.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table("imports").add_column(string_null("idempotency_key")).to_owned()).await?;
    m.create_index(
        Index::create()
            .name("imports_idempotency_key")
            .table("imports")
            .col("created_by")
            .col("idempotency_key")
            .unique()
            .to_owned(),
    )
    .await
}
