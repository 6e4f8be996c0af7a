//! The tables of bulk imports.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the import tables.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("imports")
            .col(uuid("id").primary_key())
            .col(string("status"))
            .col(string("file_name"))
            .col(big_integer("file_size"))
            .col(string("kind"))
            .col(string("created_by"))
            .col(string("jurisdiction"))
            .col(big_integer("rows_read"))
            .col(big_integer("households_registered"))
            .col(big_integer("households_suspected_duplicate"))
            .col(big_integer("households_invalid"))
            .col(big_integer("rows_invalid"))
            .col(big_integer("batches"))
            .col(text_null("failure"))
            .col(timestamp_with_time_zone("started_at"))
            .col(timestamp_with_time_zone_null("finished_at"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("import_errors")
            .col(big_pk_auto("id"))
            .col(uuid("import_id"))
            .col(big_integer("row"))
            .col(string("household_ref"))
            .col(string("field"))
            .col(text("message"))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("import_errors_import").table("import_errors").col("import_id").col("id").to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("import_ids")
            .col(uuid("import_id"))
            .col(string("id_index"))
            .col(big_integer("row"))
            .primary_key(Index::create().col("import_id").col("id_index"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("import_refs")
            .col(uuid("import_id"))
            .col(string("household_ref"))
            .col(big_integer("row"))
            .primary_key(Index::create().col("import_id").col("household_ref"))
            .to_owned(),
    )
    .await?;
    Ok(())
}
