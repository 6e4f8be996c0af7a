//! Everything the tests' subscriber writes is also kept in memory (the newest 64 MiB), so a test
//! can scan the log lines and span fields the whole process produced — for example for personal
//! data that must never reach a log.

use std::sync::Mutex;

/// Most bytes kept; older output is dropped first.
const LIMIT: usize = 64 << 20;

static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// A writer appending to the in-memory capture.
#[derive(Debug, Clone, Copy)]
pub struct Sink;

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut kept = CAPTURED.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() + buf.len() > LIMIT {
            let drop = (kept.len() + buf.len() - LIMIT).min(kept.len());
            kept.drain(..drop);
        }
        kept.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the tests' subscriber has written so far in this process.
pub fn captured() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}
