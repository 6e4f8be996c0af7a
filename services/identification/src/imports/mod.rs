//! Bulk import of households. The gateway reads the county's file and sends its households here
//! in consecutive batches (`household.import-batch`); each household is validated and registered
//! through exactly the path of `household.register` (`crate::registration::register_in`: the same
//! validation, jurisdiction check, duplicate filing and admission). A batch is one transaction
//! with a savepoint per household, so a refused household changes nothing while the others in its
//! batch are registered. The operation, its counts and its per-row error report live in this
//! database, so any gateway replica can answer a poll.
//!
//! `operation` is the import's kit, `upload` starting, resuming, finishing and reading an import,
//! `batch` registering a batch, `report` placing refusals on the file's rows, and `watch` finding
//! imports whose reader stopped.

pub mod batch;
pub mod operation;
pub mod report;
pub mod upload;
pub mod watch;
