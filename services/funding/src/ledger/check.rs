//! The recount of the whole ledger from its entries and transfers alone: every transfer's
//! entries sum to zero, every account's balance is the sum of its entries, no account but a
//! fund's source is below zero once its holds are counted, and every account's hold is the sum
//! of its pending transfers.

use chain_api::funding::LedgerCheck;
use sea_orm::{ConnectionTrait, DbErr, Statement};

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
    let negative = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM accounts WHERE pending_fen < 0 OR \
         (NOT source AND balance_fen - pending_fen < 0)",
    )
    .await?;
    let holds = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM accounts AS a LEFT JOIN \
           (SELECT from_account, SUM(amount_fen) AS s FROM transfers WHERE status = 'pending' \
            GROUP BY from_account) AS t ON t.from_account = a.account \
         WHERE a.pending_fen <> COALESCE(t.s, 0)",
    )
    .await?;
    let pending = scalar(conn, "SELECT COUNT(*) AS n FROM transfers WHERE status = 'pending'").await?;
    let [entries, unbalanced, inconsistent, negative, holds, pending] =
        [entries, unbalanced, inconsistent, negative, holds, pending].map(|n| n as u64);
    Ok(LedgerCheck {
        entries,
        sum_fen,
        unbalanced_transactions: unbalanced,
        inconsistent_accounts: inconsistent,
        negative_accounts: negative,
        inconsistent_holds: holds,
        pending_transfers: pending,
        balanced: sum_fen == 0 && unbalanced == 0 && inconsistent == 0 && negative == 0 && holds == 0,
    })
}
