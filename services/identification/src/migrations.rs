//! The identification database: shared tables, tasks, households, members and the active-ID index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// All migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(chain_store::migration::SharedTables),
            Box::new(chain_workflow::migration::TaskTables),
            Box::new(Households),
            Box::new(FileCards),
            Box::new(Adjustments),
            Box::new(QuotasAndQueryIndexes),
            Box::new(crate::monitoring_store::MonitoringTables),
            Box::new(crate::import_store::Imports),
            Box::new(crate::import_store::ImportKeys),
            Box::new(crate::import_store::ImportLeases),
        ]
    }
}

/// Households, members and the unique index of resident IDs in active households.
#[derive(Debug)]
struct Households;

impl MigrationName for Households {
    fn name(&self) -> &str {
        "m0100_households"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Households {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
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
}

/// The rest of the file card: household card (JSON), the encrypted bank account number, the
/// helper history (JSON), and each member's details (JSON).
#[derive(Debug)]
struct FileCards;

impl MigrationName for FileCards {
    fn name(&self) -> &str {
        "m0110_file_cards"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FileCards {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let columns = [
            ("households", text("card").default("{}").to_owned()),
            ("households", text_null("bank_cipher").to_owned()),
            ("households", text("helpers").default("[]").to_owned()),
            ("members", text("details").default("{}").to_owned()),
        ];
        for (table, mut column) in columns {
            m.alter_table(Table::alter().table(table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }
}

/// Dynamic adjustment: the campaign an application entered in, and why.
#[derive(Debug)]
struct Adjustments;

impl MigrationName for Adjustments {
    fn name(&self) -> &str {
        "m0130_adjustments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Adjustments {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [uuid_null("campaign_task_id").to_owned(), string_null("entry").to_owned()];
        for mut column in columns {
            m.alter_table(Table::alter().table("households").add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }
}

/// Scale control: the county's quota per year, its villages' places and their use; indexes for
/// the register's queries and counts. Usage is backfilled from households approved before.
#[derive(Debug)]
struct QuotasAndQueryIndexes;

impl MigrationName for QuotasAndQueryIndexes {
    fn name(&self) -> &str {
        "m0200_quotas"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for QuotasAndQueryIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
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
}
