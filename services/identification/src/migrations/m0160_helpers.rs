//! Helpers (帮扶责任人) in their own table: one row per assignment, the cadre known by the blind
//! index of the phone (stored encrypted), and one row per cadre that assignments to it lock, so
//! that the policy's cap per cadre holds under concurrent assignments. The helper history the
//! household rows kept as JSON moves into it, and that column goes.

use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `helpers` and `cadres`, moves each household's helper history into `helpers`, and drops
/// `households.helpers`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("helpers")
            .col(uuid("id").primary_key())
            .col(uuid("household_id"))
            .col(string("village"))
            .col(integer("position"))
            .col(string("name"))
            .col(string("unit"))
            .col(string_null("unit_layer"))
            .col(string_null("unit_division"))
            .col(text_null("phone_cipher"))
            .col(string_null("phone_masked"))
            .col(string_null("phone_index"))
            .col(date("since"))
            .col(date_null("until"))
            .col(string("assigned_by"))
            .col(timestamp_with_time_zone("recorded_at"))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("helpers_household").table("helpers").col("household_id").col("position").unique().to_owned(),
    )
    .await?;
    m.create_index(Index::create().name("helpers_cadre").table("helpers").col("phone_index").col("until").to_owned())
        .await?;
    m.create_table(
        Table::create()
            .table("cadres")
            .col(string("phone_index").primary_key())
            .col(big_integer("assignments"))
            .to_owned(),
    )
    .await?;
    move_histories(m).await?;
    m.get_connection().execute_unprepared("ALTER TABLE households DROP COLUMN helpers").await?;
    Ok(())
}

/// An assignment as the JSON history kept it.
#[derive(serde::Deserialize)]
struct Kept {
    name: String,
    unit: String,
    since: chrono::NaiveDate,
    until: Option<chrono::NaiveDate>,
    assigned_by: String,
    recorded_at: chrono::DateTime<chrono::Utc>,
}

async fn move_histories(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, village, helpers FROM households WHERE helpers <> '[]'".to_owned(),
        ))
        .await?;
    for row in rows {
        let household: uuid::Uuid = row.try_get("", "id")?;
        let village: String = row.try_get("", "village")?;
        let json: String = row.try_get("", "helpers")?;
        let kept: Vec<Kept> = serde_json::from_str(&json).map_err(|e| DbErr::Migration(e.to_string()))?;
        for (position, a) in kept.into_iter().enumerate() {
            let insert = Query::insert()
                .into_table("helpers")
                .columns([
                    "id",
                    "household_id",
                    "village",
                    "position",
                    "name",
                    "unit",
                    "since",
                    "until",
                    "assigned_by",
                    "recorded_at",
                ])
                .values_panic([
                    uuid::Uuid::now_v7().into(),
                    household.into(),
                    village.clone().into(),
                    (position as i32).into(),
                    a.name.into(),
                    a.unit.into(),
                    a.since.into(),
                    a.until.into(),
                    a.assigned_by.into(),
                    a.recorded_at.into(),
                ])
                .to_owned();
            db.execute(&insert).await?;
        }
    }
    Ok(())
}
