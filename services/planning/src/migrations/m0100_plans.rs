//! The projection of identified households, and plans (at most one per household).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `households` and `plans`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("households")
            .col(uuid("household_id").primary_key())
            .col(string("village"))
            .col(string("main_cause"))
            .col(text("other_causes"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("plans")
            .col(uuid("id").primary_key())
            .col(uuid("household_id"))
            .col(string("village"))
            .col(string("status"))
            .col(text("measures"))
            .col(text("helper"))
            .col(uuid("task_id"))
            .col(big_integer("version"))
            .col(string("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned(),
    )
    .await?;
    // One plan per household, enforced by the database as well as by the handler.
    m.create_index(Index::create().name("plans_household").table("plans").col("household_id").unique().to_owned())
        .await?;
    m.create_index(Index::create().name("plans_village").table("plans").col("village").to_owned()).await?;
    Ok(())
}
