//! The ledger against a real SQLite file database: over-spending, concurrent spending and the
//! balance check.

use sea_orm::{ConnectionTrait, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use super::*;
use crate::migrations::Migrator;

/// A fresh, migrated SQLite file database in its own temporary directory.
async fn fresh_db() -> (chain_store::Db, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("chain-funding-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = chain_store::connect(&format!("sqlite://{}", dir.join("x.db").display())).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    (db, dir)
}

/// Moves money in its own transaction, committing only if the ledger accepts it.
async fn pay(db: &chain_store::Db, from: &str, to: &str, fen: i64, kind: EntryKind) -> Result<Uuid, LedgerError> {
    let txn = db.begin().await?;
    let t = Transfer {
        from,
        to,
        amount: Money::from_fen(fen),
        kind,
        ref_id: Uuid::now_v7(),
        at: chain_workflow::Clock::system().now(),
    };
    match transfer(&txn, &t).await {
        Ok(id) => {
            txn.commit().await?;
            Ok(id)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

async fn entries(db: &chain_store::Db) -> u64 {
    recount(db).await.unwrap().entries
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ledger_refuses_overspending_even_under_concurrency_and_stays_balanced() {
    let (db, dir) = fresh_db().await;
    scenario(&db).await;
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// Funds a county, then proves over-spends are refused, concurrent spends cannot both pass, and
/// the ledger check balances (and notices tampering).
async fn scenario(db: &chain_store::Db) {
    let db = db.clone();
    let household = |n: u128| household_account(Uuid::from_u128(n));
    // The centre may go negative; a province and a county hold only what they received.
    pay(&db, CENTRE, "52", 1_000_000, EntryKind::Allocation).await.unwrap();
    pay(&db, "52", "520624", 100_000, EntryKind::Allocation).await.unwrap();
    assert_eq!(account(&db, CENTRE).await.unwrap().balance_fen, -1_000_000);

    // An over-spend is refused, names the account and both amounts in yuan, and changes nothing.
    let before = (account(&db, "520624").await.unwrap(), entries(&db).await);
    let refused = pay(&db, "520624", &household(1), 500_000, EntryKind::Disbursement).await.unwrap_err();
    assert_eq!(refused.to_string(), "520624 has 1000.00 available; this needs 5000.00");
    assert!(matches!(refused, LedgerError::Insufficient { .. }), "answered as insufficient funds (see error.rs)");
    assert_eq!((account(&db, "520624").await.unwrap(), entries(&db).await), before);
    assert_eq!(account(&db, &household(1)).await.unwrap().received_fen, 0);

    // A division that never received anything cannot spend either.
    let empty = pay(&db, "520623", &household(9), 1, EntryKind::Disbursement).await.unwrap_err();
    assert!(matches!(empty, LedgerError::Insufficient { .. }), "{empty}");

    // Two concurrent disbursements of 600.00 against 1000.00: exactly one succeeds.
    let (a, b) = tokio::join!(
        tokio::spawn({
            let db = db.clone();
            async move { pay(&db, "520624", &household(2), 60_000, EntryKind::Disbursement).await }
        }),
        tokio::spawn({
            let db = db.clone();
            async move { pay(&db, "520624", &household(3), 60_000, EntryKind::Disbursement).await }
        }),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} / {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(LedgerError::Insufficient { .. })));
    let county = account(&db, "520624").await.unwrap();
    assert_eq!((county.received_fen, county.disbursed_fen, county.balance_fen), (100_000, 60_000, 40_000));
    let province = account(&db, "52").await.unwrap();
    assert_eq!((province.received_fen, province.allocated_fen, province.balance_fen), (1_000_000, 100_000, 900_000));

    // Recomputed from the entries alone, the ledger balances to the fen.
    let report = recount(&db).await.unwrap();
    assert_eq!(
        report,
        LedgerCheck { entries: 6, sum_fen: 0, unbalanced_transactions: 0, inconsistent_accounts: 0, balanced: true }
    );

    // And the check notices a tampered balance and a one-sided entry.
    db.execute_unprepared("UPDATE accounts SET balance_fen = balance_fen + 1 WHERE account = '52'").await.unwrap();
    db.execute_unprepared(
        "INSERT INTO ledger_entries (txn_id, account, amount_fen, kind, ref_id, created_at) \
         VALUES ('00000000-0000-0000-0000-000000000001', 'ghost', 5, 'allocation', \
                 '00000000-0000-0000-0000-000000000001', '2026-01-01T00:00:00Z')",
    )
    .await
    .unwrap();
    let report = recount(&db).await.unwrap();
    assert_eq!((report.sum_fen, report.unbalanced_transactions, report.inconsistent_accounts), (5, 1, 2));
    assert!(!report.balanced);
}
