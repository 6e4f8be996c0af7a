//! The gateway's rate limits over real HTTP: a gateway with small budgets beside the test
//! system's (same bus, same keys, same database). A flood of forged tokens from one address is
//! answered 429 and then refused before any signature check; one subject spending its budget
//! leaves another served; one address spending its budget is refused even on health. Every 429 is
//! problem+json with a `Retry-After` after which the request is served again.

use std::time::Duration;

use chain_gateway::{Budget, RateLimits};
use chain_system_tests::{Answer, TestSystem, spawn};
use reqwest::Method;
use serde_json::Value;

/// A second gateway with these limits; its base URL and the trigger that stops it.
async fn throttled(
    t: &TestSystem,
    limits: RateLimits,
) -> (String, chain_bus::ShutdownTrigger, tokio::task::JoinHandle<()>) {
    let trigger = chain_bus::ShutdownTrigger::new();
    let (addr, handle) = chain_gateway::start(
        chain_gateway::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: t.databases.gateway.clone(),
            keys: chain_gateway::KeySource::Document(t.config().jwks.clone()),
            issuer: t.config().issuer.clone(),
            audience: t.config().audience.clone(),
            identity: chain_gateway::Identity::default(),
            rate_limits: limits,
            idempotency: chain_gateway::IdempotencyPolicy::default(),
        },
        t.gateway_bus().await,
        trigger.signal(),
    )
    .await
    .expect("a gateway with small budgets");
    (format!("http://{addr}"), trigger, handle)
}

fn budget(per_second: u32, burst: u32) -> Budget {
    Budget::new(per_second, burst).unwrap()
}

async fn get(base: &str, path: &str, token: &str) -> Answer {
    let mut req = reqwest::Client::new().request(Method::GET, format!("{base}{path}"));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("gateway reachable");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    let answer = Answer { status, headers, body };
    // Each answer, the 429s included, is one the document describes for the operation.
    chain_system_tests::conformance::check(&Method::GET, path, answer.status, answer.content_type(), &answer.body);
    answer
}

/// Asserts a 429 problem with a whole-seconds `Retry-After` of at least one; returns it.
#[track_caller]
fn retry_after(a: &Answer) -> u64 {
    a.problem(429, "rate-limited");
    let seconds: u64 = a.headers["retry-after"].to_str().unwrap().parse().expect("Retry-After in whole seconds");
    assert!(seconds >= 1, "Retry-After: {seconds}");
    seconds
}

/// The same token with one character of its signature changed: well formed, signed by no key.
fn forged(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = signature.chars().collect();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == 'A' { 'B' } else { 'A' };
    format!("{signed}.{}", sig.into_iter().collect::<String>())
}

#[tokio::test]
async fn forged_tokens_spend_the_failed_authentication_budget_then_the_address_is_refused_unchecked() {
    let t = spawn().await;
    let limits = RateLimits { failed_auth: budget(1, 3), ..RateLimits::generous() };
    let (base, trigger, handle) = throttled(&t, limits).await;
    let real = t.token("SINAN");
    let fake = forged(&real);

    for _ in 0..3 {
        let a = get(&base, "/v1/tasks", &fake).await;
        a.problem(401, "unauthenticated");
        assert!(a.headers.contains_key("www-authenticate"));
    }
    let over = get(&base, "/v1/tasks", &fake).await;
    let wait = retry_after(&over);
    assert!(!over.headers.contains_key("www-authenticate"), "a 429 is no challenge");
    // While the address is barred its tokens are refused before their signatures are checked:
    // a genuine one too, and requests that carry none pass on to their usual answers.
    retry_after(&get(&base, "/v1/tasks", &real).await);
    get(&base, "/v1/tasks", "").await.problem(401, "unauthenticated");
    get(&base, "/healthz", "").await.ok(200);

    tokio::time::sleep(Duration::from_secs(wait)).await;
    get(&base, "/v1/tasks", &real).await.ok(200);

    trigger.fire();
    handle.await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn one_subject_spending_its_budget_leaves_another_subject_served() {
    let t = spawn().await;
    let limits = RateLimits { subject: budget(1, 2), ..RateLimits::generous() };
    let (base, trigger, handle) = throttled(&t, limits).await;
    let (sinan, tangtou) = (t.token("SINAN"), t.token("TANGTOU"));

    get(&base, "/v1/tasks", &sinan).await.ok(200);
    get(&base, "/v1/tasks", &sinan).await.ok(200);
    let over = get(&base, "/v1/tasks", &sinan).await;
    let wait = retry_after(&over);
    assert!(over.body["detail"].as_str().unwrap().contains("subject"), "{}", over.body);
    // The same address, another official: served.
    get(&base, "/v1/tasks", &tangtou).await.ok(200);

    tokio::time::sleep(Duration::from_secs(wait)).await;
    get(&base, "/v1/tasks", &sinan).await.ok(200);

    trigger.fire();
    handle.await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn one_address_spending_its_budget_is_refused_even_on_health() {
    let t = spawn().await;
    let limits = RateLimits { address: budget(1, 3), ..RateLimits::generous() };
    let (base, trigger, handle) = throttled(&t, limits).await;

    for _ in 0..3 {
        get(&base, "/healthz", "").await.ok(200);
    }
    let wait = retry_after(&get(&base, "/healthz", "").await);
    retry_after(&get(&base, "/v1/tasks", &t.token("SINAN")).await);

    tokio::time::sleep(Duration::from_secs(wait)).await;
    get(&base, "/healthz", "").await.ok(200);

    trigger.fire();
    handle.await.unwrap();
    t.stop().await;
}
