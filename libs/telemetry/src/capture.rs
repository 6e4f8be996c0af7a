//! Everything the tests' subscriber writes is also kept in memory (the newest 64 MiB), so a test
//! can scan the log lines and span fields the whole process produced — for example for personal
//! data that must never reach a log.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Most bytes kept; older output is dropped first.
const LIMIT: usize = 64 << 20;

/// A ring: dropping the oldest bytes costs what is dropped, not what is kept.
static CAPTURED: Mutex<VecDeque<u8>> = Mutex::new(VecDeque::new());

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
        kept.extend(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the tests' subscriber has written so far in this process.
pub fn captured() -> String {
    let mut kept = CAPTURED.lock().unwrap_or_else(|p| p.into_inner());
    String::from_utf8_lossy(kept.make_contiguous()).into_owned()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn the_newest_bytes_are_kept_and_the_oldest_dropped_first() {
        let line = [b'x'; 1 << 16];
        for _ in 0..(super::LIMIT / line.len() + 8) {
            super::Sink.write_all(&line).unwrap();
        }
        super::Sink.write_all(b"the newest line\n").unwrap();
        let kept = super::captured();
        assert_eq!(kept.len(), super::LIMIT);
        assert!(kept.ends_with("the newest line\n"));
    }
}
