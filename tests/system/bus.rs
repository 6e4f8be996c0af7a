//! The bus as an outsider sees it: a plain NATS client, not the project's own. Without
//! credentials it cannot connect; with a service's it may not send requests to another service
//! or read another's replies; and even with the gateway's NATS identity, a principal the gateway
//! did not sign — missing, forged, expired or replayed — is refused with 401 before any handler
//! runs, and nothing is read or written.

use async_nats::HeaderMap;
use std::time::Duration;

use bytes::Bytes;
use chain_api::principal::{PRINCIPAL_HEADER, PRINCIPAL_PROOF_HEADER};
use chain_api::{Principal, Role};
use chain_bus::{PrincipalSigner, STATUS_HEADER};
use chain_domain::Jurisdiction;
use chain_system_tests::{TestSystem, application, rid, spawn};
use futures::StreamExt;
use serde_json::{Value, json};

const GET: &str = "chain.identification.household.get";
const REGISTER: &str = "chain.identification.household.register";

/// The principal an intruder would invent: may read personal data, whole country.
fn invented() -> String {
    Principal { subject: "intruder".into(), roles: vec![Role::PiiReader], jurisdiction: Jurisdiction::National }
        .to_header()
}

fn url(t: &TestSystem) -> String {
    t.nats.as_ref().unwrap().url().to_owned()
}

/// A plain NATS client on the test's server with the gateway's NATS identity (but not its key
/// for signing principals).
async fn raw_client(t: &TestSystem) -> async_nats::Client {
    t.bus_credentials().of("gateway").options().connect(url(t)).await.expect("a credentialed client connects")
}

/// Sends `body` on `subject` with the given headers; returns the answer's status and body.
async fn send(client: &async_nats::Client, subject: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(*k, *v);
    }
    let payload = Bytes::from(serde_json::to_vec(body).unwrap());
    let msg = client.request_with_headers(subject.to_owned(), map, payload).await.expect("an answer");
    let status = msg.headers.as_ref().and_then(|h| h.get(STATUS_HEADER)).map(|v| v.as_str().parse().unwrap());
    (status.unwrap_or(200), serde_json::from_slice(&msg.payload).unwrap_or(Value::Null))
}

fn assert_refused(answer: &(u16, Value), detail: &str) {
    assert_eq!(answer.0, 401, "answer: {}", answer.1);
    assert_eq!(answer.1["type"], "/problems/unauthenticated");
    assert_eq!(answer.1["detail"], detail);
    assert!(answer.1.get("members").is_none() && answer.1.get("village").is_none(), "leaked: {}", answer.1);
}

fn millis_now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_the_gateway_did_not_sign_reads_nothing() {
    let t = spawn().await;
    let ids = [rid("52062419800101051")];
    let registered = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let id = registered.ok(201)["id"].as_str().unwrap().to_owned();
    let client = raw_client(&t).await;
    let body = json!({ "id": id, "unmask": true });
    let bytes = serde_json::to_vec(&body).unwrap();
    let principal = invented();

    let bare = send(&client, GET, &[(PRINCIPAL_HEADER, &principal)], &body).await;
    assert_refused(&bare, "the principal carries no gateway signature");
    assert_refused(&send(&client, GET, &[], &body).await, "no principal on the request");

    let forged = PrincipalSigner::generate().unwrap().sign(GET, &principal, &bytes);
    let answer = send(&client, GET, &[(PRINCIPAL_HEADER, &principal), (PRINCIPAL_PROOF_HEADER, &forged)], &body).await;
    assert_refused(&answer, "the principal's signature does not verify");

    let key = &t.config().bus_key;
    let old = key.sign_at(GET, &principal, &bytes, "expired-proof", millis_now() - 31_000);
    let answer = send(&client, GET, &[(PRINCIPAL_HEADER, &principal), (PRINCIPAL_PROOF_HEADER, &old)], &body).await;
    assert_refused(&answer, "the principal's signature has expired");

    // A proof for another subject (or body) does not carry over.
    let elsewhere = key.sign(REGISTER, &principal, &bytes);
    let answer =
        send(&client, GET, &[(PRINCIPAL_HEADER, &principal), (PRINCIPAL_PROOF_HEADER, &elsewhere)], &body).await;
    assert_refused(&answer, "the principal's signature does not verify");

    // What the gateway signed is answered once; the same proof again is a replay.
    let proof = key.sign(GET, &principal, &bytes);
    let headers = [(PRINCIPAL_HEADER, principal.as_str()), (PRINCIPAL_PROOF_HEADER, proof.as_str())];
    let first = send(&client, GET, &headers, &body).await;
    assert_eq!(first.0, 200, "answer: {}", first.1);
    assert_eq!(first.1["id"], id.as_str());
    assert_refused(&send(&client, GET, &headers, &body).await, "the principal's signature was already used");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_the_gateway_did_not_sign_writes_nothing() {
    let t = spawn().await;
    let client = raw_client(&t).await;
    let principal = Principal {
        subject: "intruder".into(),
        roles: vec![Role::Operator],
        jurisdiction: Jurisdiction::parse("520624101201").unwrap(),
    }
    .to_header();
    let ids = [rid("52062419800101051")];
    let body = application(&ids);
    let bytes = serde_json::to_vec(&body).unwrap();
    let key = &t.config().bus_key;
    let forged = PrincipalSigner::generate().unwrap().sign(REGISTER, &principal, &bytes);
    let expired = key.sign_at(REGISTER, &principal, &bytes, "expired-register", millis_now() - 60_000);
    for headers in [
        vec![],
        vec![(PRINCIPAL_HEADER, principal.as_str())],
        vec![(PRINCIPAL_HEADER, principal.as_str()), (PRINCIPAL_PROOF_HEADER, forged.as_str())],
        vec![(PRINCIPAL_HEADER, principal.as_str()), (PRINCIPAL_PROOF_HEADER, expired.as_str())],
    ] {
        let answer = send(&client, REGISTER, &headers, &body).await;
        assert_eq!(answer.0, 401, "answer: {}", answer.1);
    }
    let page = t.get("SINAN", "/v1/households?division=520624").await.ok(200).clone();
    assert_eq!(page["items"], json!([]), "no household was written");
    // The same application from the gateway is registered: the IDs were never claimed.
    let real = t.post("VILLAGE", "/v1/households", body).await;
    assert_eq!(real.ok(201)["status"], "applied");

    // A registration the gateway signed, sent again as it was, is refused: one household only.
    let village = chain::demo::official("VILLAGE").principal().to_header();
    let other = application(&[rid("52062419800101078")]);
    let bytes = serde_json::to_vec(&other).unwrap();
    let proof = key.sign(REGISTER, &village, &bytes);
    let headers = [(PRINCIPAL_HEADER, village.as_str()), (PRINCIPAL_PROOF_HEADER, proof.as_str())];
    let first = send(&client, REGISTER, &headers, &other).await;
    assert_eq!((first.0, &first.1["status"]), (200, &json!("applied")), "answer: {}", first.1);
    assert_refused(&send(&client, REGISTER, &headers, &other).await, "the principal's signature was already used");
    let page = t.get("SINAN", "/v1/households?division=520624").await.ok(200).clone();
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "the replay registered nothing: {page}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_credentials_cannot_connect_and_a_service_only_reaches_its_own_subjects() {
    let t = spawn().await;
    let refused = async_nats::ConnectOptions::new().connect(url(&t)).await;
    assert!(refused.is_err(), "a client without credentials connected");
    let others = chain::nats::BusCredentials::generate().unwrap();
    let stranger = others.of("gateway").options().connect(url(&t)).await;
    assert!(stranger.is_err(), "a client with an unknown NKey connected");

    // The exit service's identity may not publish identification's events, ask identification,
    // or listen to its requests, its events or the gateway's replies.
    let exit = t.bus_credentials().of("exit").options().connect(url(&t)).await.expect("exit's identity connects");
    let events = async_nats::jetstream::new(t.gateway_bus().await.client().clone());
    exit.publish("chain.evt.identification.household-identified.52".to_owned(), Bytes::from_static(b"{}"))
        .await
        .unwrap();
    exit.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored = events.get_stream("CHAIN_EVENTS").await.unwrap().info().await.unwrap().state.messages;
    assert_eq!(stored, 0, "exit's identity published an identification event");
    let body = Bytes::from_static(b"{}");
    let asked = tokio::time::timeout(Duration::from_secs(3), exit.request(GET.to_owned(), body)).await;
    assert!(!matches!(asked, Ok(Ok(_))), "exit's identity got an answer from identification: {asked:?}");
    for subject in ["chain.identification.>", "_INBOX_gateway.>", "chain.evt.identification.>"] {
        let mut sub = exit.subscribe(subject.to_owned()).await.unwrap();
        let ids = [rid("52062419800101051")];
        t.post("VILLAGE", "/v1/households", application(&ids)).await;
        let seen = tokio::time::timeout(Duration::from_millis(500), sub.next()).await;
        assert!(!matches!(seen, Ok(Some(_))), "exit's identity read {subject}");
    }
    t.stop().await;
}

/// Runs `openssl` with `args` in `dir`.
pub(crate) fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A certificate authority (`ca.pem`) and a server certificate for 127.0.0.1 and `localhost`
/// signed by it (`server.pem`, `server.key`), in `dir`.
pub(crate) fn certificates(dir: &std::path::Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=chain test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bus_configured_for_tls_connects_only_over_tls_to_the_server_it_trusts() {
    let Some(binary) = chain::nats::find_binary() else { panic!("{}", chain::nats::INSTALL_HINT) };
    let dir = std::env::temp_dir().join(format!("chain-test-tls-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let credentials = chain::nats::BusCredentials::generate().unwrap();
    let tls = format!(
        "tls {{ cert_file: \"{}\", key_file: \"{}\" }}",
        dir.join("server.pem").display(),
        dir.join("server.key").display()
    );
    let server = chain::nats::NatsServer::start_configured(&binary, &dir, &credentials, "chain", &tls)
        .await
        .expect("a TLS server starts");
    let trusted = chain_bus::Tls { ca_file: Some(dir.join("ca.pem")), client: None };

    // With the authority's certificate, the whole bus works over TLS: JetStream included.
    let over_tls = credentials.of("identification").with_tls(Some(trusted));
    let bus = chain_bus::Bus::connect(server.url(), "chain", &over_tls).await.expect("connects over TLS");
    assert!(bus.client().server_info().tls_required, "the server demands TLS");

    // Without it the server's certificate is not trusted, and a plain connection is refused.
    let untrusted = credentials.of("identification").with_tls(Some(chain_bus::Tls::default()));
    let refused = tokio::time::timeout(Duration::from_secs(10), untrusted.options().connect(server.url())).await;
    assert!(matches!(refused, Ok(Err(_))), "a client that does not trust the server's certificate connected");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
