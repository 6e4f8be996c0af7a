//! The double-entry ledger in integer fen. Every movement writes exactly two entries summing to
//! zero and updates both accounts inside the caller's transaction. Only the centre (`CN`, the
//! source of central special funds) may go negative; every other debit is a conditional update
//! (`... WHERE balance_fen >= amount`), so two concurrent spends can never both pass, on SQLite
//! or PostgreSQL. [`recount`] checks the whole ledger from its entries alone.

use chain_api::funding::{Account, LedgerCheck};
use chain_domain::Money;
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Statement};
use serde::{Deserialize, Serialize};

use crate::store::{account, ledger_entry};

/// The centre's account key.
pub const CENTRE: &str = "CN";

/// The account key of a household.
pub fn household_account(household_id: Uuid) -> String {
    format!("household:{household_id}")
}

/// What a movement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Down the chain, from one division to one below it.
    Allocation,
    /// From a county to a household.
    Disbursement,
}

/// One money movement.
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    /// Debited account.
    pub from: &'a str,
    /// Credited account.
    pub to: &'a str,
    /// Amount (positive).
    pub amount: Money,
    /// Kind.
    pub kind: EntryKind,
    /// The allocation or disbursement it records.
    pub ref_id: Uuid,
    /// When, by the service's clock.
    pub at: DateTime<Utc>,
}

/// Why a movement was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The debited account has less than the amount.
    #[error("{account} has {available} available; this needs {needed}")]
    Insufficient {
        /// The account key.
        account: String,
        /// Its balance.
        available: Money,
        /// The amount asked for.
        needed: Money,
    },
    /// A total would leave the 64-bit range.
    #[error("the amount would overflow the totals of {0}")]
    Overflow(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates the account row if it does not exist yet.
async fn ensure<C: ConnectionTrait>(conn: &C, key: &str) -> Result<(), DbErr> {
    let row = account::ActiveModel {
        account: Set(key.to_owned()),
        balance_fen: Set(0),
        received_fen: Set(0),
        allocated_fen: Set(0),
        disbursed_fen: Set(0),
        version: Set(1),
    };
    account::Entity::insert(row).on_conflict_do_nothing().exec_without_returning(conn).await?;
    Ok(())
}

/// Records a movement inside the caller's transaction and returns its `txn_id`. On an error
/// the caller must roll the transaction back.
pub async fn transfer<C: ConnectionTrait>(conn: &C, t: &Transfer<'_>) -> Result<Uuid, LedgerError> {
    let x = t.amount.fen();
    if x <= 0 || t.from == t.to {
        return Err(DbErr::Custom("a transfer moves a positive amount between two accounts".into()).into());
    }
    // Accounts are always locked parent before child (the centre, then divisions down the tree,
    // then households), so concurrent movements cannot deadlock on PostgreSQL.
    ensure(conn, t.from).await?;
    ensure(conn, t.to).await?;
    let counter = match t.kind {
        EntryKind::Allocation => account::Column::AllocatedFen,
        EntryKind::Disbursement => account::Column::DisbursedFen,
    };
    let mut debit = account::Entity::update_many()
        .col_expr(account::Column::BalanceFen, Expr::col(account::Column::BalanceFen).sub(x))
        .col_expr(counter, Expr::col(counter).add(x))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Account.eq(t.from))
        .filter(counter.lte(i64::MAX - x));
    debit = if t.from == CENTRE {
        debit.filter(account::Column::BalanceFen.gte(i64::MIN + x))
    } else {
        debit.filter(account::Column::BalanceFen.gte(x))
    };
    if debit.exec(conn).await?.rows_affected != 1 {
        let balance = account::Entity::find_by_id(t.from).one(conn).await?.map_or(0, |a| a.balance_fen);
        return Err(if t.from != CENTRE && balance < x {
            LedgerError::Insufficient {
                account: t.from.to_owned(),
                available: Money::from_fen(balance),
                needed: t.amount,
            }
        } else {
            LedgerError::Overflow(t.from.to_owned())
        });
    }
    let credited = account::Entity::update_many()
        .col_expr(account::Column::BalanceFen, Expr::col(account::Column::BalanceFen).add(x))
        .col_expr(account::Column::ReceivedFen, Expr::col(account::Column::ReceivedFen).add(x))
        .col_expr(account::Column::Version, Expr::col(account::Column::Version).add(1))
        .filter(account::Column::Account.eq(t.to))
        .filter(account::Column::BalanceFen.lte(i64::MAX - x))
        .filter(account::Column::ReceivedFen.lte(i64::MAX - x))
        .exec(conn)
        .await?;
    if credited.rows_affected != 1 {
        return Err(LedgerError::Overflow(t.to.to_owned()));
    }
    let txn_id = Uuid::now_v7();
    let now = t.at;
    for (key, amount) in [(t.from, -x), (t.to, x)] {
        ledger_entry::ActiveModel {
            txn_id: Set(txn_id),
            account: Set(key.to_owned()),
            amount_fen: Set(amount),
            kind: Set(enum_str(&t.kind)),
            ref_id: Set(t.ref_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(txn_id)
}

/// The account in API form; an account never touched reads as zeros.
pub async fn account<C: ConnectionTrait>(conn: &C, key: &str) -> Result<Account, DbErr> {
    let row = account::Entity::find_by_id(key).one(conn).await?;
    Ok(match row {
        Some(a) => Account {
            division: a.account,
            received_fen: a.received_fen,
            allocated_fen: a.allocated_fen,
            disbursed_fen: a.disbursed_fen,
            balance_fen: a.balance_fen,
        },
        None => {
            Account { division: key.to_owned(), received_fen: 0, allocated_fen: 0, disbursed_fen: 0, balance_fen: 0 }
        }
    })
}

/// Counts the result of a query returning one integer column `n`.
async fn scalar<C: ConnectionTrait>(conn: &C, sql: &str) -> Result<i64, DbErr> {
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    row.map_or(Ok(0), |r| r.try_get::<i64>("", "n"))
}

/// Recounts the whole ledger from its entries (not from the stored balances).
pub async fn recount<C: ConnectionTrait>(conn: &C) -> Result<LedgerCheck, DbErr> {
    let entries = scalar(conn, "SELECT COUNT(*) AS n FROM ledger_entries").await?;
    let sum_fen = scalar(conn, "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS n FROM ledger_entries").await?;
    let unbalanced = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM (SELECT txn_id FROM ledger_entries GROUP BY txn_id \
         HAVING SUM(amount_fen) <> 0) AS t",
    )
    .await?;
    // An account is inconsistent when its stored balance differs from the sum of its entries;
    // entries of an account with no row count against an implicit balance of zero.
    let inconsistent = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM (\
           SELECT a.account FROM accounts AS a LEFT JOIN \
             (SELECT account, SUM(amount_fen) AS s FROM ledger_entries GROUP BY account) AS e \
             ON e.account = a.account \
           WHERE a.balance_fen <> COALESCE(e.s, 0) \
           UNION ALL \
           SELECT e.account FROM \
             (SELECT account, SUM(amount_fen) AS s FROM ledger_entries GROUP BY account) AS e \
           WHERE e.s <> 0 AND NOT EXISTS (SELECT 1 FROM accounts AS a WHERE a.account = e.account)\
         ) AS bad",
    )
    .await?;
    let (entries, unbalanced, inconsistent) = (entries as u64, unbalanced as u64, inconsistent as u64);
    Ok(LedgerCheck {
        entries,
        sum_fen,
        unbalanced_transactions: unbalanced,
        inconsistent_accounts: inconsistent,
        balanced: sum_fen == 0 && unbalanced == 0 && inconsistent == 0,
    })
}

#[cfg(test)]
mod tests;
