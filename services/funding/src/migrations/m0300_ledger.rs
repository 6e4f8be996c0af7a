//! The double-entry ledger: `accounts` and `ledger_entries`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `accounts` and `ledger_entries`.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
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
