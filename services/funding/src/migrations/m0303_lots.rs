//! Lots: every credit becomes a lot of its account, and every transfer out of an account that is
//! not a fund's source records the lots that paid it, first in, first out.
//!
//! Transfers recorded before this migration are carried over by replaying them in the order they
//! happened: a transfer posted at once takes its lots and credits its payee when it was made; a
//! two-phase one takes its lots when it was held and credits its payee when it was posted; a
//! voided one took nothing. Every non-source account held enough at each point, so the replay
//! finds every lot it needs.

use std::collections::{HashMap, HashSet, VecDeque};

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use uuid::Uuid;

use crate::store::{account, ledger_entry, lot, lot_use, transfer};

/// Adds the tables, then carries the existing transfers over.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("lots")
            .col(uuid("transfer_id").primary_key())
            .col(string("account"))
            .col(big_integer("seq"))
            .col(big_integer("amount_fen"))
            .col(big_integer("remaining_fen"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table("lot_uses")
            .col(big_pk_auto("id"))
            .col(uuid("transfer_id"))
            .col(uuid("lot"))
            .col(big_integer("amount_fen"))
            .col(boolean("released").default(false))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create().name("lots_account_seq").table("lots").col("account").col("seq").to_owned(),
    )
    .await?;
    for (name, column) in [("lot_uses_transfer", "transfer_id"), ("lot_uses_lot", "lot")] {
        m.create_index(Index::create().name(name).table("lot_uses").col(column).to_owned()).await?;
    }
    carry_over(m).await
}

/// What happened to an account, in the order it happened.
enum Step {
    /// A transfer took (or held) its amount from its debited account.
    Take(Uuid),
    /// A transfer's money reached its credited account, by its credit entry.
    Credit(Uuid, i64),
}

/// Replays every transfer into lots and lot uses.
async fn carry_over(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let transfers: HashMap<Uuid, transfer::Model> =
        transfer::Entity::find().all(db).await?.into_iter().map(|t| (t.id, t)).collect();
    if transfers.is_empty() {
        return Ok(());
    }
    let sources: HashSet<String> =
        account::Entity::find().all(db).await?.into_iter().filter(|a| a.source).map(|a| a.account).collect();
    let credits: HashMap<Uuid, i64> = ledger_entry::Entity::find()
        .order_by_asc(ledger_entry::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .filter(|e| e.amount_fen > 0)
        .map(|e| (e.txn_id, e.seq))
        .collect();
    let mut steps: Vec<(chrono::DateTime<chrono::Utc>, i64, Step)> = Vec::new();
    for t in transfers.values() {
        if t.status == "voided" {
            continue;
        }
        let credit = credits.get(&t.id).copied();
        steps.push((t.created_at, credit.unwrap_or(i64::MAX), Step::Take(t.id)));
        if let Some(seq) = credit {
            steps.push((t.resolved_at.unwrap_or(t.created_at), seq, Step::Credit(t.id, seq)));
        }
    }
    // Same instant: a take before the credit it makes; otherwise journal order.
    steps.sort_by_key(|(at, seq, step)| (*at, *seq, matches!(step, Step::Credit(..))));
    let mut open: HashMap<String, VecDeque<(Uuid, i64)>> = HashMap::new();
    let mut lots: Vec<lot::Model> = Vec::new();
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    for (_, _, step) in steps {
        match step {
            Step::Credit(id, seq) => {
                let t = &transfers[&id];
                index.insert(id, lots.len());
                lots.push(lot::Model {
                    transfer_id: id,
                    account: t.to_account.clone(),
                    seq,
                    amount_fen: t.amount_fen,
                    remaining_fen: t.amount_fen,
                });
                open.entry(t.to_account.clone()).or_default().push_back((id, t.amount_fen));
            }
            Step::Take(id) => {
                let t = &transfers[&id];
                if sources.contains(&t.from_account) {
                    continue;
                }
                let queue = open.entry(t.from_account.clone()).or_default();
                let mut due = t.amount_fen;
                while due > 0 {
                    let Some((lot_id, left)) = queue.front_mut() else { break };
                    let take = Ord::min(due, *left);
                    *left -= take;
                    due -= take;
                    lots[index[lot_id]].remaining_fen -= take;
                    lot_use::ActiveModel {
                        transfer_id: Set(id),
                        lot: Set(*lot_id),
                        amount_fen: Set(take),
                        released: Set(false),
                        ..Default::default()
                    }
                    .insert(db)
                    .await?;
                    if *left == 0 {
                        queue.pop_front();
                    }
                }
            }
        }
    }
    for l in lots {
        lot::ActiveModel::from(l).insert(db).await?;
    }
    Ok(())
}
