//! The gateway's own schema: one file per table group.

mod claims;
mod idempotency;

use sea_orm_migration::prelude::*;

/// The gateway's migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(idempotency::IdempotencyTable), Box::new(claims::IdempotencyClaims)]
    }
}
