//! Directives: a layer issues work to divisions below it. The plan of a directive (which divisions
//! get a task, under which parent, with which share of a quota) is worked out in memory first
//! ([`plan`]), then written in batches inside one transaction (`open`), so a directive to every
//! village of the country is either wholly issued or not at all. A directive planning more tasks
//! than the engine's inline limit answers at once and opens them in the background (`pending`);
//! a task's own layer splits it further with a decomposition (`decompose`).

mod decompose;
mod issue;
mod open;
mod pending;
pub mod plan;

pub(crate) use open::{Template, Under};
pub use plan::{PlannedTask, level_label, level_name, plan};
