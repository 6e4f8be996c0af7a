//! The identification database's schema: the tables every service has, then the households and
//! their members, the file card, dynamic adjustment, scale control, monitoring and bulk imports.
//! Each migration's name is its file's name, as deployed databases record it.

use sea_orm_migration::prelude::*;

mod m0100_households;
mod m0110_file_cards;
mod m0130_adjustments;
mod m0130_imports;
mod m0140_import_keys;
mod m0150_import_leases;
mod m0200_monitoring;
mod m0200_quotas;

/// All migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        chain_kit::migrations(vec![
            Box::new(m0100_households::Migration),
            Box::new(m0110_file_cards::Migration),
            Box::new(m0130_adjustments::Migration),
            Box::new(m0200_quotas::Migration),
            Box::new(m0200_monitoring::Migration),
            Box::new(m0130_imports::Migration),
            Box::new(m0140_import_keys::Migration),
            Box::new(m0150_import_leases::Migration),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_keep_the_names_deployed_databases_recorded() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names[2..],
            [
                "m0100_households",
                "m0110_file_cards",
                "m0130_adjustments",
                "m0200_quotas",
                "m0200_monitoring",
                "m0130_imports",
                "m0140_import_keys",
                "m0150_import_leases",
            ]
        );
    }
}
