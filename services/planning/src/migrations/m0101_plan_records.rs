//! Plans as living records: the household's income and members in the projection; a plan's
//! revision, wishes, acknowledgement and justification; the snapshots of earlier revisions; and
//! milestones, each a row of its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds the columns and creates `plan_revisions` and `plan_milestones`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    // SQLite adds one column per statement.
    let households = [
        integer("year").default(0).to_owned(),
        big_integer("per_capita_income_fen").default(0).to_owned(),
        integer("members").default(1).to_owned(),
    ];
    for mut col in households {
        m.alter_table(Table::alter().table("households").add_column(&mut col).to_owned()).await?;
    }
    let plans = [
        integer("revision").default(1).to_owned(),
        string_null("revision_kind"),
        text_null("revision_reason"),
        text("wishes").default("").to_owned(),
        text_null("acknowledgement"),
        text_null("justification"),
        integer("year").default(0).to_owned(),
        integer("members").default(1).to_owned(),
        big_integer("card_per_capita_fen").default(0).to_owned(),
    ];
    for mut col in plans {
        m.alter_table(Table::alter().table("plans").add_column(&mut col).to_owned()).await?;
    }
    m.create_table(
        Table::create()
            .table("plan_revisions")
            .col(uuid("plan_id"))
            .col(integer("revision"))
            .col(text("snapshot"))
            .col(timestamp_with_time_zone("recorded_at"))
            .primary_key(Index::create().col("plan_id").col("revision"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("plan_milestones")
            .col(uuid("id").primary_key())
            .col(uuid("plan_id"))
            .col(string("village"))
            .col(integer("measure"))
            .col(integer("position"))
            .col(text("what"))
            .col(date("due"))
            .col(string("state"))
            .col(uuid_null("task_id"))
            .col(date_null("done_on"))
            .col(text_null("note"))
            .col(string_null("reported_by"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("plan_milestones_plan").table("plan_milestones").col("plan_id").to_owned())
        .await?;
    m.create_index(
        Index::create()
            .name("plan_milestones_due")
            .table("plan_milestones")
            .col("state")
            .col("due")
            .col("village")
            .to_owned(),
    )
    .await
}
