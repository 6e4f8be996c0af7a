//! The same story attempted by an official of another county: every step refused, nothing changed.

use chain_system_tests::{application, eventually, rid, spawn};
use serde_json::json;

use crate::story::{identified_household, plan_body, plan_task, today};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_of_another_county_is_refused_at_every_step_and_changes_nothing() {
    let t = spawn().await;

    // Registering in a Sinan village from Shiqian: forbidden, nothing stored.
    let ids = [rid("52062419700101008")];
    t.post("SHIQIAN", "/v1/households", application(&ids)).await.problem(403, "forbidden");

    // A Sinan household as Shiqian sees it: exactly like a missing one.
    let h = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    let missing = t.get("SHIQIAN", &format!("/v1/households/{}", uuid::Uuid::now_v7())).await;
    let foreign = t.get("SHIQIAN", &format!("/v1/households/{id}")).await;
    missing.problem(404, "not-found");
    foreign.problem(404, "not-found");
    assert_eq!(missing.body["detail"], foreign.body["detail"]);
    for verb in ["appraise", "verify", "review", "approve", "reject"] {
        let body = json!({ "votes_for": 5, "votes_against": 0, "reason": "not poor" });
        t.post("SHIQIAN", &format!("/v1/households/{id}:{verb}"), body).await.problem(404, "not-found");
    }
    assert_eq!(t.get("SINAN", &format!("/v1/households/{id}")).await.ok(200)["status"], "applied");

    // The layer matters too: the township cannot appraise for the village, nor the county.
    let appraisal = json!({ "votes_for": 5, "votes_against": 0 });
    t.post("TANGTOU", &format!("/v1/households/{id}:appraise"), appraisal.clone()).await.problem(403, "forbidden");
    t.post("SINAN", &format!("/v1/households/{id}:appraise"), appraisal).await.problem(403, "forbidden");
    // And a step out of order is a conflict, not a shortcut.
    t.post("TANGTOU", &format!("/v1/households/{id}:review"), json!({})).await.problem(409, "invalid-transition");
    t.post("SINAN", &format!("/v1/households/{id}:approve"), json!({})).await.problem(409, "invalid-transition");
    assert_eq!(t.get("SINAN", &format!("/v1/households/{id}")).await.ok(200)["status"], "applied");

    // Plans, funds and exits of a Sinan household.
    let ids2 = [rid("52062419700202009")];
    let hid = identified_household(&t, &ids2).await;
    plan_task(&t, &hid).await;
    t.post("SHIQIAN", "/v1/plans", plan_body(&hid)).await.problem(404, "not-found");
    let plan = t.post("VILLAGE", "/v1/plans", plan_body(&hid)).await.ok(201).clone();
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    t.get("SHIQIAN", &format!("/v1/plans/{plan_id}")).await.problem(404, "not-found");
    t.post("SHIQIAN", &format!("/v1/plans/{plan_id}:approve"), json!({})).await.problem(404, "not-found");
    assert_eq!(t.get("SINAN", &format!("/v1/plans/{plan_id}")).await.ok(200)["status"], "draft");
    t.post("VILLAGE", &format!("/v1/plans/{plan_id}:acknowledge"), json!({ "by": "户主", "on": today(&t) }))
        .await
        .ok(200);
    t.post("TANGTOU", &format!("/v1/plans/{plan_id}:submit"), json!({})).await.ok(200);
    t.post("SINAN", &format!("/v1/plans/{plan_id}:approve"), json!({})).await.ok(200);

    t.allocate("SHIQIAN", "520624", 100).await.problem(403, "forbidden");
    t.allocate("CENTRAL", "52", 1_000_000).await.ok(201);
    t.allocate("GUIZHOU", "520624", 1_000_000).await.ok(201);
    // Wait until funding knows the plan, then try to pay it from Shiqian.
    eventually("funding to learn of the plan", || async {
        let d = t
            .post("SINAN", "/v1/disbursements", json!({ "plan_id": plan_id, "amount_fen": 1, "purpose": "probe" }))
            .await;
        (d.status == 201).then_some(())
    })
    .await;
    t.post("SHIQIAN", "/v1/disbursements", json!({ "plan_id": plan_id, "amount_fen": 100, "purpose": "x" }))
        .await
        .problem(404, "not-found");
    t.get("SHIQIAN", "/v1/accounts/520624").await.problem(404, "not-found");
    t.get("SHIQIAN", "/v1/ledger/check").await.problem(403, "forbidden");

    let guarantees = json!({ "food": true, "clothing": true, "compulsory_education": true, "basic_medical_care": true, "safe_housing": true, "safe_drinking_water": true });
    let exit_body =
        json!({ "household_id": hid, "year": 2017, "per_capita_income_fen": 500_000, "guarantees": guarantees });
    let exit = eventually("exit to learn of the household", || async {
        let p = t.post("SINAN", "/v1/exits", exit_body.clone()).await;
        (p.status == 201).then_some(p.body)
    })
    .await;
    let exit_id = exit["id"].as_str().unwrap().to_owned();
    t.post("SHIQIAN", &format!("/v1/exits/{exit_id}:acknowledge"), json!({ "acknowledged_by": "x" }))
        .await
        .problem(404, "not-found");
    t.post("SHIQIAN", &format!("/v1/exits/{exit_id}:approve"), json!({})).await.problem(404, "not-found");
    assert_eq!(t.get("SINAN", &format!("/v1/exits/{exit_id}")).await.ok(200)["status"], "proposed");

    // Shiqian's task list shows nothing of Sinan's work; Sinan's shows its own.
    assert_eq!(t.get("SHIQIAN", "/v1/tasks").await.ok(200).as_array().unwrap().len(), 0);
    assert!(!t.get("SINAN", "/v1/tasks").await.ok(200).as_array().unwrap().is_empty());

    // And the money did not move: Sinan paid only the 1-fen probe.
    let sinan = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!(sinan["balance_fen"], 999_999);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_token_are_unauthenticated() {
    let t = spawn().await;
    let none = t.send(reqwest::Method::GET, "/v1/tasks", "", None, &[]).await;
    none.problem(401, "unauthenticated");
    let garbage = t.send(reqwest::Method::GET, "/v1/tasks", "not.a.token", None, &[]).await;
    garbage.problem(401, "unauthenticated");
    // A token signed by another key.
    let stranger = chain_gateway::SigningKey::generate().unwrap();
    let forged = chain::demo::official("CENTRAL").token(&stranger, "chain", "chain-api", 3600);
    t.send(reqwest::Method::GET, "/v1/tasks", &forged, None, &[]).await.problem(401, "unauthenticated");
    t.stop().await;
}
