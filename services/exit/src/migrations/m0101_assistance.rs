//! The assistance a household received: the plan planning announced completed, kept on exit's
//! household projection (empty until the announcement).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds the completed plan's id, revision and completion time to `households`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    // SQLite adds one column per statement.
    let households = [
        uuid_null("assistance_plan_id"),
        integer_null("assistance_revision"),
        timestamp_with_time_zone_null("assistance_completed_at"),
    ];
    for mut col in households {
        m.alter_table(Table::alter().table("households").add_column(&mut col).to_owned()).await?;
    }
    Ok(())
}
