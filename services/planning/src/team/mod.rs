//! Village work teams (驻村工作队) and first secretaries (第一书记), DOMAIN.md §4 and issue 12
//! item 5. Every poor village — one with an identified household — has a team; a county official
//! of the village's county sends its members (units of the county or a higher layer) and exactly
//! one first secretary at a time, whose term has the policy's length. A village becoming poor, or
//! losing its first secretary (ended, or the term over by the engine's clock), gives the county a
//! `team.village` task, signed off by the assignment of a first secretary. Members' days in the
//! village are recorded per month; once a month and its grace period are over, every member
//! short of the policy's minimum is flagged to the county.
//!
//! `kit` is what the verbs share (reading, scoping, auditing, the policy), `coverage` the
//! obligation and its task and the query of uncovered villages, `members` the team's verbs,
//! `presence` the monthly records and flags, `sweep` the background job that judges months and
//! notices ended terms. The rules are in `crate::domain::team`.

pub mod coverage;
pub mod kit;
pub mod members;
pub mod presence;
pub mod sweep;
