//! Bulk imports' leases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// When each running import last showed life, so that one whose reader stopped is found.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter().table("imports").add_column(timestamp_with_time_zone_null("last_active_at")).to_owned(),
    )
    .await
}
