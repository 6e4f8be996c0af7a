//! The county project library and the payments made to its projects.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds the tables.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("projects")
            .col(uuid("id").primary_key())
            .col(string("name"))
            .col(string("county"))
            .col(string("proposer"))
            .col(integer("year"))
            .col(text("villages"))
            .col(text("tasks"))
            .col(text("subsidy_standard"))
            .col(string("fund_sources"))
            .col(string("implementer"))
            .col(string("responsible_person"))
            .col(big_integer("budget_fen"))
            .col(big_integer("management_fee_fen"))
            .col(big_integer("fee_cap_fen"))
            .col(text("performance_targets"))
            .col(string("benefit"))
            .col(text("households"))
            .col(integer("beneficiaries"))
            .col(string("status"))
            .col(big_integer("paid_fen"))
            .col(big_integer("fee_paid_fen"))
            .col(boolean_null("targets_met"))
            .col(text_null("evaluation"))
            .col(string("proposed_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .col(big_integer("version"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("project_payments")
            .col(uuid("id").primary_key())
            .col(uuid("project_id"))
            .col(string("tranche"))
            .col(big_integer("amount_fen"))
            .col(string("fund"))
            .col(integer("year"))
            .col(boolean("fee"))
            .col(uuid("txn_id"))
            .col(string("paid_by"))
            .col(timestamp_with_time_zone("created_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("projects_county").table("projects").col("county").to_owned()).await?;
    m.create_index(
        Index::create()
            .name("project_payments_key")
            .table("project_payments")
            .col("project_id")
            .col("tranche")
            .unique()
            .to_owned(),
    )
    .await?;
    Ok(())
}
