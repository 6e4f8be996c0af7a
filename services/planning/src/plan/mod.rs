//! Plans: the village or township drafts the plan of an identified household (its wishes,
//! measures answering every recorded cause, milestones, a helper), the household acknowledges it,
//! the township submits it and the county approves or returns it; approval opens a village task
//! per milestone, milestones are reported done, and the plan completes when every measure is
//! delivered. A revision (a yearly update or an amendment) goes the same way while earlier
//! revisions stay readable. Every change of status is audited and announced.

mod answer;
mod draft;
mod milestones;
mod read;
mod steps;

pub use draft::{acknowledge, create, revise};
pub use milestones::report_milestone;
pub use read::{get, revision, rules};
pub use steps::{approve, return_plan, submit};
