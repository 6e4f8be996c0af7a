//! `chain import <file>`: uploads a county's registry file (CSV or .xlsx) to `POST /v1/imports`,
//! polls the operation with a progress line on stderr, prints the summary, and saves the error
//! report next to the file when some households were refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chain_api::Problem;
use chain_api::imports::{ImportOperation, ImportStatus};
use tokio::io::AsyncReadExt;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Runs the import (or continues an interrupted one); answers the exit status (0 all registered,
/// 1 some refused, 2 failed or interrupted).
pub async fn run(file: &Path, gateway: &str, token: &str, resume: Option<uuid::Uuid>) -> anyhow::Result<i32> {
    let gateway = gateway.trim_end_matches('/');
    let meta = tokio::fs::metadata(file).await.with_context(|| format!("reading {}", file.display()))?;
    let total = meta.len();
    let is_xlsx = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "upload".into());
    let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build()?;
    let reader = tokio::fs::File::open(file).await?;
    // The file goes up in 64 KiB chunks; it is never read whole into memory.
    let body = futures::stream::unfold(reader, |mut r| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match r.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), r))
            }
            Err(e) => Some((Err(e), r)),
        }
    });
    eprintln!("uploading {} ({} bytes)…", file.display(), total);
    let resuming = resume.map(|id| format!("&resume={id}")).unwrap_or_default();
    let resp = client
        .post(format!("{gateway}/v1/imports?file_name={}{resuming}", encode(&name)))
        .bearer_auth(token)
        .header("Content-Type", if is_xlsx { XLSX } else { "text/csv" })
        .header("Content-Length", total)
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .with_context(|| format!("cannot reach the gateway at {gateway}"))?;
    let mut op: ImportOperation = answer(resp).await?;
    let url = format!("{gateway}/v1/imports/{}", op.id);
    eprintln!("import {} accepted; reading…", op.id);
    // A busy service may miss a poll; the import goes on regardless, so only a long silence ends
    // the wait.
    let mut missed = 0;
    while op.status == ImportStatus::Running {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match client.get(&url).bearer_auth(token).send().await.map_err(anyhow::Error::from) {
            Ok(resp) => match answer::<ImportOperation>(resp).await {
                Ok(next) => {
                    op = next;
                    missed = 0;
                    progress(&op);
                }
                Err(e) if missed < 120 => {
                    missed += 1;
                    tracing_note(&e);
                }
                Err(e) => return Err(e),
            },
            Err(e) if missed < 120 => {
                missed += 1;
                tracing_note(&e);
            }
            Err(e) => return Err(e),
        }
    }
    eprintln!();
    println!(
        "{}: {} rows read; {} households registered, {} suspected duplicates filed for adjudication, {} households refused ({} rows)",
        match op.status {
            ImportStatus::Succeeded => "done",
            ImportStatus::Interrupted => "INTERRUPTED",
            _ => "FAILED",
        },
        op.rows_read,
        op.households_registered,
        op.households_suspected_duplicate,
        op.households_invalid,
        op.rows_invalid
    );
    if let Some(f) = &op.failure {
        println!("reason: {f}");
    }
    if op.status == ImportStatus::Interrupted {
        println!("to continue: chain import {} --resume {}", file.display(), op.id);
    }
    if op.rows_invalid > 0 {
        let report = client.get(format!("{url}/errors")).bearer_auth(token).send().await?.error_for_status()?;
        let target = report_path(file);
        tokio::fs::write(&target, report.bytes().await?).await?;
        println!("error report: {}", target.display());
    }
    Ok(match (op.status, op.rows_invalid) {
        (ImportStatus::Succeeded, 0) => 0,
        (ImportStatus::Succeeded, _) => 1,
        _ => 2,
    })
}

fn tracing_note(e: &anyhow::Error) {
    eprint!("\r(poll missed: {e}; still waiting)   ");
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `county.csv` → `county.errors.csv`, beside it.
fn report_path(file: &Path) -> PathBuf {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
    file.with_file_name(format!("{stem}.errors.csv"))
}

/// A redrawn line: rows read and what became of the households so far.
fn progress(op: &ImportOperation) {
    let done = op.households_registered + op.households_suspected_duplicate + op.households_invalid;
    let bar = "#".repeat(((op.rows_read / 2000) % 30) as usize);
    eprint!(
        "\r[{bar:<30}] {} rows, {} households: {} registered, {} duplicates, {} refused   ",
        op.rows_read, done, op.households_registered, op.households_suspected_duplicate, op.households_invalid
    );
}

async fn answer<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        match serde_json::from_slice::<Problem>(&body) {
            Ok(p) => anyhow::bail!("{p}"),
            Err(_) => anyhow::bail!("the gateway answered {status}: {}", String::from_utf8_lossy(&body)),
        }
    }
    Ok(serde_json::from_slice(&body)?)
}
