//! Scale control's tables, and the register's query indexes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Scale control: the county's quota per year, its villages' places and their use; indexes for
/// the register's queries and counts. Usage is backfilled from households approved before.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("quotas")
            .col(string("county"))
            .col(integer("year"))
            .col(big_integer("total"))
            .col(big_integer("version"))
            .col(timestamp_with_time_zone("updated_at"))
            .primary_key(Index::create().col("county").col("year"))
            .to_owned(),
    )
    .await?;
    // One row per village and year once a household is approved there or places are
    // allotted; `quota` is null when the breakdown gives the village none.
    m.create_table(
        Table::create()
            .table("village_quotas")
            .col(string("village"))
            .col(integer("year"))
            .col(string("county"))
            .col(big_integer_null("quota"))
            .col(big_integer("used"))
            .primary_key(Index::create().col("village").col("year"))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("village_quotas_county").table("village_quotas").col("county").col("year").to_owned(),
    )
    .await?;
    m.get_connection()
        .execute_unprepared(
            "INSERT INTO village_quotas (village, year, county, quota, used) \
             SELECT village, year, substr(village, 1, 6), NULL, count(*) FROM households \
             WHERE status IN ('identified', 'exited') GROUP BY village, year",
        )
        .await?;
    // Lists and counts scan a range of village codes, optionally by year and status.
    m.create_index(
        Index::create()
            .name("households_village_year_status")
            .table("households")
            .col("village")
            .col("year")
            .col("status")
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("members_household_relation")
            .table("members")
            .col("household_id")
            .col("relation")
            .to_owned(),
    )
    .await?;
    Ok(())
}
