//! Return-to-poverty monitoring cases and their measures.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Monitoring cases and their measures.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("monitoring_cases")
            .col(uuid("id").primary_key())
            .col(string("village"))
            .col(uuid_null("household_id"))
            .col(string_null("head_name"))
            .col(string_null("head_id_masked"))
            .col(string_null("head_id_index"))
            // NULLs are distinct in SQLite and PostgreSQL alike: closed cases never collide.
            .col(string_null("open_key").unique_key())
            .col(string("group_name"))
            .col(string("channel"))
            .col(date("signal_date"))
            .col(integer("year"))
            .col(big_integer("income_fen"))
            .col(big_integer_null("previous_income_fen"))
            .col(big_integer_null("rigid_spending_fen"))
            .col(string_null("rigid_reason"))
            .col(string("reasons"))
            .col(big_integer("ceiling_fen"))
            .col(boolean("has_labour"))
            .col(string("status"))
            .col(timestamp_with_time_zone("decision_due_at"))
            .col(timestamp_with_time_zone_null("decided_at"))
            .col(timestamp_with_time_zone_null("monitored_since"))
            .col(timestamp_with_time_zone_null("risk_removed_at"))
            .col(big_integer("version"))
            .col(string("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("monitoring_cases_village").table("monitoring_cases").col("village").to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("monitoring_cases_household").table("monitoring_cases").col("household_id").to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("monitoring_cases_head").table("monitoring_cases").col("head_id_index").to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("monitoring_measures")
            .col(big_pk_auto("id"))
            .col(uuid("case_id"))
            .col(text("description"))
            .col(string("recorded_by"))
            .col(timestamp_with_time_zone("recorded_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("monitoring_measures_case").table("monitoring_measures").col("case_id").to_owned(),
    )
    .await
}
