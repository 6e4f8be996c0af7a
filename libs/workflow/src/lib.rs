//! The responsibility-chain engine every service embeds: directives decomposed down the division
//! hierarchy into tasks, sign-offs climbing back up it in order, deadlines with an escalation
//! ladder, public-notice windows with objections, recurring reports, tracking and the audit trail.
//! Everything lives in the service's own database; timers are rows swept by the engine's clock.

pub mod clock;
pub mod directive;
pub mod engine;
pub mod entity;
pub mod machine;
pub mod migration;
pub mod notice;
pub mod page;
pub mod procedures;
pub mod records;
pub mod rules;
pub mod serve;
pub mod steps;
pub mod timers;
pub mod tree;

pub use clock::Clock;
pub use engine::Engine;
pub use engine::{NoticeEvent, NoticeHook};
pub use machine::{Action, Refusal};
pub use procedures::{NewProcedure, NewTask, ProcedureStep};
pub use timers::{Swept, spawn_timers};

/// How a service runs its engine.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The clock deadlines, notices and schedules are measured by.
    pub clock: Clock,
    /// How often the timers are swept (and the audit chain's head checkpointed, when it moved).
    pub sweep_every: std::time::Duration,
    /// The master key the service derives its audit chain's keys from (never kept in the
    /// service database).
    pub audit: chain_store::audit::MasterKey,
}
