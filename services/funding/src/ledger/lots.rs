//! Lots: money as it arrived in an account, spent first in, first out within the account (one
//! holder, fund and year). Every credit opens a lot; every transfer out of an account that is not
//! its fund's source takes lots, oldest first, until its amount is covered, and records what it
//! took of each (`lot_uses`). A held transfer takes its lots when held; voiding it gives them back.
//! Following the uses from a payment leads back, lot by lot, to the source account's transfer it
//! started from; following them from an allocation leads forward to everything it paid.
//!
//! Lots are taken under the debited account's row lock (the conditional debit that precedes
//! them), so two transfers out of one account take lots one after the other.

use std::collections::HashSet;

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

use super::LedgerError;
use crate::store::{lot, lot_use, transfer};

/// How many lots one query reads while covering a transfer.
const BATCH: u64 = 32;

/// Opens the lot a posted credit brings into `account` (`seq`: its credit entry).
pub async fn open<C: ConnectionTrait>(
    conn: &C,
    transfer_id: Uuid,
    account: &str,
    seq: i64,
    x: i64,
) -> Result<(), DbErr> {
    lot::ActiveModel {
        transfer_id: Set(transfer_id),
        account: Set(account.to_owned()),
        seq: Set(seq),
        amount_fen: Set(x),
        remaining_fen: Set(x),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Takes `x` fen for `transfer_id` from `account`'s oldest lots.
pub async fn take<C: ConnectionTrait>(conn: &C, transfer_id: Uuid, account: &str, x: i64) -> Result<(), LedgerError> {
    let mut due = x;
    while due > 0 {
        let batch = lot::Entity::find()
            .filter(lot::Column::Account.eq(account))
            .filter(lot::Column::RemainingFen.gt(0))
            .order_by_asc(lot::Column::Seq)
            .limit(BATCH)
            .all(conn)
            .await?;
        if batch.is_empty() {
            return Err(LedgerError::Untraced(account.to_owned()));
        }
        let mut uses = Vec::with_capacity(batch.len());
        for l in batch {
            let part = Ord::min(due, l.remaining_fen);
            let taken = lot::Entity::update_many()
                .col_expr(lot::Column::RemainingFen, Expr::col(lot::Column::RemainingFen).sub(part))
                .filter(lot::Column::TransferId.eq(l.transfer_id))
                .filter(lot::Column::RemainingFen.gte(part))
                .exec(conn)
                .await?;
            if taken.rows_affected != 1 {
                return Err(
                    DbErr::Custom(format!("lot {} of {account} changed while being taken", l.transfer_id)).into()
                );
            }
            uses.push(lot_use::ActiveModel {
                transfer_id: Set(transfer_id),
                lot: Set(l.transfer_id),
                amount_fen: Set(part),
                released: Set(false),
                ..Default::default()
            });
            due -= part;
            if due == 0 {
                break;
            }
        }
        lot_use::Entity::insert_many(uses).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Gives back what a voided transfer took: each lot gets its part again.
pub async fn give_back<C: ConnectionTrait>(conn: &C, transfer_id: Uuid) -> Result<(), DbErr> {
    let uses = lot_use::Entity::find()
        .filter(lot_use::Column::TransferId.eq(transfer_id))
        .filter(lot_use::Column::Released.eq(false))
        .all(conn)
        .await?;
    for u in &uses {
        lot::Entity::update_many()
            .col_expr(lot::Column::RemainingFen, Expr::col(lot::Column::RemainingFen).add(u.amount_fen))
            .filter(lot::Column::TransferId.eq(u.lot))
            .exec(conn)
            .await?;
    }
    lot_use::Entity::update_many()
        .col_expr(lot_use::Column::Released, Expr::value(true))
        .filter(lot_use::Column::TransferId.eq(transfer_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// One link of a trace: `amount_fen` of the money `lot` brought paid `paid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The transfer that brought the money.
    pub lot: Uuid,
    /// The transfer it paid.
    pub paid: Uuid,
    /// Fen.
    pub amount_fen: i64,
}

/// The links of a trace and every transfer they name, at most `limit` links.
#[derive(Debug, Default)]
pub struct Walk {
    /// Links, level by level from the start.
    pub links: Vec<Link>,
    /// Whether more links were left out.
    pub truncated: bool,
}

/// Which way a trace goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From a transfer to the lots that paid it, up to the source.
    Back,
    /// From a transfer to what its money paid, down to the payees.
    Forward,
}

/// Follows the lot uses from `start`, level by level, through at most `limit` links.
pub async fn walk<C: ConnectionTrait>(conn: &C, start: Uuid, way: Direction, limit: usize) -> Result<Walk, DbErr> {
    let mut walk = Walk::default();
    let mut seen = HashSet::from([start]);
    let mut frontier = vec![start];
    while !frontier.is_empty() {
        let column = if way == Direction::Back { lot_use::Column::TransferId } else { lot_use::Column::Lot };
        let mut next = Vec::new();
        for chunk in frontier.chunks(500) {
            let uses = lot_use::Entity::find()
                .filter(column.is_in(chunk.iter().copied()))
                .filter(lot_use::Column::Released.eq(false))
                .order_by_asc(lot_use::Column::Id)
                .limit(limit.saturating_sub(walk.links.len()) as u64 + 1)
                .all(conn)
                .await?;
            for u in uses {
                if walk.links.len() == limit {
                    walk.truncated = true;
                    return Ok(walk);
                }
                let reached = if way == Direction::Back { u.lot } else { u.transfer_id };
                if seen.insert(reached) {
                    next.push(reached);
                }
                walk.links.push(Link { lot: u.lot, paid: u.transfer_id, amount_fen: u.amount_fen });
            }
        }
        frontier = next;
    }
    Ok(walk)
}

/// The transfers a walk names, in id order.
pub async fn transfers_of<C: ConnectionTrait>(conn: &C, ids: &[Uuid]) -> Result<Vec<transfer::Model>, DbErr> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        rows.extend(
            transfer::Entity::find().filter(transfer::Column::Id.is_in(chunk.iter().copied())).all(conn).await?,
        );
    }
    rows.sort_by_key(|t| t.id);
    Ok(rows)
}
