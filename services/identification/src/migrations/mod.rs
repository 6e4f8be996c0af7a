//! The identification database's schema: the tables every service has, then the households and
//! their members, the file card, dynamic adjustment, scale control, monitoring, bulk imports and helpers.
//! Each migration's name is its file's name, as deployed databases record it.

chain_kit::schema!(
    m0100_households,
    m0110_file_cards,
    m0130_adjustments,
    m0200_quotas,
    m0200_monitoring,
    m0130_imports,
    m0140_import_keys,
    m0150_import_leases,
    m0160_helpers,
);

#[cfg(test)]
mod tests {
    use sea_orm_migration::prelude::*;

    use super::*;

    #[test]
    fn the_migrations_keep_the_names_deployed_databases_recorded() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names[chain_kit::schema::migrations(Vec::new()).len()..],
            [
                "m0100_households",
                "m0110_file_cards",
                "m0130_adjustments",
                "m0200_quotas",
                "m0200_monitoring",
                "m0130_imports",
                "m0140_import_keys",
                "m0150_import_leases",
                "m0160_helpers",
            ]
        );
    }
}
