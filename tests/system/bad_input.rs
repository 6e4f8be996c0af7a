//! Bad input: each gets a clear problem+json and nothing is written.

use chain_system_tests::{application, eventually, rid, spawn};
use serde_json::json;

use crate::story::{identified_household, plan_body, plan_task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_households_are_refused_field_by_field_and_nothing_is_written() {
    let t = spawn().await;
    let good = rid("52062419800101002");
    let mut wrong_check = good.clone();
    let last = if wrong_check.ends_with('1') { '2' } else { '1' };
    wrong_check.pop();
    wrong_check.push(last);

    let p = t.post("VILLAGE", "/v1/households", application(&[good.clone(), wrong_check.clone()])).await;
    p.problem(422, "validation");
    assert_eq!(p.body["errors"][0]["field"], "members/1/resident_id");
    assert!(!p.body.to_string().contains(&wrong_check), "an error never echoes an ID number");

    let impossible_date = rid("52062419800230002");
    let p = t.post("VILLAGE", "/v1/households", application(&[impossible_date])).await;
    p.problem(422, "validation");
    assert!(p.body["errors"][0]["message"].as_str().unwrap().contains("birth date"), "{}", p.body);

    let mut unknown = application(std::slice::from_ref(&good));
    unknown["village"] = json!("520624999999");
    let p = t.post("VILLAGE", "/v1/households", unknown).await;
    p.problem(422, "validation");
    assert_eq!(p.body["errors"][0]["field"], "village");

    let mut negative = application(std::slice::from_ref(&good));
    negative["per_capita_income_fen"] = json!(-1);
    t.post("VILLAGE", "/v1/households", negative).await.problem(422, "validation");

    // None of the above was stored: the valid ID is still free to register exactly once.
    t.post("VILLAGE", "/v1/households", application(std::slice::from_ref(&good))).await.ok(201);
    // A second application naming the same person is kept for adjudication, not registered.
    let dup = t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101010"), good.clone()])).await;
    assert_eq!(dup.status.as_u16(), 202, "{}", dup.body);
    assert_eq!(dup.body["status"], "suspected_duplicate");
    assert_eq!(dup.body["adjudication"]["members"], json!([1]));
    // ... and the suspect claims none of its members' IDs until it is decided.
    t.post("VILLAGE", "/v1/households", application(&[rid("52062419800101010")])).await.ok(201);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_money_and_over_spending_are_refused_and_the_ledger_stays_balanced() {
    let t = spawn().await;
    t.allocate("CENTRAL", "52", -5).await.problem(422, "validation");
    t.allocate("CENTRAL", "52", 1_000).await.ok(201);
    // Guizhou received 1,000 fen and cannot pass on more.
    t.allocate("GUIZHOU", "520624", 1_001).await.problem(422, "insufficient-funds");
    t.allocate("GUIZHOU", "520624", 600).await.ok(201);

    let hid = identified_household(&t, &[rid("52062419850505007")]).await;
    plan_task(&t, &hid).await;
    let plan = t.post("SINAN", "/v1/plans", plan_body(&hid)).await.ok(201).clone();
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    t.post("SINAN", &format!("/v1/plans/{plan_id}:approve"), json!({})).await.ok(200);
    let over = eventually("funding to learn of the plan", || async {
        let d = t
            .post("SINAN", "/v1/disbursements", json!({ "plan_id": plan_id, "amount_fen": 601, "purpose": "too much" }))
            .await;
        (d.status != 404).then_some(d)
    })
    .await;
    over.problem(422, "insufficient-funds");
    t.post("SINAN", "/v1/disbursements", json!({ "plan_id": plan_id, "amount_fen": 0, "purpose": "nothing" }))
        .await
        .problem(422, "validation");

    let sinan = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!(
        (sinan["received_fen"].as_i64(), sinan["disbursed_fen"].as_i64(), sinan["balance_fen"].as_i64()),
        (Some(600), Some(0), Some(600))
    );
    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!(check["balanced"], true);
    assert_eq!(check["entries"], 4);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_problems_from_the_gateway() {
    let t = spawn().await;
    let token = t.token("VILLAGE");
    let client = reqwest::Client::new();
    let raw = client
        .post(format!("{}/v1/households", t.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(raw.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["type"], "/problems/malformed-json");

    let wrong_type =
        client.post(format!("{}/v1/households", t.base)).bearer_auth(&token).body("{}").send().await.unwrap();
    assert_eq!(wrong_type.status(), 415);

    let missing_field = t.post("VILLAGE", "/v1/households", json!({ "village": "520624101201" })).await;
    missing_field.problem(422, "validation");

    t.get("VILLAGE", "/v1/no-such-thing").await.problem(404, "not-found");
    t.send(reqwest::Method::DELETE, "/v1/households", &token, None, &[]).await.problem(405, "method-not-allowed");
    t.get("VILLAGE", "/v1/households/not-a-uuid").await.problem(404, "not-found");
    t.stop().await;
}
