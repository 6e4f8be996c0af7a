//! Allocations, disbursements and the approved-plan projection.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `allocations`, `disbursements` and `approved_plans`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("allocations")
            .col(uuid("id").primary_key())
            .col(string("from_account"))
            .col(string("to_division"))
            .col(integer("year"))
            .col(big_integer("amount_fen"))
            .col(string("fund"))
            .col(string("allocated_by"))
            .col(uuid("txn_id"))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("allocations_to").table("allocations").col("to_division").to_owned())
        .await?;
    m.create_table(
        Table::create()
            .table("disbursements")
            .col(uuid("id").primary_key())
            .col(uuid("plan_id"))
            .col(uuid("household_id"))
            .col(string("county"))
            .col(string("village"))
            .col(big_integer("amount_fen"))
            .col(string("purpose"))
            .col(string("disbursed_by"))
            .col(uuid("txn_id"))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("disbursements_plan").table("disbursements").col("plan_id").to_owned())
        .await?;
    m.create_table(
        Table::create()
            .table("approved_plans")
            .col(uuid("plan_id").primary_key())
            .col(uuid("household_id"))
            .col(string("village"))
            .to_owned(),
    )
    .await?;
    Ok(())
}
