//! W3C trace-context propagation as plain strings.
//!
//! The helpers here know nothing about NATS or HTTP types: the sender puts
//! [`current_traceparent`] (or [`traceparent_of`]) into a header named
//! [`TRACEPARENT`], the receiver creates its span and calls [`set_parent`]
//! with that header before entering the span. They always use the W3C
//! TraceContext format, whatever global propagator is configured, and work
//! with any subscriber that contains a `tracing-opentelemetry` layer (as
//! installed by [`crate::init`]).

use std::collections::HashMap;

use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Name of the W3C trace-context header (`traceparent`).
pub const TRACEPARENT: &str = "traceparent";

/// The W3C `traceparent` of the current `tracing` span, e.g.
/// `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
///
/// `None` if there is no current span, the span is disabled by the filter, or
/// no OpenTelemetry layer is installed (no valid span context).
pub fn current_traceparent() -> Option<String> {
    traceparent_of(&tracing::Span::current())
}

/// The W3C `traceparent` of `span` (see [`current_traceparent`]).
///
/// Note: this starts the span's OpenTelemetry side, so call [`set_parent`] on
/// a span *before* asking for its traceparent.
pub fn traceparent_of(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of the remote span described by `traceparent`.
///
/// Call it right after creating the span and before entering it (or asking
/// for its traceparent): once the span has started its parent is fixed. Does
/// nothing if `traceparent` is `None` or not a valid W3C `traceparent`, or if
/// the span is disabled or has already started.
pub fn set_parent(span: &tracing::Span, traceparent: Option<&str>) {
    let Some(cx) = traceparent.and_then(remote_context) else {
        return;
    };
    // Errors (span disabled, no OpenTelemetry layer, already started) leave
    // the span as it is, which is the documented no-op.
    let _ = span.set_parent(cx);
}

/// The trace id (32 lowercase hex digits) of a W3C `traceparent`, or `None`
/// if the header is not valid.
pub fn trace_id_of(traceparent: &str) -> Option<String> {
    remote_context(traceparent).map(|cx| cx.span().span_context().trace_id().to_string())
}

/// Parses a `traceparent` into a remote context; `None` unless it yields a
/// valid span context.
fn remote_context(traceparent: &str) -> Option<Context> {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.trim().to_owned())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    let valid = cx.span().span_context().is_valid();
    valid.then_some(cx)
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::EnvFilter;

    use super::*;
    use crate::{Output, build_subscriber, tracer_provider};

    /// Runs `f` under the same subscriber stack `init` installs, but scoped to
    /// this thread and independent of `RUST_LOG` and of other tests.
    fn with_otel_subscriber(f: impl FnOnce()) {
        let provider = tracer_provider("propagation-test").unwrap();
        let subscriber =
            build_subscriber(EnvFilter::new("trace"), Output::TestCapture, provider.tracer("propagation-test"));
        tracing::subscriber::with_default(subscriber, f);
    }

    #[test]
    fn remote_parent_keeps_trace_id() {
        with_otel_subscriber(|| {
            assert_eq!(current_traceparent(), None, "no span, no traceparent");

            let sender = tracing::info_span!("sender");
            let header = sender.in_scope(current_traceparent).expect("traceparent inside a span");
            assert_eq!(header.len(), 55, "{header}");
            assert!(header.starts_with("00-"), "{header}");
            let trace_id = trace_id_of(&header).expect("valid header");
            assert_eq!(trace_id.len(), 32);
            assert_eq!(&header[3..35], trace_id);

            // A fresh root span (not inside `sender`) adopted via the header.
            let receiver = tracing::info_span!("receiver");
            set_parent(&receiver, Some(&header));
            let child_header = receiver.in_scope(current_traceparent).expect("traceparent");
            assert_eq!(trace_id_of(&child_header).as_deref(), Some(trace_id.as_str()));
            assert_ne!(child_header, header, "the child has its own span id");

            // Without set_parent an unrelated root span starts a new trace.
            let unrelated = tracing::info_span!("unrelated");
            let other = traceparent_of(&unrelated).expect("traceparent");
            assert_ne!(trace_id_of(&other), Some(trace_id));
        });
    }

    #[test]
    fn invalid_or_missing_headers_are_ignored() {
        with_otel_subscriber(|| {
            for bad in
                [None, Some(""), Some("garbage"), Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
            {
                let span = tracing::info_span!("span");
                set_parent(&span, bad);
                assert!(traceparent_of(&span).is_some(), "span still gets its own context");
            }
        });
        assert_eq!(trace_id_of("garbage"), None);
        assert_eq!(trace_id_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), None);
        assert_eq!(
            trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
    }

    #[test]
    fn without_otel_layer_there_is_no_traceparent() {
        let subscriber = tracing_subscriber::registry();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("plain");
            assert_eq!(span.in_scope(current_traceparent), None);
        });
    }
}
