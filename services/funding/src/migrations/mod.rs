//! The funding database's migrations: the tables every service has, then funding's own, one file
//! per table group, each named as deployed databases record it in `seaql_migrations`.

chain_kit::schema!(m0300_ledger, m0301_records, m0302_funds);

#[cfg(test)]
mod tests {
    use sea_orm_migration::prelude::*;

    use super::*;

    #[test]
    fn funding_s_own_migrations_keep_their_recorded_names() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names[chain_kit::schema::migrations(Vec::new()).len()..],
            ["m0300_ledger", "m0301_records", "m0302_funds"]
        );
    }
}
