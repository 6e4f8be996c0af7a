//! Tokens from a real OpenID Connect provider (npm's oauth2-mock-server, `deploy/dev/ensure-oidc.sh`)
//! through a gateway that finds its keys by discovery: an RS256 token with Keycloak's claim layout
//! registers and reads a household; keys added to the provider mid-run (ES256, EdDSA, RS256) are
//! used without a restart; wrong audience, expiry, a future `nbf`, an unknown `crit`, an `alg` that
//! does not match the key, an unknown `kid` and a token without a known role are answered 401 with
//! an RFC 6750 challenge. Over HTTPS, the provider is reached when its certificate authority is
//! given (`CHAIN_OIDC_CA_FILE`) and not trusted otherwise.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use chain_system_tests::{application, rid, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const AUDIENCE: &str = "chain-api";
/// The shortest time between two key fetches of the test's gateway.
const FLOOR: Duration = Duration::from_millis(500);

/// The provider process, driven over its stdin/stdout (see `oidc_provider.mjs`).
struct Provider {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    issuer: String,
    first_kid: String,
}

fn runs(tool: &str) -> bool {
    std::process::Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// The npm prefix holding oauth2-mock-server: `CHAIN_OIDC_MOCK_DIR`, else what ensure-oidc.sh installs.
fn mock_dir(repo: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CHAIN_OIDC_MOCK_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    let out = std::process::Command::new(repo.join("deploy/dev/ensure-oidc.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run deploy/dev/ensure-oidc.sh");
    assert!(out.status.success(), "deploy/dev/ensure-oidc.sh failed");
    String::from_utf8(out.stdout).unwrap().trim().into()
}

impl Provider {
    /// Starts the provider, serving HTTPS with `tls` (key file, certificate file) when given;
    /// `None` only when Node.js or npm is not installed.
    async fn start(tls: Option<(&Path, &Path)>) -> Option<Provider> {
        if !runs("node") || !runs("npm") {
            eprintln!("SKIPPED identity test: Node.js and npm are needed for the OIDC provider (oauth2-mock-server)");
            return None;
        }
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
        let mut child = Command::new("node")
            .arg(repo.join("tests/system/oidc_provider.mjs"))
            .arg(mock_dir(&repo))
            .args(tls.iter().flat_map(|(key, cert)| [key.as_os_str(), cert.as_os_str()]))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the OIDC provider");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let hello: Value = serde_json::from_str(&lines.next_line().await.unwrap().expect("provider started")).unwrap();
        Some(Provider {
            _child: child,
            stdin,
            lines,
            issuer: hello["issuer"].as_str().unwrap().to_owned(),
            first_kid: hello["kid"].as_str().unwrap().to_owned(),
        })
    }

    async fn call(&mut self, req: Value) -> Value {
        self.stdin.write_all(format!("{req}\n").as_bytes()).await.unwrap();
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line()).await.unwrap().unwrap();
        let answer: Value = serde_json::from_str(&line.expect("provider answers")).unwrap();
        assert!(answer.get("error").is_none(), "provider: {answer}");
        answer
    }

    async fn add_key(&mut self, alg: &str) -> String {
        self.call(json!({ "op": "add-key", "alg": alg })).await["kid"].as_str().unwrap().to_owned()
    }

    /// A token the provider signs with the key `kid`, valid for `ttl` seconds.
    async fn token(&mut self, kid: &str, claims: Value, ttl: i64) -> String {
        let t = self.call(json!({ "op": "token", "kid": kid, "claims": claims, "ttl": ttl })).await;
        t["token"].as_str().unwrap().to_owned()
    }

    /// A token with any header, signed with the key `kid`.
    async fn raw(&mut self, kid: &str, header: Value, claims: Value) -> String {
        let t = self.call(json!({ "op": "raw", "kid": kid, "header": header, "claims": claims })).await;
        t["token"].as_str().unwrap().to_owned()
    }
}

/// Claims in Keycloak's layout: client roles, realm roles the system does not know, a jurisdiction
/// attribute and an audience array.
fn keycloak(sub: &str, client_roles: &[&str], jurisdiction: &str) -> Value {
    json!({
        "sub": sub,
        "aud": ["account", AUDIENCE],
        "azp": AUDIENCE,
        "realm_access": { "roles": ["offline_access", "uma_authorization", "default-roles-chain"] },
        "resource_access": { AUDIENCE: { "roles": client_roles }, "account": { "roles": ["manage-account"] } },
        "chain_jurisdiction": jurisdiction,
    })
}

#[expect(clippy::disallowed_methods, reason = "token times are wall-clock times")]
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

struct Gateway {
    base: String,
    http: reqwest::Client,
}

impl Gateway {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, String, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let challenge =
            resp.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        (status, challenge, resp.json().await.unwrap_or(Value::Null))
    }

    /// Asserts a 401 whose challenge is `invalid_token` with this description.
    async fn refuses(&self, token: &str, description: &str) {
        let (status, challenge, body) =
            self.send(reqwest::Method::GET, "/v1/households?division=520624", Some(token), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(challenge, format!(r#"Bearer error="invalid_token", error_description="{description}""#));
        assert_eq!(body["type"], "/problems/unauthenticated");
        assert_eq!(body["detail"], description);
    }
}

#[tokio::test]
async fn tokens_from_an_oidc_provider_with_rotating_keys() {
    let Some(mut idp) = Provider::start(None).await else { return };
    let t = spawn().await;
    let bus = t.system.as_ref().unwrap().bus.clone();
    let (gw, trigger, handle, dir) = gateway(bus, &idp.issuer, None).await;
    let get = reqwest::Method::GET;

    // An RS256 access token from the provider's token endpoint works end to end.
    let mut form = reqwest::Url::parse("http://form.invalid/").unwrap();
    form.query_pairs_mut()
        .append_pair("grant_type", "client_credentials")
        .append_pair("chain_claims", &keycloak("kc-sihebashi", &["operator"], "520624101201").to_string());
    let issued: Value = gw
        .http
        .post(format!("{}/token", idp.issuer))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.query().unwrap().to_owned())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let village = issued["access_token"].as_str().expect("the token endpoint issues a token").to_owned();
    let (status, _, body) = gw
        .send(reqwest::Method::POST, "/v1/households", Some(&village), Some(application(&[rid("52062419800101007")])))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let county = idp.token(&idp.first_kid.clone(), keycloak("kc-sinan", &["approver", "auditor"], "520624"), 600).await;
    let (status, _, household) = gw.send(get.clone(), &format!("/v1/households/{id}"), Some(&county), None).await;
    assert_eq!(status, StatusCode::OK, "{household}");
    assert_eq!(household["village"], "520624101201");

    // Keys added mid-run: tokens under the new kids work without a restart (the first fetch after
    // the floor finds them).
    for alg in ["ES256", "EdDSA", "RS256"] {
        let kid = idp.add_key(alg).await;
        tokio::time::sleep(FLOOR + Duration::from_millis(100)).await;
        let token = idp.token(&kid, keycloak("kc-sinan", &["approver"], "520624"), 600).await;
        let (status, _, body) = gw.send(get.clone(), &format!("/v1/households/{id}"), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "a token under the new {alg} key: {body}");
    }

    // Refusals, each with the challenge.
    let kid = idp.first_kid.clone();
    let mut wrong_audience = keycloak("kc-sinan", &["approver"], "520624");
    wrong_audience["aud"] = json!(["account", "other-api"]);
    gw.refuses(&idp.token(&kid, wrong_audience, 600).await, "the token is not meant for this API").await;
    let expired = idp.token(&kid, keycloak("kc-sinan", &["approver"], "520624"), -600).await;
    gw.refuses(&expired, "the token has expired").await;
    let mut early = keycloak("kc-sinan", &["approver"], "520624");
    early["nbf"] = json!(now() + 600);
    gw.refuses(&idp.token(&kid, early, 1200).await, "the token is not valid yet (nbf)").await;
    let mut claims = keycloak("kc-sinan", &["approver"], "520624");
    claims["iss"] = json!(idp.issuer);
    claims["exp"] = json!(now() + 600);
    let crit = json!({ "alg": "RS256", "typ": "JWT", "kid": kid, "crit": ["urn:example:hop"], "urn:example:hop": 1 });
    gw.refuses(
        &idp.raw(&kid, crit, claims.clone()).await,
        "the token names critical header extensions this API does not understand",
    )
    .await;
    let mismatch = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
    gw.refuses(&idp.raw(&kid, mismatch, claims.clone()).await, "the token's algorithm does not match its key").await;
    let hmac = json!({ "alg": "HS256", "typ": "JWT", "kid": kid });
    gw.refuses(&idp.raw(&kid, hmac, claims.clone()).await, "the token's algorithm is not accepted").await;
    let unknown = json!({ "alg": "RS256", "typ": "JWT", "kid": "no-such-key" });
    gw.refuses(
        &idp.raw(&kid, unknown, claims.clone()).await,
        "the token's key is not among the identity provider's keys",
    )
    .await;
    let raw_ok = json!({ "alg": "RS256", "typ": "JWT", "kid": kid });
    let (status, _, _) =
        gw.send(get.clone(), &format!("/v1/households/{id}"), Some(&idp.raw(&kid, raw_ok, claims).await), None).await;
    assert_eq!(status, StatusCode::OK, "the same claims under a plain header are accepted");
    let no_role = idp.token(&kid, keycloak("kc-reader", &["viewer"], "520624"), 600).await;
    gw.refuses(&no_role, "the token carries none of this API's roles").await;

    // No token: a bare challenge.
    let (status, challenge, _) = gw.send(get, "/v1/households?division=520624", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge, "Bearer");

    trigger.fire();
    handle.await.unwrap();
    t.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A gateway whose keys come from the provider's discovery document, trusting `ca_file` (instead
/// of the system's roots) over HTTPS; stopped by the trigger.
async fn gateway(
    bus: chain_bus::Bus,
    issuer: &str,
    ca_file: Option<PathBuf>,
) -> (Gateway, chain_bus::ShutdownTrigger, tokio::task::JoinHandle<()>, PathBuf) {
    let dir = std::env::temp_dir().join(format!("chain-idp-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let trigger = chain_bus::ShutdownTrigger::new();
    let (addr, handle) = chain_gateway::start(
        chain_gateway::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}?mode=rwc", dir.join("gateway.db").display()),
            keys: chain_gateway::KeySource::Discovery,
            issuer: issuer.to_owned(),
            audience: AUDIENCE.into(),
            identity: chain_gateway::Identity {
                claims: chain_gateway::ClaimPaths {
                    roles: vec!["realm_access.roles".into(), format!("resource_access.{AUDIENCE}.roles")],
                    jurisdiction: "chain_jurisdiction".into(),
                },
                refresh: chain_gateway::Refresh { every: Duration::from_secs(300), floor: FLOOR },
                leeway: Duration::from_secs(5),
                ca_file,
            },
            rate_limits: chain_gateway::RateLimits::generous(),
            idempotency: chain_gateway::IdempotencyPolicy::default(),
        },
        bus,
        trigger.signal(),
    )
    .await
    .expect("a gateway whose keys come from the provider's discovery document");
    (Gateway { base: format!("http://{addr}"), http: reqwest::Client::new() }, trigger, handle, dir)
}

#[tokio::test]
async fn tokens_from_an_oidc_provider_over_https_under_the_agencys_own_ca() {
    if !runs("openssl") {
        eprintln!("SKIPPED: openssl is needed to make the provider's certificate");
        return;
    }
    let certs = std::env::temp_dir().join(format!("chain-idp-tls-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&certs).unwrap();
    crate::bus::certificates(&certs);
    let Some(mut idp) = Provider::start(Some((&certs.join("server.key"), &certs.join("server.pem")))).await else {
        return;
    };
    assert!(idp.issuer.starts_with("https://"), "{}", idp.issuer);
    let t = spawn().await;
    let bus = t.system.as_ref().unwrap().bus.clone();
    let token = idp.token(&idp.first_kid.clone(), keycloak("kc-sinan", &["approver", "auditor"], "520624"), 600).await;

    // Trusting the agency's CA, the gateway fetches discovery and keys over HTTPS.
    let (gw, trigger, handle, dir) = gateway(bus.clone(), &idp.issuer, Some(certs.join("ca.pem"))).await;
    let (status, _, body) = gw.send(reqwest::Method::GET, "/v1/households?division=520624", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    trigger.fire();
    handle.await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    // With the system's roots only, the provider's certificate is not trusted: no keys, no entry.
    let (gw, trigger, handle, dir) = gateway(bus, &idp.issuer, None).await;
    gw.refuses(&token, "the token's key is not among the identity provider's keys").await;
    trigger.fire();
    handle.await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    t.stop().await;
    let _ = std::fs::remove_dir_all(&certs);
}
