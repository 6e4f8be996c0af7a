//! Helpers for the whole-system tests: spawn the chain on random ports with its own NATS server and
//! fresh databases (SQLite files, or PostgreSQL databases when `CHAIN_TEST_DB=postgres`), mint
//! tokens for the example officials, and talk to the gateway.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use chain::demo::{Official, official};
use chain::nats::{BusCredentials, NatsServer};
use chain::{DEFAULT_AUDIENCE, DEFAULT_ISSUER, Databases, System, SystemConfig};
use chain_bus::{Bus, PrincipalSigner, ProofSettings};
use chain_gateway::SigningKey;
use chain_identification::PiiKey;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::Value;

pub mod conformance;

/// The audit master key every test system is given.
pub const AUDIT_MASTER_KEY: [u8; 32] = [17; 32];

/// Which database backend the suite runs on.
pub fn backend() -> &'static str {
    match std::env::var("CHAIN_TEST_DB").as_deref() {
        Ok("postgres") | Ok("postgresql") | Ok("pg") => "postgres",
        _ => "sqlite",
    }
}

fn pg_base() -> String {
    std::env::var("CHAIN_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A running system for one test.
pub struct TestSystem {
    /// The system.
    pub system: Option<System>,
    /// Its NATS server.
    pub nats: Option<NatsServer>,
    /// Gateway base URL.
    pub base: String,
    /// Database URLs.
    pub databases: Databases,
    /// The clock the services measure deadlines by; tests move it forward.
    pub clock: chain_workflow::Clock,
    config: SystemConfig,
    key: SigningKey,
    client: reqwest::Client,
    dir: PathBuf,
    pg_names: Vec<String>,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as JSON (`Null` if not JSON).
    pub body: Value,
}

impl Answer {
    /// The `Content-Type`.
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// Asserts a problem+json answer of the given status and type slug; returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        assert_eq!(self.content_type(), "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["type"], format!("/problems/{slug}"), "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string());
        &self.body
    }

    /// Asserts success with the given status; returns the body.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        &self.body
    }
}

/// Starts a fresh system.
pub async fn spawn() -> TestSystem {
    chain_telemetry::init_for_tests();
    let dir = std::env::temp_dir().join(format!("chain-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let credentials = BusCredentials::generate().expect("NKeys for the bus");
    let nats = NatsServer::start(&dir.join("nats"), &credentials, "chain")
        .await
        .expect("start nats-server (see deploy/dev/ensure-nats.sh)");
    let mut pg_names = Vec::new();
    let databases = if backend() == "postgres" {
        let admin = chain_store::connect(&format!("{}/postgres", pg_base())).await.expect("connect to PostgreSQL");
        let stem = format!("chain_t_{}", &uuid::Uuid::now_v7().simple().to_string()[16..]);
        let mut url = |svc: &str| {
            let name = format!("{stem}_{svc}");
            pg_names.push(name.clone());
            format!("{}/{name}", pg_base())
        };
        let dbs = Databases {
            gateway: url("gateway"),
            identification: url("identification"),
            planning: url("planning"),
            funding: url("funding"),
            exit: url("exit"),
        };
        for name in &pg_names {
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        }
        admin.close().await.ok();
        dbs
    } else {
        Databases::sqlite_in(&dir)
    };
    let key = SigningKey::generate().unwrap();
    let clock = chain_workflow::Clock::adjustable();
    let config = SystemConfig {
        nats_url: nats.url().to_owned(),
        nats_credentials: Some(credentials),
        workflow: chain_workflow::Settings {
            clock: clock.clone(),
            sweep_every: std::time::Duration::from_millis(100),
            audit: chain_store::audit::MasterKey::from_bytes(AUDIT_MASTER_KEY),
        },
        subject_root: "chain".into(),
        databases: databases.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        jwks: key.jwks(),
        issuer: DEFAULT_ISSUER.into(),
        audience: DEFAULT_AUDIENCE.into(),
        pii_key: PiiKey::from_master([42; 32]),
        planning_pii_key: PiiKey::from_master([43; 32]),
        bus_key: std::sync::Arc::new(PrincipalSigner::generate().unwrap()),
        proofs: ProofSettings::default(),
        rate_limits: chain_gateway::RateLimits::generous(),
        idempotency: chain_gateway::IdempotencyPolicy::default(),
    };
    let system = System::start(config.clone()).await.expect("start the system");
    let base = format!("http://{}", system.gateway);
    TestSystem {
        system: Some(system),
        nats: Some(nats),
        base,
        databases,
        clock,
        config,
        key,
        client: reqwest::Client::new(),
        dir,
        pg_names,
    }
}

impl TestSystem {
    /// A token for an example official (`CENTRAL`, `GUIZHOU`, `SINAN`, `TANGTOU`, `VILLAGE`, `SHIQIAN`,
    /// `TONGREN`, `CENTRAL2`, `GUIZHOU2`, `VILLAGEHEAD`).
    pub fn token(&self, var: &str) -> String {
        self.token_for(official(var))
    }

    /// A token for any official.
    pub fn token_for(&self, o: &Official) -> String {
        o.token(&self.key, DEFAULT_ISSUER, DEFAULT_AUDIENCE, 3600)
    }

    /// Sends a request; `token` may be empty for none.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.client.request(method.clone(), format!("{}{path}", self.base));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("gateway reachable");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let answer = Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null) };
        conformance::check(&method, path, answer.status, answer.content_type(), &answer.body);
        answer
    }

    /// GET as an official.
    pub async fn get(&self, who: &str, path: &str) -> Answer {
        self.send(Method::GET, path, &self.token(who), None, &[]).await
    }

    /// POST JSON as an official.
    pub async fn post(&self, who: &str, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, &self.token(who), Some(body), &[]).await
    }

    /// POSTs a custom method `:<verb>` on a task as an official, with `If-Match` when a version is
    /// given.
    pub async fn step(&self, who: &str, task: &str, verb: &str, version: Option<i64>, body: Value) -> Answer {
        let etag = version.map(|v| format!("\"{v}\""));
        let headers: Vec<(&str, &str)> = etag.iter().map(|e| ("If-Match", e.as_str())).collect();
        self.send(Method::POST, &format!("/v1/tasks/{task}:{verb}"), &self.token(who), Some(body), &headers).await
    }

    /// Opens a Server-Sent Events stream as an official, optionally resuming after
    /// `Last-Event-ID`. A refusal (anything but a 200 `text/event-stream`) comes back as the answer.
    pub async fn stream(&self, who: &str, path: &str, last_event_id: Option<&str>) -> Result<EventStream, Answer> {
        let mut req = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token(who))
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.expect("gateway reachable");
        let status = resp.status();
        let headers = resp.headers().clone();
        let is_stream = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        if status == StatusCode::OK && is_stream {
            return Ok(EventStream { resp, buf: Vec::new() });
        }
        let text = resp.text().await.unwrap_or_default();
        Err(Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null) })
    }

    /// Stops the services and the gateway (as a crash or deployment would) and starts them again
    /// on the same databases, NATS server and clock.
    pub async fn restart(&mut self) {
        if let Some(s) = self.system.take() {
            s.stop().await;
        }
        let system = System::start(self.config.clone()).await.expect("restart the system");
        self.base = format!("http://{}", system.gateway);
        self.system = Some(system);
    }

    /// A connection to the test's bus as the gateway has it: its NATS identity, and it signs the
    /// principals of its requests with the gateway's bus key.
    pub async fn gateway_bus(&self) -> Bus {
        let url = self.nats.as_ref().expect("the test's NATS server").url();
        Bus::connect(url, &self.config.subject_root, &self.bus_credentials().of("gateway"))
            .await
            .expect("connect to NATS")
            .signing(self.config.bus_key.clone())
    }

    /// A plain NATS client with the operators' `admin` identity (the stream and its consumers
    /// as an operator inspects them).
    pub async fn nats_admin(&self) -> async_nats::Client {
        let url = self.nats.as_ref().expect("the test's NATS server").url();
        self.bus_credentials().of("admin").options().connect(url).await.expect("connect to NATS as admin")
    }

    /// The NKeys of the bus identities the test's NATS server accepts.
    pub fn bus_credentials(&self) -> &BusCredentials {
        self.config.nats_credentials.as_ref().expect("the test's bus authenticates")
    }

    /// The configuration the system runs with.
    pub fn config(&self) -> &SystemConfig {
        &self.config
    }

    /// Stops everything and removes the test's databases.
    pub async fn stop(mut self) {
        if let Some(s) = self.system.take() {
            s.stop().await;
        }
        if let Some(n) = self.nats.take() {
            n.stop().await;
        }
        if !self.pg_names.is_empty()
            && let Ok(admin) = chain_store::connect(&format!("{}/postgres", pg_base())).await
        {
            for name in &self.pg_names {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The `id` field.
    pub id: Option<String>,
    /// The `event` field (`message` when absent).
    pub event: String,
    /// The `data` field as JSON (`Null` if not JSON).
    pub data: Value,
}

/// A Server-Sent Events stream read chunk by chunk.
pub struct EventStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl EventStream {
    /// The next event (comments such as keep-alives are skipped); `None` when the server ends the
    /// stream. Panics if nothing arrives within 15 s.
    pub async fn next_event(&mut self) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(event) = self.take_event() {
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .expect("an event within 15 s")
                .expect("the stream stays readable")?;
            self.buf.extend_from_slice(&chunk);
        }
    }

    /// Parses the first complete event out of the buffer, dropping comment-only blocks. Events
    /// end with a blank line; the gateway writes `\n` line ends.
    fn take_event(&mut self) -> Option<SseEvent> {
        loop {
            let end = self.buf.windows(2).position(|w| w == b"\n\n")?;
            let block = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            self.buf.drain(..end + 2);
            let (mut id, mut event, mut data) = (None, None, Vec::new());
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => id = Some(value.to_owned()),
                    "event" => event = Some(value.to_owned()),
                    "data" => data.push(value.to_owned()),
                    _ => {}
                }
            }
            if id.is_none() && event.is_none() && data.is_empty() {
                continue;
            }
            let data = serde_json::from_str(&data.join("\n")).unwrap_or(Value::Null);
            return Some(SseEvent { id, event: event.unwrap_or_else(|| "message".into()), data });
        }
    }
}

/// Retries `check` until it returns `Some` or 15 s pass.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A valid resident ID number from 17 digits.
pub fn rid(first17: &str) -> String {
    chain_domain::with_check_digit(first17)
}

/// An application for a household in village 520624101201 with the given member ID numbers.
pub fn application(ids: &[String]) -> Value {
    let members: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| serde_json::json!({ "name": format!("成员{i}"), "resident_id": id, "relation": if i == 0 { "head" } else { "child" } }))
        .collect();
    serde_json::json!({
        "village": "520624101201",
        "year": 2016,
        "kind": "ordinary",
        "main_cause": "illness",
        "other_causes": ["lack_of_skills"],
        "per_capita_income_fen": 210000,
        "members": members,
    })
}

impl TestSystem {
    /// A household as the county sees it now.
    pub async fn household(&self, id: &str) -> Value {
        self.get("SINAN", &format!("/v1/households/{id}")).await.ok(200).clone()
    }

    /// Waits until the household reaches `status` (the timers close notices in the background).
    pub async fn household_reaches(&self, id: &str, status: &str) -> Value {
        eventually(&format!("household {id} to be {status}"), || async {
            let h = self.household(id).await;
            (h["status"] == status).then_some(h)
        })
        .await
    }

    /// Takes a registered household through the rest of the identification procedure: the
    /// village's appraisal and verification, its 7-day notice, township review, the second notice
    /// and county approval, moving the clock past each window.
    pub async fn identify(&self, id: &str) {
        self.identify_until_county(id).await;
        let approval = serde_json::json!({ "note": "county approval" });
        let approved = self.post("SINAN", &format!("/v1/households/{id}:approve"), approval).await;
        assert_eq!(approved.ok(200)["status"], "identified");
    }

    /// Like [`TestSystem::identify`], but stops before the county's approval: the household is
    /// left `awaiting_county`.
    pub async fn identify_until_county(&self, id: &str) {
        let appraisal = serde_json::json!({ "votes_for": 21, "votes_against": 2 });
        self.post("VILLAGEHEAD", &format!("/v1/households/{id}:appraise"), appraisal).await.ok(200);
        self.post("VILLAGEHEAD", &format!("/v1/households/{id}:verify"), serde_json::json!({})).await.ok(200);
        self.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
        self.household_reaches(id, "awaiting_township").await;
        self.post("TANGTOU", &format!("/v1/households/{id}:review"), serde_json::json!({})).await.ok(200);
        self.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
        self.household_reaches(id, "awaiting_county").await;
    }

    /// POSTs an allocation of `amount_fen` fen of 2016 central special funds to `to` as an
    /// official.
    pub async fn allocate(&self, who: &str, to: &str, amount_fen: i64) -> Answer {
        let body = serde_json::json!({ "to": to, "year": 2016, "amount_fen": amount_fen, "fund": "central-special", "reason": "hand-set for the test" });
        self.post(who, "/v1/allocations", body).await
    }

    /// PUTs JSON as an official.
    pub async fn put(&self, who: &str, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, &self.token(who), Some(body), &[]).await
    }
}
