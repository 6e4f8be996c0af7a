//! The recount of the whole ledger from its entries and transfers alone: every transfer's
//! entries sum to zero, every account's balance is the sum of its entries, no account but a
//! fund's source is below zero once its holds are counted, and every account's hold is the sum
//! of its pending transfers; and the lots: every transfer out of an account that is not a
//! source (and not voided) is paid by lots summing to its amount, every lot's remainder is what
//! arrived less what was taken, every such account's lots hold exactly its available balance,
//! and every transfer was resolved at most once (a posted one journalled once, a pending or
//! voided one never).

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
    let untraced = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM transfers AS t JOIN accounts AS a ON a.account = t.from_account \
         LEFT JOIN (SELECT transfer_id, SUM(amount_fen) AS s FROM lot_uses WHERE NOT released \
                    GROUP BY transfer_id) AS u ON u.transfer_id = t.id \
         WHERE NOT a.source AND t.status <> 'voided' AND COALESCE(u.s, 0) <> t.amount_fen",
    )
    .await?;
    let lots = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM (\
           SELECT 1 AS bad FROM lots AS l LEFT JOIN \
             (SELECT lot, SUM(amount_fen) AS s FROM lot_uses WHERE NOT released GROUP BY lot) AS u \
             ON u.lot = l.transfer_id \
           WHERE l.remaining_fen < 0 OR l.remaining_fen <> l.amount_fen - COALESCE(u.s, 0) \
           UNION ALL \
           SELECT 1 AS bad FROM accounts AS a LEFT JOIN \
             (SELECT account, SUM(remaining_fen) AS s FROM lots GROUP BY account) AS l \
             ON l.account = a.account \
           WHERE NOT a.source AND a.balance_fen - a.pending_fen <> COALESCE(l.s, 0)\
         ) AS bad",
    )
    .await?;
    let irregular = scalar(
        conn,
        "SELECT COUNT(*) AS n FROM transfers AS t LEFT JOIN \
           (SELECT txn_id, COUNT(*) AS c FROM ledger_entries GROUP BY txn_id) AS e ON e.txn_id = t.id \
         WHERE (t.status = 'posted' AND COALESCE(e.c, 0) <> 2) \
            OR (t.status <> 'posted' AND COALESCE(e.c, 0) <> 0) \
            OR (t.status = 'pending' AND t.resolved_at IS NOT NULL) \
            OR (t.status = 'voided' AND t.resolved_at IS NULL)",
    )
    .await?;
    let [entries, unbalanced, inconsistent, negative, holds, pending, untraced, lots, irregular] =
        [entries, unbalanced, inconsistent, negative, holds, pending, untraced, lots, irregular].map(|n| n as u64);
    Ok(LedgerCheck {
        entries,
        sum_fen,
        unbalanced_transactions: unbalanced,
        inconsistent_accounts: inconsistent,
        negative_accounts: negative,
        inconsistent_holds: holds,
        pending_transfers: pending,
        untraced_transfers: untraced,
        inconsistent_lots: lots,
        irregular_transfers: irregular,
        balanced: sum_fen == 0
            && unbalanced == 0
            && inconsistent == 0
            && negative == 0
            && holds == 0
            && untraced == 0
            && lots == 0
            && irregular == 0,
    })
}
