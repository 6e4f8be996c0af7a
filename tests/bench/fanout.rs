//! Load generator: a central directive fanned out to every division of one level of the national
//! tree, through the whole system (gateway → NATS → service → database), timed until the tracker
//! shows the full tree.
//!
//! ```text
//! cargo run --release -p chain-system-tests --bin fanout -- [village|township|county]
//! CHAIN_TEST_DB=postgres cargo run --release -p chain-system-tests --bin fanout -- village
//! ```

use std::time::{Duration, Instant};

use chain_domain::{Level, registry};
use serde_json::{Value, json};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn level_count(tree: &Value, level: &str) -> u64 {
    tree["levels"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["level"] == level))
        .and_then(|l| l["counts"]["total"].as_u64())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let level = std::env::args().nth(1).unwrap_or_else(|| "village".into());
    let (lvl, expected) = match level.as_str() {
        "county" => (Level::County, registry().count(Level::County)),
        "township" => (Level::Township, registry().count(Level::Township)),
        "village" => (Level::Village, registry().count(Level::Village)),
        other => anyhow::bail!("unknown level {other}: county, township or village"),
    };
    let all: u64 = [Level::Province, Level::City, Level::County, Level::Township, Level::Village]
        .into_iter()
        .filter(|l| *l <= lvl)
        .map(|l| registry().count(l) as u64)
        .sum();
    let t = chain_system_tests::spawn().await;
    println!("backend: {}", chain_system_tests::backend());
    println!("target: every {level} ({expected}), {all} tasks below the root");

    let started = Instant::now();
    let issued = t
        .post(
            "CENTRAL",
            "/v1/directives",
            json!({
                "service": "planning",
                "kind": "supervision.benchmark",
                "title": format!("Benchmark directive to every {level}"),
                "targets": { "level": level },
                "due_date": "2030-12-31",
                "quota": { "total": 10_000_000 }
            }),
        )
        .await;
    let answered = started.elapsed();
    let body = issued.ok(201).clone();
    let id = body["task"]["id"].as_str().unwrap_or_default().to_owned();
    println!("gateway answered {} in {:.2} s", issued.status, answered.as_secs_f64());

    loop {
        let q = Instant::now();
        let tree = t.get("CENTRAL", &format!("/v1/tasks/{id}/tree?limit=50")).await;
        let tree_time = q.elapsed();
        if tree.status.as_u16() == 503 {
            // On SQLite the service has one connection, held by the fan-out's transaction.
            println!("tracker busy after {:.1} s (the fan-out holds the database)", started.elapsed().as_secs_f64());
            continue;
        }
        let tree = tree.ok(200);
        if level_count(tree, &level) as usize >= expected {
            let total = tree["subtree"]["total"].as_u64().unwrap_or(0);
            let full = started.elapsed();
            println!("tracker shows the full tree after {:.2} s: {total} tasks (root included)", full.as_secs_f64());
            println!("throughput: {:.0} tasks/s", all as f64 / full.as_secs_f64());
            println!("one tree query over the whole tree: {:.2} s", tree_time.as_secs_f64());
            break;
        }
        if started.elapsed() > Duration::from_secs(3600) {
            anyhow::bail!("the tree was not complete after an hour");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if let Some(mib) = peak_rss_mib() {
        println!("peak resident memory of the whole system process: {mib:.0} MiB");
    }
    t.stop().await;
    Ok(())
}
