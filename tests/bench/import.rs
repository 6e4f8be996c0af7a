//! Load generator: a county registry of N households (one to five members each, three on average;
//! every hundredth row with a wrong check digit) written as a CSV file, imported through
//! `POST /v1/imports` into the whole system (gateway → NATS → identification → database), polled until the operation ends.
//! Reports rows/s and households/s, checks that exactly the bad rows' households were refused, and
//! the peak resident memory of the process, then how long the outbox takes to publish the
//! procedures' events. On PostgreSQL it then `COPY`s the same rows into a
//! plain table of the same database server, for scale.
//!
//! ```text
//! cargo run --release -p chain-system-tests --bin import -- 20000
//! CHAIN_TEST_DB=postgres cargo run --release -p chain-system-tests --bin import -- 20000
//! ```

use std::io::Write as _;
use std::time::{Duration, Instant};

use chain_domain::{Division, Level, registry, with_check_digit};
use serde_json::Value;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Writes the registry; returns (rows, households, bad rows, households with a bad row).
fn generate(path: &std::path::Path, households: usize) -> anyhow::Result<(usize, usize, usize, usize)> {
    let county = Division::parse("520624")?;
    let villages: Vec<String> = registry()
        .children(&county)
        .iter()
        .flat_map(|t| registry().children(&t.code))
        .filter(|v| v.level == Level::Village)
        .map(|v| v.code.to_string())
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "household_ref,village,year,kind,main_cause,other_causes,per_capita_income_fen,name,resident_id,relation"
    )?;
    let (mut rows, mut bad, mut bad_households, mut person) = (0usize, 0usize, 0usize, 0u64);
    let base = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("a date");
    for h in 0..households {
        let village = &villages[h % villages.len()];
        let size = 1 + h % 5;
        let mut household_bad = false;
        for m in 0..size {
            rows += 1;
            let born = base + chrono::Duration::days((person / 900) as i64);
            let mut id = with_check_digit(&format!("520624{}{:03}", born.format("%Y%m%d"), person % 900 + 100));
            person += 1;
            if rows % 100 == 0 {
                let last = id.pop().expect("18 characters");
                id.push(if last == '0' { '1' } else { '0' });
                bad += 1;
                household_bad = true;
            }
            let relation = if m == 0 { "head" } else { "child" };
            if m == 0 {
                writeln!(out, "H{h},{village},2016,ordinary,illness,,210000,成员{m},{id},{relation}")?;
            } else {
                writeln!(out, "H{h},,,,,,,成员{m},{id},{relation}")?;
            }
        }
        bad_households += usize::from(household_bad);
    }
    out.flush()?;
    Ok((rows, households, bad, bad_households))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let households: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("chain-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("registry.csv");
    let (rows, households, bad, bad_households) = generate(&file, households)?;
    let size = std::fs::metadata(&file)?.len();
    println!("backend: {}", chain_system_tests::backend());
    println!("file: {rows} rows, {households} households, {bad} bad rows in {bad_households} households, {size} bytes");

    let t = chain_system_tests::spawn().await;
    let client = reqwest::Client::new();
    let started = Instant::now();
    // The file goes up in 64 KiB chunks, so the client's memory does not count the file.
    let reader = tokio::fs::File::open(&file).await?;
    let chunks = futures::stream::unfold(reader, |mut r| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buf = vec![0u8; 64 * 1024];
        match r.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), r))
            }
            Err(e) => Some((Err(e), r)),
        }
    });
    let body = reqwest::Body::wrap_stream(chunks);
    let answer = client
        .post(format!("{}/v1/imports?file_name=registry.csv", t.base))
        .bearer_auth(t.token("SINAN"))
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(answer.status().as_u16() == 202, "upload refused: {}", answer.text().await?);
    let op: Value = answer.json().await?;
    let id = op["id"].as_str().unwrap_or_default().to_owned();
    println!("upload accepted after {:.2} s", started.elapsed().as_secs_f64());
    let done = loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = t.get("SINAN", &format!("/v1/imports/{id}")).await;
        if now.status.as_u16() != 200 {
            continue;
        }
        if now.body["status"] != "running" {
            break now.body.clone();
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(4 * 3600), "the import ran for four hours");
    };
    let took = started.elapsed().as_secs_f64();
    println!("status: {} after {took:.1} s", done["status"]);
    println!(
        "registered {} households, refused {} ({} rows), suspected duplicates {}",
        done["households_registered"],
        done["households_invalid"],
        done["rows_invalid"],
        done["households_suspected_duplicate"]
    );
    println!("throughput: {:.0} rows/s, {:.0} households/s", rows as f64 / took, households as f64 / took);
    let refused = done["households_invalid"].as_u64().unwrap_or(0) as usize;
    println!(
        "exactly the bad rows' households refused: {}",
        if refused == bad_households
            && done["households_registered"].as_u64() == Some((households - bad_households) as u64)
        {
            "yes"
        } else {
            "NO"
        }
    );
    if let Some(mib) = peak_rss_mib() {
        println!("peak resident memory of the whole system process: {mib:.0} MiB");
    }
    // The procedure events the import wrote go to the stream after their transactions commit.
    let db = chain_store::connect(&t.databases.identification).await?;
    let waiting = chain_store::outbox::backlog(&db).await?;
    let began = Instant::now();
    while chain_store::outbox::backlog(&db).await? > 0 && began.elapsed() < Duration::from_secs(3600) {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "events still to publish when the import ended: {waiting}; all published {:.1} s later",
        began.elapsed().as_secs_f64()
    );

    if chain_system_tests::backend() == "postgres" {
        // The same rows, COPYed into a plain table of the identification database's server.
        let url = t.databases.identification.clone();
        let setup = "CREATE TABLE copy_bench (household_ref text, village text, year int, kind text, main_cause text, other_causes text, per_capita_income_fen bigint, name text, resident_id text UNIQUE, relation text)";
        let status = std::process::Command::new("psql").args([&url, "-q", "-c", setup]).status()?;
        anyhow::ensure!(status.success(), "psql could not create the comparison table");
        let copy = format!("\\copy copy_bench FROM '{}' WITH (FORMAT csv, HEADER true)", file.display());
        let began = Instant::now();
        let status = std::process::Command::new("psql").args([&url, "-q", "-c", &copy]).status()?;
        let copy_took = began.elapsed().as_secs_f64();
        anyhow::ensure!(status.success(), "psql \\copy failed");
        println!("plain COPY of the same rows: {copy_took:.2} s, {:.0} rows/s", rows as f64 / copy_took);
    }
    t.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
