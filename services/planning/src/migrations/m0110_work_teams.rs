//! Village work teams and first secretaries: a team per village, its members (current and past),
//! their monthly presence (every correction kept), the months judged, and the flags they raised.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `work_teams`, `team_members`, `team_presence`, `presence_months` and `presence_flags`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("work_teams")
            .col(uuid("id").primary_key())
            .col(string("village"))
            .col(boolean("poor"))
            .col(date_null("secretary_from"))
            .col(date_null("secretary_until"))
            .col(uuid_null("secretary_id"))
            .col(boolean("task_open"))
            .col(big_integer("version"))
            .col(string("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .to_owned(),
    )
    .await?;
    // One team per village.
    m.create_index(Index::create().name("work_teams_village").table("work_teams").col("village").unique().to_owned())
        .await?;
    m.create_table(
        Table::create()
            .table("team_members")
            .col(uuid("id").primary_key())
            .col(uuid("team_id"))
            .col(string("village"))
            .col(string("name"))
            .col(string("unit"))
            .col(string("unit_layer"))
            .col(string("unit_division"))
            .col(string("role"))
            .col(string("phone"))
            .col(date("term_start"))
            .col(date("term_end"))
            .col(date_null("ended_on"))
            .col(text_null("end_reason"))
            // The team's id while the member is its first secretary, else NULL: one at a time.
            .col(string_null("secretary_key"))
            .col(string("assigned_by"))
            .col(timestamp_with_time_zone("assigned_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("team_members_team").table("team_members").col("team_id").to_owned()).await?;
    m.create_index(
        Index::create().name("team_members_secretary").table("team_members").col("secretary_key").unique().to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("team_presence")
            .col(uuid("id").primary_key())
            .col(uuid("team_id"))
            .col(uuid("member_id"))
            .col(string("month"))
            .col(integer("days"))
            .col(big_integer("version"))
            .col(text_null("note"))
            .col(string("recorded_by"))
            .col(timestamp_with_time_zone("recorded_at"))
            .to_owned(),
    )
    .await?;
    // A correction is the next version; two at once cannot both be it.
    m.create_index(
        Index::create()
            .name("team_presence_version")
            .table("team_presence")
            .col("member_id")
            .col("month")
            .col("version")
            .unique()
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("team_presence_team").table("team_presence").col("team_id").col("month").to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("presence_months")
            .col(string("month").primary_key())
            .col(integer("flags"))
            .col(timestamp_with_time_zone("judged_at"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("presence_flags")
            .col(uuid("id").primary_key())
            .col(uuid("team_id"))
            .col(string("village"))
            .col(uuid("member_id"))
            .col(string("month"))
            .col(integer("days"))
            .col(integer("required"))
            .col(timestamp_with_time_zone("flagged_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("presence_flags_member").table("presence_flags").col("member_id").col("month").unique().to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("presence_flags_village").table("presence_flags").col("village").to_owned())
        .await?;
    Ok(())
}
