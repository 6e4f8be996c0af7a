//! Helpers as identification records them: each household's current helper, projected from
//! `identification.helper-changed`, in place of the helper a plan used to name itself.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `helpers` and drops `plans.helper`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("helpers")
            .col(uuid("household_id").primary_key())
            .col(string("name"))
            .col(string("unit"))
            .col(string("unit_layer"))
            .col(string("unit_division"))
            .col(string("phone"))
            .col(date("since"))
            .to_owned(),
    )
    .await?;
    m.get_connection().execute_unprepared("ALTER TABLE plans DROP COLUMN helper").await?;
    Ok(())
}
