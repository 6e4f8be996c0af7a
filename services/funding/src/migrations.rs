//! The funding database: shared tables, tasks, the ledger (accounts and entries), allocations,
//! disbursements and the approved-plan projection.

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
            Box::new(Ledger),
            Box::new(Records),
        ]
    }
}

/// The double-entry ledger: `accounts` and `ledger_entries`.
#[derive(Debug)]
struct Ledger;

impl MigrationName for Ledger {
    fn name(&self) -> &str {
        "m0300_ledger"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Ledger {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("accounts")
                .col(string("account").primary_key())
                .col(big_integer("balance_fen"))
                .col(big_integer("received_fen"))
                .col(big_integer("allocated_fen"))
                .col(big_integer("disbursed_fen"))
                .col(big_integer("version"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_entries")
                .col(big_pk_auto("seq"))
                .col(uuid("txn_id"))
                .col(string("account"))
                .col(big_integer("amount_fen"))
                .col(string("kind"))
                .col(uuid("ref_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        for (name, column) in [("ledger_entries_txn", "txn_id"), ("ledger_entries_account", "account")] {
            m.create_index(Index::create().name(name).table("ledger_entries").col(column).to_owned()).await?;
        }
        Ok(())
    }
}

/// Allocations, disbursements and the approved-plan projection.
#[derive(Debug)]
struct Records;

impl MigrationName for Records {
    fn name(&self) -> &str {
        "m0301_records"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Records {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
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
}
