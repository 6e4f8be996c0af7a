//! Work-team members' phones encrypted at rest: `team_members.phone` holds the ciphertext from now
//! on, beside the masked form. Rows from before keep the phone in clear, without a masked form,
//! until the service (which holds the key) seals them at start.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `team_members.phone_masked`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table("team_members").add_column(string_null("phone_masked")).to_owned()).await
}
