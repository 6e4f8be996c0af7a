//! A service's schema: the tables every service has, then its own migrations, each a module of
//! the service's `migrations/` folder named as deployed databases record it (`m0100_plans`) and
//! holding one `pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr>`. The service's
//! `migrations/mod.rs` lists them, in order, with [`crate::schema!`].

use futures::future::BoxFuture;
use sea_orm_migration::prelude::*;

/// What a migration does to the schema.
pub type Up = for<'a> fn(&'a SchemaManager<'a>) -> BoxFuture<'a, Result<(), DbErr>>;

/// One migration of a service: its recorded name and what it does.
#[derive(Debug)]
pub struct Migration {
    name: &'static str,
    up: Up,
}

impl Migration {
    /// The migration recorded as `name`.
    pub const fn new(name: &'static str, up: Up) -> Migration {
        Migration { name, up }
    }
}

impl MigrationName for Migration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        (self.up)(m).await
    }
}

/// A service's migrations: the tables every service has (outbox, inbox, audit log; the engine's
/// tasks, notices and schedules; the audit chain's id; remembered answers; tasks by kind; the audit intake), then
/// its own, in order.
pub fn migrations(own: Vec<Box<dyn MigrationTrait>>) -> Vec<Box<dyn MigrationTrait>> {
    let mut all: Vec<Box<dyn MigrationTrait>> = vec![
        Box::new(chain_store::migration::SharedTables),
        Box::new(chain_workflow::migration::TaskTables),
        Box::new(chain_store::migration::AuditChainId),
        Box::new(chain_store::migration::RequestAnswers),
        Box::new(chain_workflow::migration::TaskKindIndex),
        Box::new(chain_store::migration::AuditIntake),
    ];
    all.extend(own);
    all
}

/// Declares a service's `Migrator` over the modules listed, in the order listed; each module's
/// name is its migration's recorded name.
///
/// ```ignore
/// chain_kit::schema!(m0100_households, m0110_file_cards, m0200_quotas);
/// ```
#[macro_export]
macro_rules! schema {
    ($($migration:ident),+ $(,)?) => {
        $(mod $migration;)+

        /// All migrations, in order: the tables every service has, then this service's own.
        #[derive(Debug)]
        pub struct Migrator;

        impl ::sea_orm_migration::MigratorTrait for Migrator {
            fn migrations() -> ::std::vec::Vec<::std::boxed::Box<dyn ::sea_orm_migration::MigrationTrait>> {
                $crate::schema::migrations(::std::vec![$(
                    ::std::boxed::Box::new($crate::schema::Migration::new(
                        ::std::stringify!($migration),
                        |m| ::std::boxed::Box::pin($migration::up(m)),
                    )) as ::std::boxed::Box<dyn ::sea_orm_migration::MigrationTrait>
                ),+])
            }
        }
    };
}
