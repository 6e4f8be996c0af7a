//! Funds and two-phase transfers: accounts become per holder × fund × year (with what pending
//! transfers hold), entries name their holder, fund and year, every movement has a row in
//! `transfers` under its transfer id, allocations carry a reason and their plan, disbursements
//! their fund, year and status; and `allocation_plans`.
//!
//! Rows written before this migration are carried over by replaying the journal: an allocation's
//! entries take its fund and year; a disbursement's, the county's oldest account (by year, then
//! fund) that held enough at that point, so no replayed account goes below zero; the accounts
//! are then rebuilt from the entries and each past movement gets a posted transfer under its
//! `txn_id`.

use std::collections::{BTreeMap, HashMap};

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use uuid::Uuid;

use crate::store::{account, allocation, disbursement, ledger_entry, transfer};

/// The fund of movements recorded before funds had channels and could not be told apart.
const LEGACY_FUND: &str = "central-special";

/// The centre's holder key, as this migration found it (a migration keeps its own copy of what
/// it reads, so later code cannot change what it did).
const CENTRE: &str = "CN";

async fn add(m: &SchemaManager<'_>, table: &str, column: ColumnDef) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(Alias::new(table)).add_column(column).to_owned()).await
}

/// Adds the columns and tables, then carries the existing rows over.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    for col in [
        string("holder").default("").to_owned(),
        string("division").default("").to_owned(),
        string("fund").default("").to_owned(),
        integer("year").default(0).to_owned(),
        boolean("source").default(false).to_owned(),
        big_integer("pending_fen").default(0).to_owned(),
    ] {
        add(m, "accounts", col).await?;
    }
    for col in [
        string("holder").default("").to_owned(),
        string("division").default("").to_owned(),
        string("fund").default("").to_owned(),
        integer("year").default(0).to_owned(),
    ] {
        add(m, "ledger_entries", col).await?;
    }
    add(m, "allocations", string("reason").default("").to_owned()).await?;
    add(m, "allocations", uuid_null("plan_id")).await?;
    add(m, "disbursements", string("fund").default("").to_owned()).await?;
    add(m, "disbursements", integer("year").default(0).to_owned()).await?;
    add(m, "disbursements", string("status").default("posted").to_owned()).await?;
    m.create_table(
        Table::create()
            .table("transfers")
            .col(uuid("id").primary_key())
            .col(string("kind"))
            .col(string("from_account"))
            .col(string("from_holder"))
            .col(string("from_division"))
            .col(string("to_account"))
            .col(string("to_holder"))
            .col(string("to_division"))
            .col(string("fund"))
            .col(integer("year"))
            .col(big_integer("amount_fen"))
            .col(string("status"))
            .col(uuid("ref_id"))
            .col(text_null("request"))
            .col(text_null("answer"))
            .col(string("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(string_null("resolved_by"))
            .col(timestamp_with_time_zone_null("resolved_at"))
            .col(big_integer("version"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("allocation_plans")
            .col(uuid("id").primary_key())
            .col(string("allocator"))
            .col(string("fund"))
            .col(integer("year"))
            .col(integer("factors_year"))
            .col(string("level"))
            .col(big_integer("total_fen"))
            .col(string("status"))
            .col(text("lines"))
            .col(string("proposed_by"))
            .col(string_null("approved_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("approved_at"))
            .col(big_integer("version"))
            .to_owned(),
    )
    .await?;
    for (name, table, column) in [
        ("ledger_entries_division", "ledger_entries", "division"),
        ("transfers_from_division", "transfers", "from_division"),
        ("transfers_to_division", "transfers", "to_division"),
        ("transfers_status", "transfers", "status"),
        ("allocation_plans_allocator", "allocation_plans", "allocator"),
        ("allocations_plan", "allocations", "plan_id"),
    ] {
        m.create_index(Index::create().name(name).table(Alias::new(table)).col(Alias::new(column)).to_owned()).await?;
    }
    carry_over(m).await
}

/// The division a legacy holder lies in.
fn division_of(holder: &str, villages: &HashMap<String, String>) -> String {
    villages.get(holder).cloned().unwrap_or_else(|| holder.to_owned())
}

/// Replays the journal written before funds into per-fund accounts and posted transfers.
async fn carry_over(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let allocations: HashMap<Uuid, allocation::Model> =
        allocation::Entity::find().all(db).await?.into_iter().map(|a| (a.id, a)).collect();
    let disbursements: HashMap<Uuid, disbursement::Model> =
        disbursement::Entity::find().all(db).await?.into_iter().map(|d| (d.id, d)).collect();
    let villages: HashMap<String, String> = disbursements
        .values()
        .map(|d| (format!("household:{}", d.household_id), d.village.clone()))
        .collect();
    let entries = ledger_entry::Entity::find().order_by_asc(ledger_entry::Column::Seq).all(db).await?;
    let mut by_txn: Vec<(Uuid, Vec<ledger_entry::Model>)> = Vec::new();
    for e in entries {
        match by_txn.last_mut() {
            Some((id, group)) if *id == e.txn_id => group.push(e),
            _ => by_txn.push((e.txn_id, vec![e])),
        }
    }
    // Running balances per (holder, year, fund), to place each legacy disbursement.
    let mut balances: BTreeMap<(String, i32, String), i64> = BTreeMap::new();
    for (txn, group) in by_txn {
        let (Some(debit), Some(credit)) =
            (group.iter().find(|e| e.amount_fen < 0), group.iter().find(|e| e.amount_fen > 0))
        else {
            continue;
        };
        let x = credit.amount_fen;
        let (fund, year) = if let Some(a) = allocations.get(&debit.ref_id) {
            (a.fund.clone(), a.year)
        } else {
            let held = balances
                .iter()
                .find(|((h, _, _), b)| *h == debit.account && **b >= x)
                .map(|((_, y, f), _)| (f.clone(), *y));
            held.unwrap_or_else(|| (LEGACY_FUND.to_owned(), chrono::Datelike::year(&debit.created_at)))
        };
        for e in [debit, credit] {
            *balances.entry((e.account.clone(), year, fund.clone())).or_default() += e.amount_fen;
            let mut row: ledger_entry::ActiveModel = e.clone().into();
            row.account = Set(format!("{}/{fund}/{year}", e.account));
            row.holder = Set(e.account.clone());
            row.division = Set(division_of(&e.account, &villages));
            row.fund = Set(fund.clone());
            row.year = Set(year);
            row.update(db).await?;
        }
        transfer::ActiveModel {
            id: Set(txn),
            kind: Set(debit.kind.clone()),
            from_account: Set(format!("{}/{fund}/{year}", debit.account)),
            from_holder: Set(debit.account.clone()),
            from_division: Set(division_of(&debit.account, &villages)),
            to_account: Set(format!("{}/{fund}/{year}", credit.account)),
            to_holder: Set(credit.account.clone()),
            to_division: Set(division_of(&credit.account, &villages)),
            fund: Set(fund.clone()),
            year: Set(year),
            amount_fen: Set(x),
            status: Set("posted".to_owned()),
            ref_id: Set(debit.ref_id),
            request: Set(None),
            answer: Set(None),
            created_by: Set(allocations
                .get(&debit.ref_id)
                .map(|a| a.allocated_by.clone())
                .or_else(|| disbursements.get(&debit.ref_id).map(|d| d.disbursed_by.clone()))
                .unwrap_or_default()),
            created_at: Set(debit.created_at),
            resolved_by: Set(None),
            resolved_at: Set(None),
            version: Set(1),
        }
        .insert(db)
        .await?;
        if let Some(d) = disbursements.get(&debit.ref_id) {
            let mut row: disbursement::ActiveModel = d.clone().into();
            row.fund = Set(fund.clone());
            row.year = Set(year);
            row.update(db).await?;
        }
    }
    for a in allocations.into_values() {
        let mut row: allocation::ActiveModel = a.into();
        row.reason = Set("recorded before allocations carried a reason".to_owned());
        row.update(db).await?;
    }
    rebuild_accounts(db).await
}

/// Replaces every account row by the sums of its entries.
async fn rebuild_accounts<C: sea_orm::ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    account::Entity::delete_many().filter(account::Column::Account.ne("")).exec(db).await?;
    let mut rows: BTreeMap<String, account::Model> = BTreeMap::new();
    for e in ledger_entry::Entity::find().order_by_asc(ledger_entry::Column::Seq).all(db).await? {
        let a = rows.entry(e.account.clone()).or_insert_with(|| account::Model {
            account: e.account.clone(),
            holder: e.holder.clone(),
            division: e.division.clone(),
            fund: e.fund.clone(),
            year: e.year,
            source: e.holder == CENTRE,
            balance_fen: 0,
            pending_fen: 0,
            received_fen: 0,
            allocated_fen: 0,
            disbursed_fen: 0,
            version: 1,
        });
        a.balance_fen += e.amount_fen;
        match (e.amount_fen > 0, e.kind.as_str()) {
            (true, _) => a.received_fen += e.amount_fen,
            (false, "disbursement") => a.disbursed_fen -= e.amount_fen,
            (false, _) => a.allocated_fen -= e.amount_fen,
        }
    }
    for a in rows.into_values() {
        account::ActiveModel::from(a).insert(db).await?;
    }
    Ok(())
}
