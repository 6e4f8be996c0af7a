//! Idempotency keys never stick: a client that gives up still gets its answer stored, a key left
//! in flight by a gateway that died resolves to what the services did (or runs what they never
//! saw), an expired key is new again, and a replay carries `Location`.

use std::time::Duration;

use chain::demo::official;
use chain_gateway::idempotency::{Column, Entity};
use chain_system_tests::{TestSystem, application, backend, eventually, rid, spawn};
use reqwest::Method;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, Set};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The gateway database, as the test inspects it.
async fn gateway_db(t: &TestSystem) -> chain_store::Db {
    chain_store::connect(&t.databases.gateway).await.expect("the gateway database")
}

/// The record of `key` of the village operator.
fn scope(key: &str) -> String {
    format!("{} {key}", official("VILLAGE").subject)
}

/// How the gateway fingerprints a POST to `path` with `body` (method, path and body).
fn request_hash(path: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update("POST");
    h.update([0]);
    h.update(path);
    h.update([0]);
    h.update(serde_json::to_vec(body).unwrap());
    hex::encode(h.finalize())
}

#[expect(clippy::disallowed_methods, reason = "claims and expiry are measured by the wall clock")]
fn ago(d: chrono::Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - d
}

/// Blocks writes to the identification database until the returned holder is released.
struct WriteHold {
    db: chain_store::Db,
    txn: Option<sea_orm::DatabaseTransaction>,
}

impl WriteHold {
    async fn take(t: &TestSystem) -> WriteHold {
        let db = chain_store::connect(&t.databases.identification).await.expect("the identification database");
        if backend() == "postgres" {
            let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
            txn.execute_unprepared("LOCK TABLE households IN EXCLUSIVE MODE").await.unwrap();
            WriteHold { db, txn: Some(txn) }
        } else {
            db.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
            WriteHold { db, txn: None }
        }
    }

    async fn release(self) {
        match self.txn {
            Some(txn) => txn.commit().await.unwrap(),
            None => {
                self.db.execute_unprepared("COMMIT").await.unwrap();
            }
        }
    }
}

async fn register(t: &TestSystem, key: &str, body: &Value) -> chain_system_tests::Answer {
    let token = t.token("VILLAGE");
    t.send(Method::POST, "/v1/households", &token, Some(body.clone()), &[("Idempotency-Key", key)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_gives_up_mid_request_learns_the_outcome_under_its_key() {
    let t = spawn().await;
    let body = application(&[rid("52062419770707001")]);
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap();
    // The client sends the registration and gives up before the service can write it. On SQLite a
    // transaction that read before the held write lock can be refused at once ("database is
    // locked", a 500 that releases the key) instead of waiting; the scenario is then set up
    // again under a new key.
    let mut attempt = 0;
    let (hold, key) = loop {
        attempt += 1;
        let key = format!("gives-up-{attempt}");
        let hold = WriteHold::take(&t).await;
        let sent = impatient
            .post(format!("{}/v1/households", t.base))
            .bearer_auth(t.token("VILLAGE"))
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .await;
        match sent {
            Err(_) => break (hold, key),
            Ok(r) if backend() == "sqlite" && r.status().as_u16() == 500 && attempt < 10 => hold.release().await,
            Ok(r) => panic!("the client gave up before an answer: {r:?}"),
        }
    };
    let key = key.as_str();
    // Meanwhile a retry is told to come back later.
    let early = register(&t, key, &body).await;
    early.problem(409, "idempotency-in-flight");
    let wait: u64 = early.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    hold.release().await;

    let replayed = eventually("the abandoned request's answer", || async {
        let a = register(&t, key, &body).await;
        (a.status.as_u16() == 201).then_some(a)
    })
    .await;
    assert_eq!(replayed.headers["idempotent-replayed"], "true", "the answer was stored without the client");
    let id = replayed.body["id"].as_str().unwrap();
    t.get("VILLAGE", &format!("/v1/households/{id}")).await.ok(200);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_left_in_flight_by_a_dead_gateway_resolves_to_what_the_service_did() {
    let t = spawn().await;
    let db = gateway_db(&t).await;
    let body = application(&[rid("52062419770707001")]);
    let first = register(&t, "crash-1", &body).await;
    let id = first.ok(201)["id"].clone();

    // The gateway died after the service committed, before it stored the answer.
    let forget = |claimed_at| {
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(Option::<i32>::None))
            .col_expr(Column::Body, Expr::value(Option::<String>::None))
            .col_expr(Column::Claim, Expr::value("a claim of the dead gateway"))
            .col_expr(Column::ClaimedBy, Expr::value("a dead gateway"))
            .col_expr(Column::ClaimedAt, Expr::value(claimed_at))
            .filter(Column::ScopeKey.eq(scope("crash-1")))
    };
    forget(ago(chrono::Duration::seconds(1))).exec(&db).await.unwrap();
    let within = register(&t, "crash-1", &body).await;
    within.problem(409, "idempotency-in-flight");
    assert!(within.headers.contains_key("retry-after"));

    // Once its lease has run out, a retry takes the key over and gets the committed outcome: the
    // same household, not a second registration (which would be refused as a duplicate).
    forget(ago(chrono::Duration::hours(2))).exec(&db).await.unwrap();
    let resolved = register(&t, "crash-1", &body).await;
    assert_eq!(resolved.ok(201)["id"], id, "the retry learns the household registered before the crash");
    let again = register(&t, "crash-1", &body).await;
    assert_eq!(again.ok(201)["id"], id);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_left_in_flight_before_the_service_saw_it_runs_on_retry() {
    let t = spawn().await;
    let db = gateway_db(&t).await;
    let body = application(&[rid("52062419770707028")]);
    // The gateway claimed the key and died before forwarding the request.
    let now = ago(chrono::Duration::hours(2));
    chain_gateway::idempotency::ActiveModel {
        scope_key: Set(scope("crash-2")),
        request_hash: Set(request_hash("/v1/households", &body)),
        status: Set(None),
        content_type: Set(None),
        etag: Set(None),
        body: Set(None),
        created_at: Set(now),
        request_id: Set(Some(uuid::Uuid::now_v7().simple().to_string())),
        claim: Set(Some("a claim of the dead gateway".into())),
        claimed_by: Set(Some("a dead gateway".into())),
        claimed_at: Set(Some(now)),
        headers: Set(None),
    }
    .insert(&db)
    .await
    .unwrap();
    let ran = register(&t, "crash-2", &body).await;
    let id = ran.ok(201)["id"].as_str().unwrap().to_owned();
    assert!(!ran.headers.contains_key("idempotent-replayed"), "the request ran now");
    t.get("VILLAGE", &format!("/v1/households/{id}")).await.ok(200);
    assert_eq!(register(&t, "crash-2", &body).await.ok(201)["id"], id.as_str());
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_older_than_the_ttl_is_new_again() {
    let t = spawn().await;
    let db = gateway_db(&t).await;
    let first = register(&t, "old-1", &application(&[rid("52062419770707001")])).await;
    let first_id = first.ok(201)["id"].clone();
    // Within the TTL, another request under the key is refused.
    let other = application(&[rid("52062419770707028")]);
    register(&t, "old-1", &other).await.problem(422, "idempotency-key-reused");

    // A day and an hour later the record is treated as absent: the key runs a new request.
    Entity::update_many()
        .col_expr(Column::CreatedAt, Expr::value(ago(chrono::Duration::hours(25))))
        .filter(Column::ScopeKey.eq(scope("old-1")))
        .exec(&db)
        .await
        .unwrap();
    let renewed = register(&t, "old-1", &other).await;
    assert_ne!(renewed.ok(201)["id"], first_id);
    assert!(!renewed.headers.contains_key("idempotent-replayed"));

    // The services forget answers older than the TTL too.
    let services = chain_store::connect(&t.databases.identification).await.unwrap();
    let remembered = chain_store::answers::Entity::find().count(&services).await.unwrap();
    assert!(remembered >= 2, "the service remembered the answers by request id ({remembered})");
    chain_store::answers::Entity::update_many()
        .col_expr(chain_store::answers::Column::AnsweredAt, Expr::value(ago(chrono::Duration::hours(25))))
        .exec(&services)
        .await
        .unwrap();
    eventually("expired answers pruned", || async {
        (chain_store::answers::Entity::find().count(&services).await.unwrap() == 0).then_some(())
    })
    .await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_answer_carries_its_location() {
    let t = spawn().await;
    let body = crate::adjustment::campaign_directive(&t);
    let token = t.token("CENTRAL");
    let key = [("Idempotency-Key", "directive-1")];
    let first = t.send(Method::POST, "/v1/directives", &token, Some(body.clone()), &key).await;
    first.ok(201);
    let location = first.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/v1/tasks/"), "{location}");
    let again = t.send(Method::POST, "/v1/directives", &token, Some(body), &key).await;
    again.ok(201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.headers["location"], location.as_str());
    assert_eq!(again.headers["etag"], first.headers["etag"]);
    t.stop().await;
}
