//! The audit trail against someone who can write a service's database: the chain is keyed,
//! checkpointed outside the database, and `verify` reports a truncation below a checkpoint; and
//! the free text that reaches it is normalised and refused when it would lie on a screen.

use chain_store::audit::{self, MasterKey, Verdict};
use chain_system_tests::{AUDIT_MASTER_KEY, application, eventually, rid, spawn};
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_normalised_and_a_right_to_left_override_is_refused_on_its_field() {
    let t = spawn().await;
    let mut app = application(&[rid("52062419800101002")]);
    app["members"][0]["name"] = json!("王\u{202E}五");
    let p = t.post("VILLAGE", "/v1/households", app).await;
    p.problem(422, "validation");
    assert_eq!(p.body["errors"][0]["field"], "members/0/name", "{}", p.body);
    assert!(p.body["errors"][0]["message"].as_str().unwrap().contains("U+202E"), "{}", p.body);

    let mut app = application(&[rid("52062419800101002")]);
    app["members"][0]["name"] = json!(" Jose\u{301} ");
    let id = t.post("VILLAGE", "/v1/households", app).await.ok(201)["id"].as_str().unwrap().to_owned();
    assert_eq!(t.household(&id).await["members"][0]["name"], "Jos\u{e9}", "stored in NFC, trimmed");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_is_checkpointed_outside_its_database_and_a_truncation_below_it_is_reported() {
    let t = spawn().await;
    for first17 in ["52062419800101002", "52062419800101003"] {
        t.post("VILLAGE", "/v1/households", application(&[rid(first17)])).await.ok(201);
    }
    let db = chain_store::connect(&t.databases.identification).await.unwrap();
    let key = MasterKey::from_bytes(AUDIT_MASTER_KEY).for_service("identification");
    let client = t.nats_admin().await;
    let head = || async { audit::head::Entity::find_by_id(1).one(&db).await.unwrap().unwrap() };
    let checkpoints = eventually("a checkpoint of the head, with nothing left to seal", || async {
        if audit::unsealed(&db).await.unwrap() > 0 {
            return None;
        }
        let head = head().await;
        let cps = chain_kit::audit::checkpoints(&client, "chain", "identification").await.unwrap();
        cps.last().is_some_and(|cp| cp.seq == head.seq && cp.mac == head.hash).then_some(cps)
    })
    .await;
    let signed = checkpoints.last().unwrap().seq;
    assert!(signed >= 2, "both registrations are in the checkpointed chain");
    match audit::verify(&db, &key, &checkpoints).await.unwrap() {
        Verdict::Intact { entries, unkeyed: 0, checkpoint: Some(seq) } => {
            assert_eq!((entries, seq), (signed, signed));
        }
        other => panic!("an untampered chain does not verify: {other:?}"),
    }
    // Someone with write access removes the newest entry and lowers the head to match.
    audit::Entity::delete_by_id(signed).exec(&db).await.unwrap();
    let previous = audit::Entity::find_by_id(signed - 1).one(&db).await.unwrap().unwrap();
    let lowered = audit::head::ActiveModel {
        id: sea_orm::Set(1),
        seq: sea_orm::Set(signed - 1),
        hash: sea_orm::Set(previous.hash),
        chain: sea_orm::NotSet,
    };
    audit::head::Entity::update(lowered).exec(&db).await.unwrap();
    let checkpoints = chain_kit::audit::checkpoints(&client, "chain", "identification").await.unwrap();
    match audit::verify(&db, &key, &checkpoints).await.unwrap() {
        Verdict::Broken { at_seq, reason } => {
            assert_eq!(at_seq, signed);
            assert!(reason.contains("missing"), "{reason}");
        }
        intact => panic!("a truncation below a checkpoint went unnoticed: {intact:?}"),
    }
    // The service does not vouch for the shortened chain either.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = chain_kit::audit::checkpoints(&client, "chain", "identification").await.unwrap();
    assert_eq!(after.last(), checkpoints.last(), "no checkpoint of the truncated head");
    db.close().await.ok();
    t.stop().await;
}
