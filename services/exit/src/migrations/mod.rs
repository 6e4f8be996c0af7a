//! The exit database's migrations: the tables every service has, then exit's own, one file per
//! table group, each named as deployed databases record it in `seaql_migrations`.

use sea_orm_migration::prelude::*;

mod m0100_exit_cases;

/// All migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        chain_kit::migrations(vec![Box::new(m0100_exit_cases::Migration)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_s_own_migrations_keep_their_recorded_names() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(names[2..], ["m0100_exit_cases"]);
    }
}
