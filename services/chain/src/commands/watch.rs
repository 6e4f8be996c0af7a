//! `chain tasks watch`: a Server-Sent Events client for a task's change feed.

use std::time::Duration;

use chain_api::Problem;
use chain_api::workflow::TaskEvent;

/// Wait before reconnecting after the connection dropped.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// The gateway sends a keep-alive comment every 15 s; silence this long means the connection is dead.
const READ_TIMEOUT: Duration = Duration::from_secs(45);

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id:` field, if the event had one.
    pub id: Option<String>,
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `data:` lines joined with newlines.
    pub data: String,
}

/// Reads the `text/event-stream` format incrementally: chunks may split lines, and even
/// characters, anywhere.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Feeds a chunk and returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < self.buf.len() {
            let end = match self.buf[i] {
                b'\n' => i + 1,
                // A CR ends a line; if it is the last byte a LF may follow in the next chunk.
                b'\r' if i + 1 == self.buf.len() => break,
                b'\r' if self.buf[i + 1] == b'\n' => i + 2,
                b'\r' => i + 1,
                _ => {
                    i += 1;
                    continue;
                }
            };
            let line = String::from_utf8_lossy(&self.buf[start..i]).into_owned();
            if let Some(e) = self.line(&line) {
                events.push(e);
            }
            start = end;
            i = end;
        }
        self.buf.drain(..start);
        events
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let event = self.event.take();
            let data = self.data.take()?;
            return Some(SseEvent { id: self.id.clone(), event: event.unwrap_or_else(|| "message".to_owned()), data });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "event" => self.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
        None
    }
}

/// One line for a change, e.g. `#42 2026-11-22T08:00:00Z 520624 signed_off v3 by sinan-approver — done`.
pub fn describe(e: &SseEvent) -> String {
    match serde_json::from_str::<TaskEvent>(&e.data) {
        Ok(t) => {
            let mut line = format!(
                "#{} {} {} {} v{} by {}",
                t.seq,
                t.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                t.division,
                t.change,
                t.version,
                t.actor
            );
            if let Some(r) = t.reason.filter(|r| !r.is_empty()) {
                line.push_str(" — ");
                line.push_str(&r);
            }
            line
        }
        Err(_) => format!("#{} {} {}", e.id.as_deref().unwrap_or("-"), e.event, e.data),
    }
}

/// An error with its causes, e.g. `error sending request: client error (Connect): Connection refused`.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// Follows the feed until it is refused; answers the exit status.
pub async fn run(gateway: &str, token: &str, id: uuid::Uuid, after: Option<i64>) -> anyhow::Result<i32> {
    let client =
        reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).read_timeout(READ_TIMEOUT).build()?;
    let url = format!("{}/v1/tasks/{id}/events", gateway.trim_end_matches('/'));
    let mut last = after;
    let mut connected = false;
    loop {
        let mut req = client.get(&url).bearer_auth(token).header("Accept", "text/event-stream");
        if let Some(seq) = last {
            req = req.header("Last-Event-ID", seq.to_string());
        }
        match req.send().await {
            Err(e) if !connected => anyhow::bail!("cannot reach the gateway at {gateway}: {}", causes(&e)),
            Err(e) => eprintln!("reconnecting: {}", causes(&e)),
            Ok(resp) if !resp.status().is_success() => {
                let status = resp.status();
                let body = resp.text().await.unwrap_or_default();
                match serde_json::from_str::<Problem>(&body) {
                    Ok(p) => eprintln!("{p}"),
                    Err(_) => eprintln!("the gateway answered {status}: {body}"),
                }
                return Ok(1);
            }
            Ok(mut resp) => {
                connected = true;
                let mut parser = SseParser::default();
                loop {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => {
                            for e in parser.feed(&chunk) {
                                if let Some(seq) = e.id.as_deref().and_then(|i| i.parse().ok()) {
                                    last = Some(seq);
                                }
                                println!("{}", describe(&e));
                            }
                        }
                        Ok(None) => {
                            eprintln!("the gateway closed the feed; reconnecting");
                            break;
                        }
                        Err(e) => {
                            eprintln!("the connection dropped ({}); reconnecting", causes(&e));
                            break;
                        }
                    }
                }
            }
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, event: &str, data: &str) -> SseEvent {
        SseEvent { id: Some(id.into()), event: event.into(), data: data.into() }
    }

    #[test]
    fn events_split_across_chunks_anywhere_are_reassembled() {
        let wire = "id: 1\nevent: opened\ndata: {\"a\":1}\n\n: keep-alive\n\nid:2\nevent:started\ndata:x\n\n";
        let whole = SseParser::default().feed(wire.as_bytes());
        assert_eq!(whole, [event("1", "opened", "{\"a\":1}"), event("2", "started", "x")]);
        for cut in 0..wire.len() {
            let mut p = SseParser::default();
            let mut got = p.feed(&wire.as_bytes()[..cut]);
            got.extend(p.feed(&wire.as_bytes()[cut..]));
            assert_eq!(got, whole, "cut at {cut}");
        }
    }

    #[test]
    fn multibyte_characters_split_between_chunks_survive() {
        let wire = "id: 7\ndata: 思南县\n\n".as_bytes();
        let mut p = SseParser::default();
        let mut got = p.feed(&wire[..12]);
        got.extend(p.feed(&wire[12..]));
        assert_eq!(got, [event("7", "message", "思南县")]);
    }

    #[test]
    fn crlf_and_cr_line_endings_and_multi_line_data_are_read() {
        let mut p = SseParser::default();
        let got = p.feed(b"id: 3\r\ndata: a\r\ndata: b\r\n\r\nid: 4\rdata: c\r\r: ping\n");
        assert_eq!(got, [event("3", "message", "a\nb"), event("4", "message", "c")]);
        // A CR at the very end of a chunk waits to see whether a LF follows.
        let mut p = SseParser::default();
        assert!(p.feed(b"data: d\r\n\r").is_empty());
        assert_eq!(p.feed(b"\n"), [SseEvent { id: None, event: "message".into(), data: "d".into() }]);
    }

    #[test]
    fn comments_and_events_without_data_dispatch_nothing() {
        let mut p = SseParser::default();
        assert!(p.feed(b": ping\n\nevent: noise\n\n").is_empty());
        // The event name of an undispatched block does not leak into the next one.
        assert_eq!(p.feed(b"data: y\n\n")[0].event, "message");
    }

    #[test]
    fn the_last_event_id_carries_over_to_events_without_one() {
        let mut p = SseParser::default();
        let got = p.feed(b"id: 9\ndata: a\n\ndata: b\n\n");
        assert_eq!(got[1].id.as_deref(), Some("9"));
    }

    #[test]
    fn a_change_reads_as_one_line() {
        let data = serde_json::json!({
            "seq": 42, "task_id": uuid::Uuid::nil(), "root_id": uuid::Uuid::nil(), "division": "520624",
            "change": "signed_off", "state": "signed_off", "version": 3, "actor": "sinan-approver",
            "reason": "done", "data": {}, "at": "2026-11-22T08:00:00.123456Z"
        });
        let line = describe(&event("42", "signed_off", &data.to_string()));
        assert_eq!(line, "#42 2026-11-22T08:00:00Z 520624 signed_off v3 by sinan-approver — done");
        assert_eq!(describe(&event("5", "other", "not json")), "#5 other not json");
    }
}
