//! The ledger against a real SQLite file database: over-spending, concurrent spending, two-phase
//! transfers, the balance check, and a property test over random sequences of movements.

use chain_api::funding::LedgerCheck;
use proptest::prelude::*;
use sea_orm::{ConnectionTrait, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use super::*;
use crate::migrations::Migrator;

const FUND: &str = "central-special";
const YEAR: i32 = 2016;

/// A fresh, migrated SQLite file database in its own temporary directory.
async fn fresh_db() -> (chain_store::Db, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("chain-funding-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = chain_store::connect(&format!("sqlite://{}", dir.join("x.db").display())).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    (db, dir)
}

fn key(holder: &str) -> Key {
    Key::of(holder, FUND, YEAR)
}

fn household(n: u128) -> Key {
    Key { holder: household_holder(Uuid::from_u128(n)), division: "520624101201".into(), ..key("x") }
}

fn movement(id: Uuid, from: &str, to: Key, fen: i64, kind: EntryKind) -> Transfer {
    Transfer {
        id,
        from: key(from),
        from_source: from == CENTRE,
        to,
        amount: Money::from_fen(fen),
        kind,
        ref_id: Uuid::now_v7(),
        request: "{}".into(),
        by: "test".into(),
        at: chain_workflow::Clock::system().now(),
    }
}

/// Runs one ledger step in its own transaction, committing only if it succeeds.
async fn commit<T>(
    db: &chain_store::Db,
    step: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<T, LedgerError>,
) -> Result<T, LedgerError> {
    let txn = db.begin().await?;
    match step(&txn).await {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

/// Moves money (posted, or held with `pending`) under a fresh transfer id.
async fn pay(
    db: &chain_store::Db,
    from: &str,
    to: Key,
    fen: i64,
    kind: EntryKind,
    pending: bool,
) -> Result<Uuid, LedgerError> {
    let t = movement(Uuid::now_v7(), from, to, fen, kind);
    commit(db, async |txn| transfer(txn, &t, pending).await.map(|()| t.id)).await
}

async fn entries(db: &chain_store::Db) -> u64 {
    recount(db).await.unwrap().entries
}

async fn balance(db: &chain_store::Db, holder: &str) -> (i64, i64) {
    let a = account(db, holder).await.unwrap();
    (a.balance_fen, a.available_fen)
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
    use EntryKind::{Allocation, Disbursement};
    // The centre may go negative; a province and a county hold only what they received.
    pay(&db, CENTRE, key("52"), 1_000_000, Allocation, false).await.unwrap();
    pay(&db, "52", key("520624"), 100_000, Allocation, false).await.unwrap();
    assert_eq!(account(&db, CENTRE).await.unwrap().balance_fen, -1_000_000);

    // An over-spend is refused, names the account and both amounts in yuan, and changes nothing.
    let before = (account(&db, "520624").await.unwrap(), entries(&db).await);
    let refused = pay(&db, "520624", household(1), 500_000, Disbursement, false).await.unwrap_err();
    assert_eq!(refused.to_string(), "520624/central-special/2016 has 1000.00 available; this needs 5000.00");
    assert!(matches!(refused, LedgerError::Insufficient { .. }), "answered as insufficient funds (see error.rs)");
    assert_eq!((account(&db, "520624").await.unwrap(), entries(&db).await), before);

    // A division that never received anything cannot spend either; nor from another fund.
    let empty = pay(&db, "520623", household(9), 1, Disbursement, false).await.unwrap_err();
    assert!(matches!(empty, LedgerError::Insufficient { .. }), "{empty}");
    let other_fund = Transfer {
        from: Key::of("520624", "county-special", YEAR),
        to: Key { fund: "county-special".into(), ..household(9) },
        ..movement(Uuid::now_v7(), "520624", household(9), 1, Disbursement)
    };
    let refused = commit(&db, async |txn| transfer(txn, &other_fund, false).await).await.unwrap_err();
    assert!(matches!(refused, LedgerError::Insufficient { .. }), "funds do not mix: {refused}");

    // Two concurrent disbursements of 600.00 against 1000.00: exactly one succeeds.
    let (a, b) = tokio::join!(
        tokio::spawn({
            let db = db.clone();
            async move { pay(&db, "520624", household(2), 60_000, Disbursement, false).await }
        }),
        tokio::spawn({
            let db = db.clone();
            async move { pay(&db, "520624", household(3), 60_000, Disbursement, false).await }
        }),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} / {b:?}");
    let county = account(&db, "520624").await.unwrap();
    assert_eq!((county.received_fen, county.disbursed_fen, county.balance_fen), (100_000, 60_000, 40_000));

    // A pending payment holds the money: available drops at once, the balance only when posted.
    let held = pay(&db, "520624", household(4), 30_000, Disbursement, true).await.unwrap();
    assert_eq!(balance(&db, "520624").await, (40_000, 10_000));
    let short = pay(&db, "520624", household(5), 10_001, Disbursement, false).await.unwrap_err();
    assert!(matches!(short, LedgerError::Insufficient { .. }), "held money is not available: {short}");
    commit(&db, async |txn| post(txn, held, "t", chain_workflow::Clock::system().now()).await).await.unwrap();
    assert_eq!(balance(&db, "520624").await, (10_000, 10_000));
    let again = commit(&db, async |txn| post(txn, held, "t", chain_workflow::Clock::system().now()).await);
    assert!(matches!(again.await, Err(LedgerError::NotPending(s)) if s == "posted"));
    let voided = commit(&db, async |txn| void(txn, held, "t", chain_workflow::Clock::system().now()).await);
    assert!(matches!(voided.await, Err(LedgerError::NotPending(_))), "a posted transfer cannot be voided");

    // A voided one returns the money.
    let held = pay(&db, "520624", household(6), 10_000, Disbursement, true).await.unwrap();
    assert_eq!(balance(&db, "520624").await, (10_000, 0));
    commit(&db, async |txn| void(txn, held, "t", chain_workflow::Clock::system().now()).await).await.unwrap();
    assert_eq!(balance(&db, "520624").await, (10_000, 10_000));

    // One transfer id is one movement.
    let id = Uuid::now_v7();
    let t = movement(id, "520624", household(7), 1, Disbursement);
    commit(&db, async |txn| transfer(txn, &t, false).await).await.unwrap();
    assert!(commit(&db, async |txn| transfer(txn, &t, false).await).await.is_err());
    assert_eq!(balance(&db, "520624").await, (9_999, 9_999));

    // Recomputed from the entries alone, the ledger balances to the fen.
    let report = recount(&db).await.unwrap();
    assert_eq!(
        report,
        LedgerCheck {
            entries: 10,
            sum_fen: 0,
            unbalanced_transactions: 0,
            inconsistent_accounts: 0,
            negative_accounts: 0,
            inconsistent_holds: 0,
            pending_transfers: 0,
            untraced_transfers: 0,
            inconsistent_lots: 0,
            irregular_transfers: 0,
            balanced: true
        }
    );

    // Tampering with a lot, or a payment losing its lots, is noticed too.
    db.execute_unprepared("UPDATE lots SET remaining_fen = remaining_fen - 1 WHERE account LIKE '52/%'").await.unwrap();
    let report = recount(&db).await.unwrap();
    assert_eq!((report.inconsistent_lots, report.balanced), (2, false), "the lot, and its account: {report:?}");
    db.execute_unprepared("UPDATE lots SET remaining_fen = remaining_fen + 1 WHERE account LIKE '52/%'").await.unwrap();
    db.execute_unprepared("UPDATE lot_uses SET released = TRUE WHERE id = (SELECT MAX(id) FROM lot_uses)")
        .await
        .unwrap();
    let report = recount(&db).await.unwrap();
    assert_eq!(report.untraced_transfers, 1, "{report:?}");
    assert!(!report.balanced);

    // And the check notices a tampered balance, a one-sided entry and a hold without a transfer.
    db.execute_unprepared("UPDATE accounts SET balance_fen = balance_fen + 1 WHERE holder = '52'").await.unwrap();
    db.execute_unprepared("UPDATE accounts SET pending_fen = 5 WHERE holder = '520624'").await.unwrap();
    db.execute_unprepared(
        "INSERT INTO ledger_entries (txn_id, account, holder, division, fund, year, amount_fen, kind, ref_id, created_at) \
         VALUES ('00000000-0000-0000-0000-000000000001', 'ghost', 'ghost', 'ghost', 'x', 2016, 5, 'allocation', \
                 '00000000-0000-0000-0000-000000000001', '2026-01-01T00:00:00Z')",
    )
    .await
    .unwrap();
    let report = recount(&db).await.unwrap();
    assert_eq!((report.sum_fen, report.unbalanced_transactions, report.inconsistent_accounts), (5, 1, 2));
    assert_eq!(report.inconsistent_holds, 1);
    assert!(!report.balanced);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_is_paid_by_the_oldest_lots_and_traces_back_to_the_centre_and_forward_to_the_household() {
    use EntryKind::{Allocation, Disbursement};
    use lots::{Direction, Link, walk};
    let (db, dir) = fresh_db().await;
    let first = pay(&db, CENTRE, key("52"), 70_000, Allocation, false).await.unwrap();
    let second = pay(&db, CENTRE, key("52"), 50_000, Allocation, false).await.unwrap();
    // Guizhou passes on 100,000: all of the first lot, 30,000 of the second.
    let onward = pay(&db, "52", key("520624"), 100_000, Allocation, false).await.unwrap();
    let paid = pay(&db, "520624", household(1), 25_000, Disbursement, false).await.unwrap();
    let held = pay(&db, "520624", household(2), 5_000, Disbursement, true).await.unwrap();

    let back = walk(&db, paid, Direction::Back, 100).await.unwrap();
    assert_eq!(
        back.links,
        [
            Link { lot: onward, paid, amount_fen: 25_000 },
            Link { lot: first, paid: onward, amount_fen: 70_000 },
            Link { lot: second, paid: onward, amount_fen: 30_000 },
        ]
    );
    assert!(!back.truncated);
    let forward = walk(&db, first, Direction::Forward, 100).await.unwrap();
    assert_eq!(
        forward.links,
        [
            Link { lot: first, paid: onward, amount_fen: 70_000 },
            Link { lot: onward, paid, amount_fen: 25_000 },
            Link { lot: onward, paid: held, amount_fen: 5_000 },
        ]
    );
    let capped = walk(&db, first, Direction::Forward, 2).await.unwrap();
    assert_eq!((capped.links.len(), capped.truncated), (2, true));

    // Voiding the held payment gives its lot back; the next payment takes it again.
    commit(&db, async |txn| void(txn, held, "t", chain_workflow::Clock::system().now()).await).await.unwrap();
    let after = walk(&db, onward, Direction::Forward, 100).await.unwrap();
    assert_eq!(after.links, [Link { lot: onward, paid, amount_fen: 25_000 }]);
    let check = recount(&db).await.unwrap();
    assert!(check.balanced && check.untraced_transfers == 0 && check.inconsistent_lots == 0, "{check:?}");
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// One step of a random sequence.
#[derive(Debug, Clone)]
enum Op {
    /// Centre → province, or province → county (index into the divisions).
    Allocate(usize, usize, i64),
    /// County → household, posted or held.
    Pay(usize, u8, i64, bool),
    /// Post the n-th still-pending transfer.
    Post(usize),
    /// Void the n-th still-pending transfer.
    Void(usize),
}

const PROVINCES: [&str; 2] = ["52", "53"];
const COUNTIES: [&str; 3] = ["520624", "520623", "530102"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..4usize, 1i64..5_000).prop_map(|(a, b, x)| Op::Allocate(a, b, x)),
        (0..3usize, 0..4u8, 1i64..3_000, any::<bool>()).prop_map(|(c, h, x, p)| Op::Pay(c, h, x, p)),
        (0..4usize).prop_map(Op::Post),
        (0..4usize).prop_map(Op::Void),
    ]
}

/// Runs a sequence; refusals are expected and change nothing.
async fn run(ops: Vec<Op>) {
    let (db, dir) = fresh_db().await;
    let mut pending: Vec<Uuid> = Vec::new();
    let now = chain_workflow::Clock::system().now();
    for op in ops {
        match op {
            // From the centre to a province (a = 0), or from a province to one of its counties.
            Op::Allocate(0, b, x) => {
                drop(pay(&db, CENTRE, key(PROVINCES[b % 2]), x, EntryKind::Allocation, false).await)
            }
            Op::Allocate(_, b, x) => {
                let county = COUNTIES[b % 3];
                drop(pay(&db, &county[..2], key(county), x, EntryKind::Allocation, false).await)
            }
            Op::Pay(c, h, x, held) => {
                if let Ok(id) = pay(&db, COUNTIES[c], household(u128::from(h)), x, EntryKind::Disbursement, held).await
                    && held
                {
                    pending.push(id);
                }
            }
            Op::Post(n) | Op::Void(n) if pending.is_empty() => {
                let _ = n;
            }
            Op::Post(n) => {
                let id = pending.remove(n % pending.len());
                commit(&db, async |txn| post(txn, id, "t", now).await).await.unwrap();
                assert!(commit(&db, async |txn| void(txn, id, "t", now).await).await.is_err(), "resolved once");
            }
            Op::Void(n) => {
                let id = pending.remove(n % pending.len());
                commit(&db, async |txn| void(txn, id, "t", now).await).await.unwrap();
                assert!(commit(&db, async |txn| post(txn, id, "t", now).await).await.is_err(), "resolved once");
            }
        }
        // Balanced, every payment traced to its lots and every transfer resolved at most once.
        let check = recount(&db).await.unwrap();
        assert!(check.balanced, "{check:?}");
        assert_eq!((check.untraced_transfers, check.inconsistent_lots, check.irregular_transfers), (0, 0, 0));
        assert_eq!(check.pending_transfers, pending.len() as u64);
    }
    let rows = crate::store::account::Entity::find().all(&db).await.unwrap();
    for a in rows.iter().filter(|a| a.holder != CENTRE) {
        assert!(a.balance_fen - a.pending_fen >= 0 && a.pending_fen >= 0, "{a:?}");
    }
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_of_movements_keeps_the_ledger_balanced_and_no_account_but_the_source_negative(
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(ops));
    }
}
