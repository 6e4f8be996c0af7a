//! What every service is built from. A service's `start` connects to its database and migrates
//! it, starts the outbox relay, builds the responsibility-chain engine, subscribes its consumers,
//! starts the timer sweep and serves its verb table — in that order, the same way in all four:
//!
//! ```ignore
//! let kit = Kit::connect::<migrations::Migrator>(SERVICE, &config.database_url, config.workflow, bus, shutdown).await?;
//! let state = kit.core(); // or kit.core_with(Extras { … })
//! let kit = kit.consume("planning-on-household-identified", events::HOUSEHOLD_IDENTIFIED, reactions::OnHouseholdIdentified).await?;
//! kit.serve(handlers::endpoints(state)).await
//! ```
//!
//! The bus a service is started with carries the gateway's public key
//! ([`chain_bus::Bus::verifying`]): its endpoints (the service's verbs and the engine's) answer
//! only requests whose principal the gateway signed, and refuse the rest with 401.

pub mod audit;
pub mod query;
pub mod rows;
pub mod schema;

pub use schema::migrations;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chain_bus::{Bus, Endpoints, OutboxSignal, Reaction, Shutdown};
use chain_store::Db;
use chain_workflow::{Engine, NoticeHook, Settings};
use sea_orm_migration::MigratorTrait;
use tokio::task::JoinHandle;

/// What a service's handlers and reactions work with: its database, the bus, the relay's wake-up,
/// the engine over its tasks, and what the service keeps besides (`X`, reached through `Deref`:
/// `state.pii` for identification's key). Cheap to clone.
pub struct Core<X = ()> {
    /// The service database.
    pub db: Db,
    /// The bus (for the subject root of events).
    pub bus: Bus,
    /// Wakes the outbox relay after a commit that wrote events.
    pub outbox: OutboxSignal,
    /// The responsibility-chain engine over this service's tasks; its clock is the service's
    /// only clock.
    pub engine: Engine,
    own: Arc<X>,
}

impl<X> Clone for Core<X> {
    fn clone(&self) -> Self {
        Core {
            db: self.db.clone(),
            bus: self.bus.clone(),
            outbox: self.outbox.clone(),
            engine: self.engine.clone(),
            own: self.own.clone(),
        }
    }
}

impl<X> std::ops::Deref for Core<X> {
    type Target = X;

    fn deref(&self) -> &X {
        &self.own
    }
}

impl<X> std::fmt::Debug for Core<X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("service", &self.engine.service()).finish()
    }
}

impl<X> Core<X> {
    /// The current instant by the service's clock (the engine's).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.engine.clock().now()
    }
}

/// Configuration of a service that keeps nothing besides the kit's core.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL (SQLite or PostgreSQL).
    pub database_url: String,
    /// The workflow engine's clock and timer sweep.
    pub workflow: Settings,
}

/// A service being started: what runs so far, and what it is built on.
pub struct Kit {
    core: Core,
    sweep_every: Duration,
    shutdown: Shutdown,
    tasks: Vec<JoinHandle<()>>,
}

impl Kit {
    /// Connects to the service's database, runs its migrations `M`, starts the outbox relay and
    /// builds the engine over the service's tasks.
    pub async fn connect<M: MigratorTrait>(
        service: &'static str,
        database_url: &str,
        workflow: Settings,
        bus: Bus,
        shutdown: Shutdown,
    ) -> anyhow::Result<Kit> {
        let db = chain_store::connect(database_url).await?;
        M::up(&db, None).await.with_context(|| format!("migrating the {service} database"))?;
        let audit_key = workflow.audit.for_service(service);
        audit::install(&db, &audit_key, &workflow.clock).await?;
        let outbox = OutboxSignal::new();
        let engine = Engine::new(db.clone(), service, workflow.clock.clone(), bus.root());
        let relay = chain_bus::spawn_relay(db.clone(), bus.clone(), outbox.clone(), shutdown.clone());
        let sealer = audit::spawn_sealer(db.clone(), shutdown.clone());
        let checkpoints = audit::spawn_checkpoints(
            db.clone(),
            bus.clone(),
            audit_key,
            workflow.clock.clone(),
            workflow.sweep_every,
            shutdown.clone(),
        );
        Ok(Kit {
            core: Core { db, bus, outbox, engine, own: Arc::new(()) },
            sweep_every: workflow.sweep_every,
            shutdown,
            tasks: vec![relay, sealer, checkpoints],
        })
    }

    /// Lets `hook` keep the service's records in step with its notices (see [`NoticeHook`]).
    /// Call before [`Kit::core`], so that every holder of the engine sees it.
    pub fn hook(mut self, hook: Arc<dyn NoticeHook>) -> Kit {
        self.core.engine = self.core.engine.clone().with_hook(hook);
        self
    }

    /// What handlers and reactions work with.
    pub fn core(&self) -> Core {
        self.core.clone()
    }

    /// What handlers and reactions work with, with what the service keeps besides.
    pub fn core_with<X>(&self, own: X) -> Core<X> {
        let Core { db, bus, outbox, engine, .. } = self.core.clone();
        Core { db, bus, outbox, engine, own: Arc::new(own) }
    }

    /// How often timers are swept; background jobs of the service tick at the same pace.
    pub fn sweep_every(&self) -> Duration {
        self.sweep_every
    }

    /// The shutdown signal the service's background jobs stop on.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Subscribes a durable consumer named `name` to the events of type `event` (one of
    /// `chain_api::events`), in every division.
    pub async fn consume(mut self, name: &str, event: &str, reaction: impl Reaction) -> anyhow::Result<Kit> {
        let c = &self.core;
        let filter = format!("{event}.>");
        let consumer = chain_bus::spawn_consumer(
            c.bus.clone(),
            c.db.clone(),
            name,
            &filter,
            Arc::new(reaction),
            c.outbox.clone(),
            self.shutdown.clone(),
        )
        .await?;
        self.tasks.push(consumer);
        Ok(self)
    }

    /// Runs a background job of the service until shutdown, alongside the others.
    pub fn spawn(mut self, job: JoinHandle<()>) -> Kit {
        self.tasks.push(job);
        self
    }

    /// Starts the timer sweep and serves the service's verb table together with the engine's
    /// verbs, remembering their answers by request id for as long as the bus says
    /// ([`Bus::answers_kept`], [`Endpoints::remembering`]) and pruning older ones at every sweep.
    /// Returns once requests are answered; the handles run until shutdown.
    pub async fn serve<S: Clone + Send + Sync + 'static>(
        mut self,
        endpoints: Endpoints<S>,
    ) -> anyhow::Result<Vec<JoinHandle<()>>> {
        let Core { db, bus, outbox, engine, .. } = self.core;
        self.tasks.push(spawn_answer_pruning(db.clone(), bus.answers_kept(), self.sweep_every, self.shutdown.clone()));
        let mut stop = self.shutdown.clone();
        let stats = db.clone();
        self.tasks.push(tokio::spawn(async move {
            chain_store::statistics::keep(stats, STATISTICS_EVERY, async move { stop.wait().await }).await
        }));
        self.tasks.push(chain_workflow::spawn_timers(
            engine.clone(),
            self.sweep_every,
            move || outbox.wake(),
            self.shutdown.clone(),
        ));
        let ttl = bus.answers_kept();
        let served =
            chain_workflow::serve::register(endpoints, &engine).remembering(db, ttl).start(bus, self.shutdown).await?;
        self.tasks.push(served);
        Ok(self.tasks)
    }
}

/// How often the service looks for tables whose planner statistics went stale, when the
/// database server does not refresh them itself ([`chain_store::statistics`]).
const STATISTICS_EVERY: Duration = Duration::from_secs(30);

/// Forgets, every `every`, the answers remembered longer ago than `ttl`, until shutdown.
fn spawn_answer_pruning(db: Db, ttl: Duration, every: Duration, mut shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match chain_store::answers::prune(&db, ttl).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(answers = n, "forgot expired remembered answers"),
                Err(e) => tracing::warn!(error = %e, "pruning remembered answers failed; will retry"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait() => break,
            }
        }
    })
}
