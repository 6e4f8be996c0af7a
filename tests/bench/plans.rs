//! Load generator: household plans at county scale, through the whole system. Identification's
//! `household-identified` announcements for N households in the villages of one township of Sinan
//! county are published on the event stream (as identification would), planning projects them and
//! opens each household's task; then every plan is drafted (3 measures answering 3 causes, 2
//! milestones each), acknowledged and submitted by the township and approved by the county
//! through the gateway, by C concurrent clients. Reports plans per second, the latency of each
//! step (p50, p99, max), the coverage query's time at that size and the peak memory of the process.
//!
//! ```text
//! cargo run --release -p chain-system-tests --bin plans -- [households] [clients]
//! CHAIN_TEST_DB=postgres cargo run --release -p chain-system-tests --bin plans -- 100000 16
//! ```

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chain_api::envelope::Cause;
use chain_api::events::{HOUSEHOLD_IDENTIFIED, HouseholdIdentified};
use chain_domain::{Division, registry};
use futures::StreamExt;
use serde_json::{Value, json};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn plan_body(household: uuid::Uuid) -> Value {
    let measure = |kind: &str, cause: &str, budget: i64, effect: i64| {
        json!({
            "kind": kind, "description": format!("{kind} for {cause}"), "addresses": cause, "responsible": "王芳",
            "budget_fen": budget, "fund": "central_special", "expected_income_fen": effect,
            "milestones": [{ "what": "started", "due": "2027-06-30" }, { "what": "delivered", "due": "2027-12-31" }]
        })
    };
    json!({
        "household_id": household,
        "wishes": "想在家门口务工",
        "measures": [
            measure("health", "illness", 30_000, 0),
            measure("employment", "lack_of_skills", 200_000, 1_200_000),
            measure("drinking_water", "lack_of_water", 50_000, 0),
        ]
    })
}

/// p50, p99 and the maximum of `samples`, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (at(0.5), at(0.99), at(1.0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let households: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let clients: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let t = chain_system_tests::spawn().await;
    let township = Division::parse("520624101")?;
    let villages: Vec<String> = registry().children(&township).into_iter().map(|v| v.code.to_string()).collect();
    println!("backend: {}", chain_system_tests::backend());
    println!("{households} households in the {} villages of township 520624101, {clients} clients", villages.len());

    // Identification's announcements, on the stream as identification publishes them.
    let js = async_nats::jetstream::new(t.nats_admin().await);
    let started = Instant::now();
    let mut ids = Vec::with_capacity(households);
    let mut pending = Vec::new();
    for i in 0..households {
        let id = uuid::Uuid::now_v7();
        let village = &villages[i % villages.len()];
        let payload = HouseholdIdentified {
            household_id: id,
            village: village.clone(),
            year: 2016,
            main_cause: "illness".into(),
            other_causes: vec!["lack_of_skills".into(), "lack_of_water".into()],
            per_capita_income_fen: 210_000,
            members: 3,
        };
        let env = chain_api::Envelope::new(
            HOUSEHOLD_IDENTIFIED,
            village,
            id,
            "benchmark",
            &Cause::origin(),
            t.clock.now(),
            serde_json::to_value(payload)?,
        );
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", env.id.to_string().as_str());
        pending.push(js.publish_with_headers(env.subject("chain"), headers, serde_json::to_vec(&env)?.into()).await?);
        if pending.len() >= 1000 {
            for ack in pending.drain(..) {
                ack.await?;
            }
        }
        ids.push(id);
    }
    for ack in pending.drain(..) {
        ack.await?;
    }
    println!("published {households} announcements in {:.1} s", started.elapsed().as_secs_f64());
    loop {
        let page = t.get("SINAN", "/v1/plan-coverage?group_by=county").await;
        let known = page.body["items"][0]["households"].as_u64().unwrap_or(0);
        if known as usize >= households {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!("planning projected them and opened their tasks after {:.1} s", started.elapsed().as_secs_f64());

    // Every plan drafted, acknowledged, submitted and approved through the gateway.
    let http = reqwest::Client::new();
    let township_token = t.token("TANGTOU");
    let county_token = t.token("SINAN");
    let samples: [Mutex<Vec<Duration>>; 4] = Default::default();
    let failures = Mutex::new(Vec::<String>::new());
    let send = |path: String, token: &str, body: Value, step: usize| {
        let (http, token, samples, failures) = (&http, token.to_owned(), &samples, &failures);
        let url = format!("{}{path}", t.base);
        async move {
            let at = Instant::now();
            let resp = http.post(url).bearer_auth(token).json(&body).send().await;
            samples[step].lock().unwrap().push(at.elapsed());
            match resp {
                Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
                Ok(r) => {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    failures.lock().unwrap().push(format!("{path}: {status} {text}"));
                    None
                }
                Err(e) => {
                    failures.lock().unwrap().push(format!("{path}: {e}"));
                    None
                }
            }
        }
    };
    let started = Instant::now();
    // Each further tenth of the plans (or 10,000, whichever is fewer), with its own pace, so a
    // slowing down shows where it starts.
    let step = (households / 10).clamp(1, 10_000);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let lap = Mutex::new(Instant::now());
    futures::stream::iter(ids.iter().copied())
        .map(|id| {
            let send = &send;
            let (township_token, county_token) = (&township_token, &county_token);
            async move {
                let plan = send("/v1/plans".into(), township_token, plan_body(id), 0).await?;
                let plan_id = plan["id"].as_str()?.to_owned();
                send(format!("/v1/plans/{plan_id}:acknowledge"), township_token, json!({ "by": "户主" }), 1).await?;
                send(format!("/v1/plans/{plan_id}:submit"), township_token, json!({}), 2).await?;
                send(format!("/v1/plans/{plan_id}:approve"), county_token, json!({}), 3).await
            }
        })
        .buffer_unordered(clients)
        .for_each(|_| async {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(step) {
                let mut lap = lap.lock().unwrap();
                let took = lap.elapsed().as_secs_f64();
                *lap = Instant::now();
                println!(
                    "  {n:>7} plans after {:>6.1} s; the last {step} at {:.0} plans/s",
                    started.elapsed().as_secs_f64(),
                    step as f64 / took
                );
            }
        })
        .await;
    let elapsed = started.elapsed();
    let failures = failures.into_inner().unwrap();
    println!(
        "{} plans approved in {:.1} s: {:.0} plans/s ({:.0} requests/s)",
        households - failures.len(),
        elapsed.as_secs_f64(),
        (households - failures.len()) as f64 / elapsed.as_secs_f64(),
        (4 * households) as f64 / elapsed.as_secs_f64()
    );
    for (step, name) in ["create", "acknowledge", "submit", "approve"].iter().enumerate() {
        let (p50, p99, max) = percentiles(&mut samples[step].lock().unwrap());
        println!("  {name:<12} p50 {p50:>7.1} ms   p99 {p99:>7.1} ms   max {max:>8.1} ms");
    }
    if !failures.is_empty() {
        println!("{} failures, the first: {}", failures.len(), failures[0]);
    }

    for (what, path) in [
        ("coverage per village of the township", "/v1/plan-coverage?division=520624101&group_by=village"),
        ("coverage of the county", "/v1/plan-coverage?group_by=county"),
        ("first page of the county's approved plans", "/v1/plans?status=approved&limit=500"),
    ] {
        let at = Instant::now();
        let answer = t.get("SINAN", path).await;
        println!("{what}: {} in {:.0} ms", answer.status, at.elapsed().as_secs_f64() * 1000.0);
    }
    if let Some(mib) = peak_rss_mib() {
        println!("peak resident memory of the whole system process: {mib:.0} MiB");
    }
    t.stop().await;
    Ok(())
}
