//! The households, their members and the nationwide index of the resident IDs active households hold.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Households, members and the unique index of resident IDs in active households.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("households")
            .col(uuid("id").primary_key())
            .col(string("village"))
            .col(integer("year"))
            .col(string("kind"))
            .col(string("main_cause"))
            .col(string("other_causes"))
            .col(big_integer("per_capita_income_fen"))
            .col(string("status"))
            .col(big_integer("version"))
            .col(string("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("households_village").table("households").col("village").to_owned())
        .await?;
    m.create_table(
        Table::create()
            .table("members")
            .col(big_pk_auto("id"))
            .col(uuid("household_id"))
            .col(integer("position"))
            .col(string("name"))
            .col(string("relation"))
            .col(string("sex"))
            .col(integer("birth_year"))
            .col(string("id_masked"))
            .col(text("id_cipher"))
            .col(string("id_index"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("members_household").table("members").col("household_id").to_owned())
        .await?;
    m.create_index(Index::create().name("members_id_index").table("members").col("id_index").to_owned()).await?;
    // One row per resident ID in an active (not exited) household: the nationwide uniqueness rule.
    m.create_table(
        Table::create()
            .table("active_ids")
            .col(string("id_index").primary_key())
            .col(uuid("household_id"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("active_ids_household").table("active_ids").col("household_id").to_owned())
        .await?;
    Ok(())
}
