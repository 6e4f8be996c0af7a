//! The engine's notion of "now". Deadlines, notice windows and schedules read it, so tests can move
//! time forward (and across a restart) without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The current time: the system clock, or a manual clock shifted by an offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { offset_ms: None }
    }

    /// A clock running with the system clock but movable forward by [`Clock::advance`]. Clones
    /// share the offset, so a test and the services it started see the same time.
    pub fn adjustable() -> Clock {
        Clock { offset_ms: Some(Arc::new(AtomicI64::new(0))) }
    }

    /// A clock running `by` ahead of the system clock, for rehearsing deadlines (development only).
    pub fn skewed(by: Duration) -> Clock {
        let c = Clock::adjustable();
        c.advance(by);
        c
    }

    /// Now.
    #[expect(clippy::disallowed_methods, reason = "the one place the services' clock reads the wall clock")]
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        let now = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
        match &self.offset_ms {
            Some(o) => now + Duration::milliseconds(o.load(Ordering::SeqCst)),
            None => now,
        }
    }

    /// Moves an adjustable clock forward; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(o) = &self.offset_ms {
            o.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
        }
    }

    /// Whether this clock can be moved.
    pub fn is_adjustable(&self) -> bool {
        self.offset_ms.is_some()
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let c = Clock::adjustable();
        let d = c.clone();
        let before = d.now();
        c.advance(Duration::days(3));
        assert!(d.now() - before >= Duration::days(3));
        let s = Clock::system();
        s.advance(Duration::days(3));
        assert!(s.now() - Utc::now() < Duration::days(1));
    }
}
