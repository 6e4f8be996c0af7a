//! The double-entry ledger in integer fen, over accounts per holder × fund × year. Every posted
//! movement writes exactly two entries summing to zero and updates both accounts inside the
//! caller's transaction, under its **transfer id** (a row in `transfers`, the primary key, so one
//! id is one movement). A two-phase transfer first only *holds* the amount on the debited account
//! (`pending_fen`: the available balance drops, nothing is journalled), then is posted (the
//! money moves) or voided (the hold is released), each exactly once: the status changes by a
//! conditional update from `pending`.
//!
//! Only a fund's source account (the centre's for a central fund, see
//! [`crate::domain::funds`]) may go negative; every other debit or hold is a conditional update
//! (`... WHERE balance_fen - pending_fen >= amount`), so two concurrent spends can never both
//! pass, on SQLite or PostgreSQL. [`check::recount`] checks the whole ledger from its entries.

pub mod check;
mod idempotency;
pub mod lots;

use chain_api::funding::{Account, FundAccount, TransferStatus};
use chain_domain::Money;
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use serde::{Deserialize, Serialize};

pub use check::recount;
pub use idempotency::{Replay, replay, set_answer};

use crate::store::{account, ledger_entry, transfer};

/// The centre's holder key.
pub const CENTRE: &str = "CN";

/// The holder key of a household.
pub fn household_holder(household_id: Uuid) -> String {
    format!("household:{household_id}")
}

/// The holder key of a county library project.
pub fn project_holder(project_id: Uuid) -> String {
    format!("project:{project_id}")
}

/// What a movement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Down the chain, from one division to one below it.
    Allocation,
    /// From a county to a household.
    Disbursement,
    /// From a county to a library project.
    Project,
}

/// One account: a holder's money of one fund in one budget year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `CN`, a division code or `household:<id>`.
    pub holder: String,
    /// The division the holder lies in (the centre: `CN`; a household: its village).
    pub division: String,
    /// Fund channel.
    pub fund: String,
    /// Budget year.
    pub year: i32,
}

impl Key {
    /// The account of a division (or the centre) in a fund and year.
    pub fn of(division: &str, fund: &str, year: i32) -> Key {
        Key { holder: division.to_owned(), division: division.to_owned(), fund: fund.to_owned(), year }
    }

    /// The stored key, `<holder>/<fund>/<year>`.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.holder, self.fund, self.year)
    }
}

/// One money movement.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The transfer id.
    pub id: Uuid,
    /// Debited account.
    pub from: Key,
    /// Whether the debited account is the fund's source (may go negative).
    pub from_source: bool,
    /// Credited account (same fund and year).
    pub to: Key,
    /// Amount (positive).
    pub amount: Money,
    /// Kind.
    pub kind: EntryKind,
    /// The allocation or disbursement it records.
    pub ref_id: Uuid,
    /// What was asked, canonical JSON, for replays under the same id.
    pub request: String,
    /// Who.
    pub by: String,
    /// When, by the service's clock.
    pub at: DateTime<Utc>,
}

/// Why a movement was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The debited account has less available than the amount.
    #[error("{account} has {available} available; this needs {needed}")]
    Insufficient {
        /// The account key.
        account: String,
        /// Its available balance.
        available: Money,
        /// The amount asked for.
        needed: Money,
    },
    /// A total would leave the 64-bit range.
    #[error("the amount would overflow the totals of {0}")]
    Overflow(String),
    /// A pending transfer was already posted or voided (or was never pending).
    #[error("the transfer is {0}, not pending")]
    NotPending(String),
    /// The account's lots do not cover what its balance says it has: the ledger needs checking.
    #[error("the lots of {0} do not cover its balance")]
    Untraced(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates the account row if it does not exist yet.
async fn ensure<C: ConnectionTrait>(conn: &C, key: &Key, source: bool) -> Result<(), DbErr> {
    let row = account::ActiveModel {
        account: Set(key.id()),
        holder: Set(key.holder.clone()),
        division: Set(key.division.clone()),
        fund: Set(key.fund.clone()),
        year: Set(key.year),
        source: Set(source),
        balance_fen: Set(0),
        pending_fen: Set(0),
        received_fen: Set(0),
        allocated_fen: Set(0),
        disbursed_fen: Set(0),
        version: Set(1),
    };
    account::Entity::insert(row).on_conflict_do_nothing().exec_without_returning(conn).await?;
    Ok(())
}

/// The column counting what an account paid out by movements of `kind`.
fn counter(kind: EntryKind) -> account::Column {
    match kind {
        EntryKind::Allocation => account::Column::AllocatedFen,
        EntryKind::Disbursement | EntryKind::Project => account::Column::DisbursedFen,
    }
}

/// Why a debit or hold of `x` on `key` matched no row: short of funds, or an overflow.
async fn refusal<C: ConnectionTrait>(conn: &C, key: &Key, source: bool, x: i64) -> Result<LedgerError, DbErr> {
    let row = account::Entity::find_by_id(key.id()).one(conn).await?;
    let available = row.map_or(0, |a| a.balance_fen.saturating_sub(a.pending_fen));
    Ok(if !source && available < x {
        LedgerError::Insufficient {
            account: key.id(),
            available: Money::from_fen(available),
            needed: Money::from_fen(x),
        }
    } else {
        LedgerError::Overflow(key.id())
    })
}

/// Records a movement inside the caller's transaction: posted at once (two entries), or, with
/// `pending`, only held on the debited account until [`post`] or [`void`]. On an error the
/// caller must roll the transaction back.
pub async fn transfer<C: ConnectionTrait>(conn: &C, t: &Transfer, pending: bool) -> Result<(), LedgerError> {
    let x = t.amount.fen();
    if x <= 0 || t.from.id() == t.to.id() || t.from.fund != t.to.fund || t.from.year != t.to.year {
        return Err(DbErr::Custom("a transfer moves a positive amount between two accounts of one fund".into()).into());
    }
    // Accounts are always locked parent before child (the centre, then divisions down the tree,
    // then households), so concurrent movements cannot deadlock on PostgreSQL.
    ensure(conn, &t.from, t.from_source).await?;
    ensure(conn, &t.to, false).await?;
    let available = Expr::col(account::Column::BalanceFen).sub(Expr::col(account::Column::PendingFen));
    let mut debit = account::Entity::update_many()
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Account.eq(t.from.id()))
        .filter(account::Column::PendingFen.lte(i64::MAX - x));
    debit = if pending {
        debit.col_expr(account::Column::PendingFen, Expr::col(account::Column::PendingFen).add(x))
    } else {
        let c = counter(t.kind);
        debit
            .col_expr(account::Column::BalanceFen, Expr::col(account::Column::BalanceFen).sub(x))
            .col_expr(c, Expr::col(c).add(x))
            .filter(c.lte(i64::MAX - x))
    };
    debit = if t.from_source {
        debit.filter(account::Column::BalanceFen.gte(i64::MIN / 2 + x))
    } else {
        debit.filter(available.gte(x))
    };
    if debit.exec(conn).await?.rows_affected != 1 {
        return Err(refusal(conn, &t.from, t.from_source, x).await?);
    }
    transfer::ActiveModel {
        id: Set(t.id),
        kind: Set(enum_str(&t.kind)),
        from_account: Set(t.from.id()),
        from_holder: Set(t.from.holder.clone()),
        from_division: Set(t.from.division.clone()),
        to_account: Set(t.to.id()),
        to_holder: Set(t.to.holder.clone()),
        to_division: Set(t.to.division.clone()),
        fund: Set(t.from.fund.clone()),
        year: Set(t.from.year),
        amount_fen: Set(x),
        status: Set(enum_str(if pending { &TransferStatus::Pending } else { &TransferStatus::Posted })),
        ref_id: Set(t.ref_id),
        request: Set(Some(t.request.clone())),
        answer: Set(None),
        created_by: Set(t.by.clone()),
        created_at: Set(t.at),
        resolved_by: Set(None),
        resolved_at: Set(None),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    if !t.from_source {
        lots::take(conn, t.id, &t.from.id(), x).await?;
    }
    if !pending {
        credit_and_journal(conn, t.id, &t.from, &t.to, x, t.kind, t.ref_id, t.at).await?;
    }
    Ok(())
}

/// Credits `to` and writes the two entries of a posted movement.
#[allow(clippy::too_many_arguments)]
async fn credit_and_journal<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    from: &Key,
    to: &Key,
    x: i64,
    kind: EntryKind,
    ref_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), LedgerError> {
    let credited = account::Entity::update_many()
        .col_expr(account::Column::BalanceFen, Expr::col(account::Column::BalanceFen).add(x))
        .col_expr(account::Column::ReceivedFen, Expr::col(account::Column::ReceivedFen).add(x))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Account.eq(to.id()))
        .filter(account::Column::BalanceFen.lte(i64::MAX - x))
        .filter(account::Column::ReceivedFen.lte(i64::MAX - x))
        .exec(conn)
        .await?;
    if credited.rows_affected != 1 {
        return Err(LedgerError::Overflow(to.id()));
    }
    for (key, amount) in [(from, -x), (to, x)] {
        let entry = ledger_entry::ActiveModel {
            txn_id: Set(id),
            account: Set(key.id()),
            holder: Set(key.holder.clone()),
            division: Set(key.division.clone()),
            fund: Set(key.fund.clone()),
            year: Set(key.year),
            amount_fen: Set(amount),
            kind: Set(enum_str(&kind)),
            ref_id: Set(ref_id),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        if amount > 0 {
            lots::open(conn, id, &key.id(), entry.seq, x).await?;
        }
    }
    Ok(())
}

/// The keys of a stored transfer's two accounts.
fn keys(t: &transfer::Model) -> (Key, Key) {
    let key = |holder: &str, division: &str| Key {
        holder: holder.to_owned(),
        division: division.to_owned(),
        fund: t.fund.clone(),
        year: t.year,
    };
    (key(&t.from_holder, &t.from_division), key(&t.to_holder, &t.to_division))
}

/// Moves a pending transfer's status on to `to`, exactly once: the conditional update from
/// `pending` matches one row for the first caller and none for any other.
async fn resolve<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    to: TransferStatus,
    by: &str,
    at: DateTime<Utc>,
) -> Result<transfer::Model, LedgerError> {
    let moved = transfer::Entity::update_many()
        .col_expr(transfer::Column::Status, Expr::value(enum_str(&to)))
        .col_expr(transfer::Column::ResolvedBy, Expr::value(by.to_owned()))
        .col_expr(transfer::Column::ResolvedAt, Expr::value(at))
        .col_expr(transfer::Column::Version, Expr::col(transfer::Column::Version).add(1))
        .filter(transfer::Column::Id.eq(id))
        .filter(transfer::Column::Status.eq(enum_str(&TransferStatus::Pending)))
        .exec(conn)
        .await?;
    let row = transfer::Entity::find_by_id(id).one(conn).await?.ok_or_else(|| DbErr::RecordNotFound(id.to_string()))?;
    if moved.rows_affected != 1 {
        return Err(LedgerError::NotPending(row.status));
    }
    Ok(row)
}

/// Posts a pending transfer: the held amount leaves the debited account and reaches the
/// credited one, with its two entries.
pub async fn post<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    by: &str,
    at: DateTime<Utc>,
) -> Result<transfer::Model, LedgerError> {
    let row = resolve(conn, id, TransferStatus::Posted, by, at).await?;
    let (from, to) = keys(&row);
    let x = row.amount_fen;
    let kind: EntryKind = chain_store::text::parse_enum(&row.kind)?;
    let c = counter(kind);
    let debited = account::Entity::update_many()
        .col_expr(account::Column::BalanceFen, Expr::col(account::Column::BalanceFen).sub(x))
        .col_expr(account::Column::PendingFen, Expr::col(account::Column::PendingFen).sub(x))
        .col_expr(c, Expr::col(c).add(x))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Account.eq(from.id()))
        .filter(account::Column::PendingFen.gte(x))
        .filter(c.lte(i64::MAX - x))
        .exec(conn)
        .await?;
    if debited.rows_affected != 1 {
        return Err(LedgerError::Overflow(from.id()));
    }
    credit_and_journal(conn, id, &from, &to, x, kind, row.ref_id, at).await?;
    Ok(row)
}

/// Voids a pending transfer: the hold is released and the money is available again.
pub async fn void<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    by: &str,
    at: DateTime<Utc>,
) -> Result<transfer::Model, LedgerError> {
    let row = resolve(conn, id, TransferStatus::Voided, by, at).await?;
    let released = account::Entity::update_many()
        .col_expr(account::Column::PendingFen, Expr::col(account::Column::PendingFen).sub(row.amount_fen))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Account.eq(row.from_account.as_str()))
        .filter(account::Column::PendingFen.gte(row.amount_fen))
        .exec(conn)
        .await?;
    if released.rows_affected != 1 {
        return Err(LedgerError::Overflow(row.from_account));
    }
    lots::give_back(conn, id).await?;
    Ok(row)
}

/// A holder's accounts, oldest year first, then by fund.
pub async fn accounts_of<C: ConnectionTrait>(conn: &C, holder: &str) -> Result<Vec<account::Model>, DbErr> {
    account::Entity::find()
        .filter(account::Column::Holder.eq(holder))
        .order_by_asc(account::Column::Year)
        .order_by_asc(account::Column::Fund)
        .all(conn)
        .await
}

/// A holder's books in API form: the sums over its accounts and each account; a holder never
/// touched reads as zeros.
pub async fn account<C: ConnectionTrait>(conn: &C, holder: &str) -> Result<Account, DbErr> {
    let rows = accounts_of(conn, holder).await?;
    let sum = |f: fn(&account::Model) -> i64| rows.iter().map(f).fold(0i64, i64::saturating_add);
    let funds = rows
        .iter()
        .map(|a| FundAccount {
            fund: a.fund.clone(),
            year: a.year,
            received_fen: a.received_fen,
            allocated_fen: a.allocated_fen,
            disbursed_fen: a.disbursed_fen,
            balance_fen: a.balance_fen,
            pending_fen: a.pending_fen,
            available_fen: a.balance_fen.saturating_sub(a.pending_fen),
        })
        .collect();
    Ok(Account {
        division: holder.to_owned(),
        received_fen: sum(|a| a.received_fen),
        allocated_fen: sum(|a| a.allocated_fen),
        disbursed_fen: sum(|a| a.disbursed_fen),
        balance_fen: sum(|a| a.balance_fen),
        pending_fen: sum(|a| a.pending_fen),
        available_fen: sum(|a| a.balance_fen.saturating_sub(a.pending_fen)),
        funds,
    })
}

#[cfg(test)]
mod tests;
