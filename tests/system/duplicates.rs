//! Duplicates on registration: an application naming a resident ID already in an active household
//! is kept as a suspected duplicate with an adjudication task at the lowest layer covering both
//! households; nothing is merged or dropped without a decision.

use chain::demo::Official;
use chain_api::Role;
use chain_system_tests::{TestSystem, application, rid, spawn};
use serde_json::{Value, json};

/// A village operator in Kunming, Yunnan: another province.
const KUNMING_VILLAGE: Official = Official {
    var: "KUNMING_VILLAGE",
    subject: "cuihu-operator",
    title: "Cuihu West Road community (530102001001)",
    jurisdiction: "530102001001",
    roles: &[Role::Operator],
};

async fn tasks_of(t: &TestSystem, who: &str, kind: &str, subject: &str) -> Vec<Value> {
    let found = t.get(who, &format!("/v1/tasks?kind={kind}&subject_id={subject}")).await;
    found.ok(200).as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_in_the_same_county_is_adjudicated_by_the_county() {
    let t = spawn().await;
    let x = rid("52062419700101001");
    let first = t.post("VILLAGE", "/v1/households", application(&[x.clone(), rid("52062419720202002")])).await;
    let first_id = first.ok(201)["id"].as_str().unwrap().to_owned();

    // The same person in a second application: kept, not refused, not merged.
    let second = t.post("VILLAGE", "/v1/households", application(&[rid("52062419690303003"), x.clone()])).await;
    assert_eq!(second.status.as_u16(), 202, "{}", second.body);
    let app = second.body.clone();
    assert_eq!(app["status"], "suspected_duplicate");
    assert_eq!(app["adjudication"]["division"], "520624");
    assert_eq!(app["adjudication"]["members"], json!([1]));
    let id = app["id"].as_str().unwrap().to_owned();
    assert!(tasks_of(&t, "SINAN", "identification.household", &id).await.is_empty(), "no procedure before a decision");

    // The county's task shows both records, IDs masked.
    let task = tasks_of(&t, "SINAN", "identification.duplicate", &id).await.remove(0);
    assert_eq!(task["id"], app["adjudication"]["task_id"]);
    let record = &task["body"][0];
    assert_eq!((&record["existing_household_id"], &record["application_id"]), (&json!(first_id), &json!(id)));
    assert_eq!(record["resident_id"], format!("{}********{}", &x[..6], &x[14..]));
    assert!(!task.to_string().contains(&x), "no unmasked ID in the task");

    // Only an approver of the county decides; others are refused, and nothing changes.
    let decision = json!({ "decision": "duplicate", "reason": "同一户重复申报" });
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:adjudicate"), decision.clone()).await.problem(403, "forbidden");
    t.post("SHIQIAN", &format!("/v1/households/{id}:adjudicate"), decision.clone()).await.problem(404, "not-found");
    t.post("SINAN", &format!("/v1/households/{id}:adjudicate"), json!({ "decision": "duplicate", "reason": "" }))
        .await
        .problem(422, "validation");
    let decided = t.post("SINAN", &format!("/v1/households/{id}:adjudicate"), decision.clone()).await.ok(200).clone();
    assert_eq!(decided["status"], "rejected");
    assert_eq!(tasks_of(&t, "SINAN", "identification.duplicate", &id).await[0]["state"], "signed_off");
    t.post("SINAN", &format!("/v1/households/{id}:adjudicate"), decision).await.problem(409, "invalid-transition");
    // The first household is untouched.
    let kept = t.household(&first_id).await;
    assert_eq!((&kept["status"], kept["members"].as_array().unwrap().len()), (&json!("applied"), 2));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_moved_provinces_is_transferred_by_the_centre() {
    let t = spawn().await;
    let x = rid("52062419880808004");
    let first = t.post("VILLAGE", "/v1/households", application(&[rid("52062419600606005"), x.clone()])).await;
    let first_id = first.ok(201)["id"].as_str().unwrap().to_owned();

    // A household in Kunming names the same person (married there).
    let mut body = application(&[rid("53010219870707006"), x.clone()]);
    body["village"] = json!("530102001001");
    let token = t.token_for(&KUNMING_VILLAGE);
    let second = t.send(reqwest::Method::POST, "/v1/households", &token, Some(body), &[]).await;
    assert_eq!(second.status.as_u16(), 202, "{}", second.body);
    assert_eq!(second.body["adjudication"]["division"], "CN", "only the centre covers both provinces");
    let id = second.body["id"].as_str().unwrap().to_owned();

    // Guizhou cannot decide for Yunnan's household; the centre transfers the person.
    let transfer = json!({ "decision": "transfer", "reason": "2015年嫁入昆明，户口已迁移" });
    t.post("GUIZHOU", &format!("/v1/households/{id}:adjudicate"), transfer.clone()).await.problem(404, "not-found");
    let decided = t.post("CENTRAL", &format!("/v1/households/{id}:adjudicate"), transfer).await.ok(200).clone();
    assert_eq!(decided["status"], "applied");
    let procedure = tasks_of(&t, "CENTRAL", "identification.household", &id).await;
    assert_eq!(procedure.len(), 3, "the application entered the procedure: {procedure:?}");

    // The person left the Guizhou household, which keeps its other member; the move is audited.
    let left = t.household(&first_id).await;
    assert_eq!(left["members"].as_array().unwrap().len(), 1);
    assert_eq!(left["version"], 2);
    let audit = t.get("CENTRAL", "/v1/audit?service=identification&limit=1000").await.ok(200).clone();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "household.member-transferred" && e["subject_id"] == json!(first_id))
    );
    // And the ID is now held by the Kunming household: a third application is a suspect again.
    let third = t.post("VILLAGE", "/v1/households", application(&[rid("52062419500505007"), x])).await;
    assert_eq!(third.status.as_u16(), 202);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_that_would_empty_a_household_is_refused_and_changes_nothing() {
    let t = spawn().await;
    let x = rid("52062419770707008");
    let alone = t.post("VILLAGE", "/v1/households", application(std::slice::from_ref(&x))).await;
    let alone_id = alone.ok(201)["id"].as_str().unwrap().to_owned();
    let second = t.post("VILLAGE", "/v1/households", application(&[x, rid("52062419780808009")])).await;
    let id = second.body["id"].as_str().unwrap().to_owned();
    let transfer = json!({ "decision": "transfer", "reason": "合户" });
    t.post("SINAN", &format!("/v1/households/{id}:adjudicate"), transfer).await.problem(409, "invalid-transition");
    assert_eq!(t.household(&id).await["status"], "suspected_duplicate");
    assert_eq!(t.household(&alone_id).await["members"].as_array().unwrap().len(), 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitoring_signal_naming_a_registered_person_points_at_their_household() {
    let t = spawn().await;
    let x = rid("52062419790909010");
    let h = t.post("VILLAGE", "/v1/households", application(std::slice::from_ref(&x))).await;
    let hid = h.ok(201)["id"].as_str().unwrap().to_owned();
    let today = chain_domain::calendar::beijing_date(t.clock.now()).to_string();
    let signal = json!({
        "village": "520624101201", "head_name": "某某", "head_resident_id": x, "group": "marginal",
        "channel": "data_analysis", "signal_date": today, "year": 2021, "per_capita_income_fen": 480000, "has_labour": true,
    });
    let refused = t.post("VILLAGE", "/v1/monitoring", signal).await;
    let body = refused.problem(409, "duplicate-resident-id");
    assert_eq!(body["errors"][0]["field"], "head_resident_id");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains(&hid));
    assert!(!refused.body.to_string().contains(&x));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_member_checks_the_same_nationwide_rule() {
    let t = spawn().await;
    let other = rid("52062419810101011");
    t.post("VILLAGE", "/v1/households", application(std::slice::from_ref(&other))).await.ok(201);
    let h = t.post("VILLAGE", "/v1/households", application(&[rid("52062419820202012")])).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/households/{id}:add-member");

    let child =
        json!({ "name": "新生儿", "resident_id": rid("52062420160303013"), "relation": "child", "health": "healthy" });
    let added = t.post("VILLAGE", &path, child.clone()).await.ok(200).clone();
    assert_eq!(added["members"].as_array().unwrap().len(), 2);
    assert_eq!((&added["members"][1]["relation"], &added["version"]), (&json!("child"), &json!(2)));
    // Twice, or someone of another household: refused, the other household named, nothing stored.
    t.post("VILLAGE", &path, child).await.problem(409, "duplicate-resident-id");
    let moved = json!({ "name": "外户成员", "resident_id": other, "relation": "spouse" });
    let refused = t.post("VILLAGE", &path, moved).await;
    refused.problem(409, "duplicate-resident-id");
    assert!(!refused.body.to_string().contains(&other));
    t.post("VILLAGE", &path, json!({ "name": "户主", "resident_id": rid("52062419830303014"), "relation": "head" }))
        .await
        .problem(422, "validation");
    t.post("SHIQIAN", &path, json!({ "name": "甲", "resident_id": rid("52062419830303015"), "relation": "child" }))
        .await
        .problem(404, "not-found");
    assert_eq!(t.household(&id).await["members"].as_array().unwrap().len(), 2);
    t.stop().await;
}
