//! Tracing set-up, OpenTelemetry export and W3C trace-context propagation for
//! the chain services.
//!
//! * [`init`] installs the process-wide `tracing` subscriber once: one global
//!   [`EnvFilter`] (from `RUST_LOG`, see [`DEFAULT_FILTER`]), a `fmt` layer on
//!   stderr and a `tracing-opentelemetry` layer backed by an
//!   [`SdkTracerProvider`]. The OpenTelemetry layer is always present, so every
//!   span has a trace id that can be propagated even when nothing is exported;
//!   an OTLP/gRPC batch exporter is added only when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//! * [`init_for_tests`] does the same for test binaries (default filter
//!   `warn`, output captured by the test harness) and may be called from every
//!   test.
//! * [`current_traceparent`], [`traceparent_of`], [`set_parent`] and
//!   [`trace_id_of`] move the trace context across process boundaries (NATS
//!   headers, HTTP headers) as a W3C `traceparent` string, independent of any
//!   transport type.

mod propagation;

use std::io::IsTerminal as _;
use std::sync::Mutex;

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

pub mod capture;

pub use propagation::{TRACEPARENT, current_traceparent, set_parent, trace_id_of, traceparent_of};

/// Filter used by [`init`] when `RUST_LOG` is unset or empty.
///
/// `sqlx` logs every statement at INFO; `h2`, `tonic`, `hyper`, `tower` and
/// `opentelemetry` are silenced so the exporter's own activity cannot feed
/// back into the trace pipeline. Note that `EnvFilter` matches targets by
/// prefix, so `tower=off` also covers `tower_http`.
pub const DEFAULT_FILTER: &str =
    "info,sqlx=warn,sea_orm=warn,h2=off,tonic=off,hyper=off,tower=off,opentelemetry=off,async_nats=warn";

/// Filter used by [`init_for_tests`] when `RUST_LOG` is unset or empty.
/// Info level, so that a test scanning the captured output ([`capture::captured`]) sees what an
/// operator's log would hold.
pub const TEST_FILTER: &str = DEFAULT_FILTER;

/// Targets that are switched off even under a user-supplied `RUST_LOG`,
/// unless that `RUST_LOG` names them explicitly (telemetry feedback loop).
const LOOP_GUARD_TARGETS: [&str; 5] = ["h2", "tonic", "hyper", "tower", "opentelemetry"];

/// Whether a global subscriber has already been installed (or attempted) by
/// this crate. The mutex also serialises concurrent `init` calls from tests.
static INSTALLED: Mutex<bool> = Mutex::new(false);

/// Handle on the telemetry pipeline returned by [`init`].
///
/// Dropping it does nothing; call [`TelemetryGuard::shutdown`] before the
/// process exits to flush and stop the exporter. Only the guard returned by
/// the first successful [`init`] is active; later calls get an inert guard.
#[derive(Debug)]
#[must_use = "keep the guard and call `shutdown().await` at exit to flush exported spans"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// A guard that owns nothing; `shutdown` on it is a no-op.
    fn inert() -> Self {
        Self { provider: None }
    }

    /// `true` if this guard owns the process's tracer provider, i.e. it was
    /// returned by the call to [`init`] that installed the subscriber.
    pub fn is_active(&self) -> bool {
        self.provider.is_some()
    }

    /// Flushes pending spans and shuts the tracer provider down.
    ///
    /// `SdkTracerProvider::shutdown` blocks (it waits for the batch exporter
    /// thread), so it runs on Tokio's blocking pool; this must therefore be
    /// awaited inside a Tokio runtime. After shutdown, new spans no longer get
    /// valid trace ids, so call it only when the process is about to exit.
    /// On an inert guard this returns `Ok(())` immediately.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let Some(provider) = self.provider else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || provider.shutdown())
            .await
            .context("tracer provider shutdown task failed")?
            .context("shutting down the tracer provider")
    }
}

/// Where the `fmt` layer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// Plain stderr (services).
    Stderr,
    /// libtest's captured output (tests).
    TestCapture,
}

/// Installs the global `tracing` subscriber for `service` and sets the global
/// text-map propagator to W3C TraceContext.
///
/// * Filter: one global [`EnvFilter`] from `RUST_LOG`, or [`DEFAULT_FILTER`].
///   A user-supplied `RUST_LOG` gets `h2,tonic,hyper,tower,opentelemetry=off`
///   appended for each of those targets it does not mention itself.
/// * Output: human-readable `fmt` layer on stderr.
/// * OpenTelemetry: a `tracing-opentelemetry` layer on an
///   [`SdkTracerProvider`] whose resource has `service.name = service`;
///   when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, an OTLP/gRPC (tonic) batch
///   exporter is attached. The tonic client needs a Tokio runtime: call `init`
///   from inside one (e.g. in `#[tokio::main]`), otherwise export is skipped
///   with a warning on stderr.
///
/// Calling it again (or after [`init_for_tests`]) is harmless: the existing
/// subscriber stays and an inert guard is returned.
///
/// # Errors
///
/// Fails only if the OTLP exporter cannot be built (e.g. a malformed
/// endpoint URL).
pub fn init(service: &str) -> anyhow::Result<TelemetryGuard> {
    install(service, DEFAULT_FILTER, Output::Stderr)
}

/// Test-binary variant of [`init`]: same pipeline, default filter
/// [`TEST_FILTER`] unless `RUST_LOG` is set, and output routed through libtest's capture (so it
/// only shows for failing tests) and into [`capture`].
///
/// Safe to call from every test, concurrently and repeatedly. It never panics
/// and keeps no guard: the provider lives for the whole test process (tests
/// must not shut it down, or later spans in the same process would lose their
/// trace ids). Problems are reported on stderr.
pub fn init_for_tests() {
    if let Err(error) = install("chain-tests", TEST_FILTER, Output::TestCapture) {
        eprintln!("chain-telemetry: init_for_tests failed: {error:#}");
    }
}

fn install(service: &str, default_filter: &str, output: Output) -> anyhow::Result<TelemetryGuard> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());

    let mut installed = INSTALLED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if *installed {
        return Ok(TelemetryGuard::inert());
    }

    let provider = tracer_provider(service)?;
    let subscriber = build_subscriber(env_filter(default_filter), output, provider.tracer(service.to_owned()));
    // Whatever happens next, do not try again: either we installed the
    // subscriber or someone else already owns the global default.
    *installed = true;
    match subscriber.try_init() {
        Ok(()) => {
            opentelemetry::global::set_tracer_provider(provider.clone());
            Ok(TelemetryGuard { provider: Some(provider) })
        }
        Err(error) => {
            eprintln!("chain-telemetry: a global tracing subscriber is already installed; keeping it ({error})");
            Ok(TelemetryGuard::inert())
        }
    }
}

/// Builds the provider; attaches the OTLP batch exporter when configured.
fn tracer_provider(service: &str) -> anyhow::Result<SdkTracerProvider> {
    let resource = Resource::builder().with_service_name(service.to_owned()).build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(exporter) = otlp_exporter()? {
        builder = builder.with_batch_exporter(exporter);
    }
    Ok(builder.build())
}

/// The OTLP/gRPC span exporter, if `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
/// exporter reads the endpoint and the other `OTEL_EXPORTER_OTLP_*` variables
/// itself).
fn otlp_exporter() -> anyhow::Result<Option<opentelemetry_otlp::SpanExporter>> {
    let configured = std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some_and(|v| !v.is_empty());
    if !configured {
        return Ok(None);
    }
    if tokio::runtime::Handle::try_current().is_err() {
        eprintln!(
            "chain-telemetry: OTEL_EXPORTER_OTLP_ENDPOINT is set but init was called outside a \
             Tokio runtime; spans will not be exported"
        );
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .build()
        .context("building the OTLP (gRPC) span exporter")?;
    Ok(Some(exporter))
}

/// Registry + global filter + fmt + OpenTelemetry layers. No per-layer
/// filters: they dropped events (sqlx's dynamic `enabled!`) in this stack.
fn build_subscriber(
    filter: EnvFilter,
    output: Output,
    tracer: SdkTracer,
) -> impl tracing::Subscriber + Send + Sync + 'static {
    let ansi = std::io::stderr().is_terminal();
    let writer = match output {
        Output::Stderr => BoxMakeWriter::new(std::io::stderr),
        Output::TestCapture => {
            use tracing_subscriber::fmt::writer::MakeWriterExt as _;
            BoxMakeWriter::new(tracing_subscriber::fmt::TestWriter::new().and(|| capture::Sink))
        }
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_ansi(ansi).with_writer(writer))
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
}

/// The global filter: `RUST_LOG` (plus loop guards) if set and valid,
/// otherwise `default`.
fn env_filter(default: &str) -> EnvFilter {
    match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => {
            let directives = with_loop_guards(&value);
            EnvFilter::try_new(&directives).unwrap_or_else(|error| {
                eprintln!("chain-telemetry: invalid RUST_LOG {value:?} ({error}); using {default:?}");
                EnvFilter::new(default)
            })
        }
        _ => EnvFilter::new(default),
    }
}

/// Appends `<target>=off` for each [`LOOP_GUARD_TARGETS`] entry that the
/// given directives do not mention.
fn with_loop_guards(directives: &str) -> String {
    let mentioned = |guard: &str| {
        directives.split(',').any(|directive| {
            let target = directive.split(['=', '[']).next().unwrap_or_default().trim();
            target == guard || target.starts_with(&format!("{guard}::"))
        })
    };
    let mut out = directives.trim().trim_end_matches(',').to_owned();
    for guard in LOOP_GUARD_TARGETS.iter().filter(|guard| !mentioned(guard)) {
        out.push(',');
        out.push_str(guard);
        out.push_str("=off");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filter_parses() {
        EnvFilter::try_new(DEFAULT_FILTER).unwrap();
        EnvFilter::try_new(TEST_FILTER).unwrap();
    }

    #[test]
    fn loop_guards_are_added_unless_mentioned() {
        assert_eq!(with_loop_guards("debug"), "debug,h2=off,tonic=off,hyper=off,tower=off,opentelemetry=off");
        assert_eq!(
            with_loop_guards("info,h2=debug,tonic::transport=trace,"),
            "info,h2=debug,tonic::transport=trace,hyper=off,tower=off,opentelemetry=off"
        );
        // `tower_http` is a different crate from `tower`.
        assert!(with_loop_guards("tower_http=debug").contains(",tower=off"));
        EnvFilter::try_new(with_loop_guards("warn,chain=debug")).unwrap();
    }

    #[tokio::test]
    async fn init_is_idempotent_and_never_panics() {
        init_for_tests();
        init_for_tests();
        // The subscriber is already installed, so these guards are inert.
        let guard = init("chain-telemetry-test").unwrap();
        assert!(!guard.is_active());
        guard.shutdown().await.unwrap();
        let guard = init("chain-telemetry-test").unwrap();
        assert!(!guard.is_active());
        drop(guard);
        init_for_tests();

        // The global OpenTelemetry layer gives spans trace ids (only checkable
        // when RUST_LOG has not been set to something that disables them).
        if std::env::var_os("RUST_LOG").is_none() {
            let span = tracing::error_span!("global_span");
            let header = span.in_scope(current_traceparent).expect("traceparent");
            assert!(trace_id_of(&header).is_some());
        }
    }

    #[tokio::test]
    async fn active_guard_shuts_down_provider() {
        let guard = TelemetryGuard { provider: Some(tracer_provider("shutdown-test").unwrap()) };
        assert!(guard.is_active());
        guard.shutdown().await.unwrap();
    }
}
