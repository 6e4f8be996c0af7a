//! The funding database's migrations: the tables every service has, then funding's own, one file
//! per table group, each named as deployed databases record it in `seaql_migrations`.

chain_kit::schema!(m0300_ledger, m0301_records, m0302_funds, m0303_lots, m0304_projects);

#[cfg(test)]
mod tests {
    use sea_orm_migration::prelude::*;

    use super::*;

    #[test]
    fn funding_s_own_migrations_keep_their_recorded_names() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names[chain_kit::schema::migrations(Vec::new()).len()..],
            ["m0300_ledger", "m0301_records", "m0302_funds", "m0303_lots", "m0304_projects"]
        );
    }
}

#[cfg(test)]
mod carry_over {
    use sea_orm::{ConnectionTrait, EntityTrait};
    use sea_orm_migration::MigratorTrait;

    use super::Migrator;
    use crate::store::{account, disbursement, lot, lot_use, transfer};

    /// Rows as the ledger wrote them before funds: CN → 52 → 520624 → a household (ids as the
    /// 16-byte blobs SQLite keeps).
    const LEGACY: &str = "\
        INSERT INTO allocations (id, from_account, to_division, year, amount_fen, fund, allocated_by, txn_id, created_at) VALUES \
          (X'000000000000000000000000000000a1', 'CN', '52', 2016, 1000, 'central-special', 'c', X'000000000000000000000000000000f1', '2026-01-01T00:00:00Z'), \
          (X'000000000000000000000000000000a2', '52', '520624', 2016, 600, 'central-special', 'g', X'000000000000000000000000000000f2', '2026-01-02T00:00:00Z');
        INSERT INTO disbursements (id, plan_id, household_id, county, village, amount_fen, purpose, disbursed_by, txn_id, created_at) VALUES \
          (X'000000000000000000000000000000d1', X'000000000000000000000000000000b1', X'000000000000000000000000000000e1', '520624', '520624101201', 250, 'p', 's', X'000000000000000000000000000000f3', '2026-01-03T00:00:00Z');
        INSERT INTO ledger_entries (txn_id, account, amount_fen, kind, ref_id, created_at) VALUES \
          (X'000000000000000000000000000000f1', 'CN', -1000, 'allocation', X'000000000000000000000000000000a1', '2026-01-01T00:00:00Z'), \
          (X'000000000000000000000000000000f1', '52', 1000, 'allocation', X'000000000000000000000000000000a1', '2026-01-01T00:00:00Z'), \
          (X'000000000000000000000000000000f2', '52', -600, 'allocation', X'000000000000000000000000000000a2', '2026-01-02T00:00:00Z'), \
          (X'000000000000000000000000000000f2', '520624', 600, 'allocation', X'000000000000000000000000000000a2', '2026-01-02T00:00:00Z'), \
          (X'000000000000000000000000000000f3', '520624', -250, 'disbursement', X'000000000000000000000000000000d1', '2026-01-03T00:00:00Z'), \
          (X'000000000000000000000000000000f3', 'household:00000000-0000-0000-0000-0000000000e1', 250, 'disbursement', X'000000000000000000000000000000d1', '2026-01-03T00:00:00Z');
        INSERT INTO accounts (account, balance_fen, received_fen, allocated_fen, disbursed_fen, version) VALUES \
          ('CN', -1000, 0, 1000, 0, 2), ('52', 400, 1000, 600, 0, 3), ('520624', 350, 600, 0, 250, 3), \
          ('household:00000000-0000-0000-0000-0000000000e1', 250, 250, 0, 0, 2);";

    #[tokio::test]
    async fn accounts_and_entries_written_before_funds_are_carried_over_balanced() {
        let dir = std::env::temp_dir().join(format!("chain-funding-carry-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = chain_store::connect(&format!("sqlite://{}", dir.join("x.db").display())).await.unwrap();
        // Every migration before funds (`m0302_funds`).
        let before_funds = Migrator::migrations().iter().position(|m| m.name() == "m0302_funds").unwrap() as u32;
        Migrator::up(&db, Some(before_funds)).await.unwrap();
        db.execute_unprepared(LEGACY).await.unwrap();
        Migrator::up(&db, None).await.unwrap();

        let check = crate::ledger::recount(&db).await.unwrap();
        assert!(check.balanced && check.entries == 6, "{check:?}");
        let keys: Vec<(String, i64, bool)> = account::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.account, a.balance_fen, a.source))
            .collect();
        assert!(keys.contains(&("CN/central-special/2016".into(), -1000, true)), "{keys:?}");
        assert!(keys.contains(&("52/central-special/2016".into(), 400, false)), "{keys:?}");
        assert!(keys.contains(&("520624/central-special/2016".into(), 350, false)), "{keys:?}");
        let sinan = crate::ledger::account(&db, "520624").await.unwrap();
        assert_eq!((sinan.received_fen, sinan.disbursed_fen, sinan.balance_fen), (600, 250, 350));
        let paid = disbursement::Entity::find().one(&db).await.unwrap().unwrap();
        assert_eq!((paid.fund.as_str(), paid.year, paid.status.as_str()), ("central-special", 2016, "posted"));
        let transfers = transfer::Entity::find().all(&db).await.unwrap();
        assert_eq!(transfers.len(), 3);
        assert!(transfers.iter().all(|t| t.status == "posted"));
        let household = transfers.iter().find(|t| t.kind == "disbursement").unwrap();
        assert_eq!(household.to_division, "520624101201");
        // Lots, first in first out: the county's payment came out of Guizhou's lot of 600.
        let mut lots: Vec<(String, i64, i64)> = lot::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.account, l.amount_fen, l.remaining_fen))
            .collect();
        lots.sort();
        assert_eq!(
            lots,
            [
                ("52/central-special/2016".into(), 1000, 400),
                ("520624/central-special/2016".into(), 600, 350),
                ("household:00000000-0000-0000-0000-0000000000e1/central-special/2016".into(), 250, 250),
            ]
        );
        let uses = lot_use::Entity::find().all(&db).await.unwrap();
        let paid_from = |t: u128| {
            uses.iter()
                .filter(|u| u.transfer_id == uuid::Uuid::from_u128(t))
                .map(|u| (u.lot, u.amount_fen))
                .collect::<Vec<_>>()
        };
        assert_eq!(paid_from(0xf2), [(uuid::Uuid::from_u128(0xf1), 600)]);
        assert_eq!(paid_from(0xf3), [(uuid::Uuid::from_u128(0xf2), 250)]);
        assert!(paid_from(0xf1).is_empty(), "the centre's source account has no lots");
        assert!(check.untraced_transfers == 0 && check.inconsistent_lots == 0, "{check:?}");
        db.close().await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
