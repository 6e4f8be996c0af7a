//! Identified households (as announced by identification) and exit cases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `households` and `exit_cases`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("households")
            .col(uuid("household_id").primary_key())
            .col(string("village"))
            .col(integer("year"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("exit_cases")
            .col(uuid("id").primary_key())
            .col(uuid("household_id"))
            .col(string("village"))
            .col(integer("year"))
            .col(big_integer("per_capita_income_fen"))
            .col(big_integer("poverty_line_fen"))
            .col(text("guarantees"))
            .col(string("status"))
            .col(string_null("acknowledged_by"))
            .col(big_integer("version"))
            .col(string("proposed_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned(),
    )
    .await?;
    // Every status (proposed, acknowledged, approved) is open or approved: one case per household.
    m.create_index(
        Index::create().name("exit_cases_household").table("exit_cases").col("household_id").unique().to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("exit_cases_village").table("exit_cases").col("village").to_owned())
        .await?;
    Ok(())
}
