//! Public-notice windows on directive tasks: an objection interrupts the notice and sends the task
//! back; it passes only when a window runs out with no open objection.

use chain_system_tests::{eventually, spawn};
use chrono::Duration;
use serde_json::{Value, json};

use super::support::{due_in, id_of, issue, read, stepped, task_at, version_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_window_with_an_objection() {
    let t = spawn().await;
    let kind = "identification.review";
    let village_code = "520624101201";
    let issued = issue(
        &t,
        "SINAN",
        kind,
        json!({ "divisions": [village_code] }),
        &due_in(&t, 40),
        json!({ "notice_kind": "identification.village" }),
    )
    .await;
    assert_eq!(issued["opened"], 2);
    assert_eq!(issued["task"]["notice_kind"], Value::Null, "only the targets post the notice");
    let village = task_at(&t, "VILLAGE", kind, village_code).await;
    let township = task_at(&t, "TANGTOU", kind, "520624101").await;
    let (village_id, township_id) = (id_of(&village), id_of(&township));
    assert_eq!(village["notice_kind"], "identification.village");
    assert_eq!(township["notice_kind"], Value::Null);

    // No submission before a notice has passed; only the village posts it.
    t.step("VILLAGE", &village_id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    t.step("TANGTOU", &village_id, "open-notice", None, json!({})).await.problem(403, "forbidden");
    let opened = t.step("VILLAGE", &village_id, "open-notice", Some(version_of(&village)), json!({})).await;
    let notice = opened.ok(200).clone();
    assert_eq!(opened.headers["etag"], "\"1\"");
    let notice_id = notice["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&notice["state"], &notice["days"], &notice["kind"], &notice["division"], &notice["task_id"]),
        (&json!("open"), &json!(7), &json!("identification.village"), &json!(village_code), &json!(village_id))
    );
    let instant = |v: &Value| v.as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert_eq!(instant(&notice["closes_at"]) - instant(&notice["opened_at"]), Duration::days(7));
    assert_eq!(read(&t, "VILLAGE", &village_id).await["state"], "in_progress");
    t.step("VILLAGE", &village_id, "submit", None, json!({})).await.problem(409, "invalid-transition");

    // Another county neither sees the notice nor is heard; the township is.
    t.get("SHIQIAN", &format!("/v1/notices/{notice_id}")).await.problem(404, "not-found");
    let objections = format!("/v1/notices/{notice_id}/objections");
    let objection = json!({ "reason": "该户家庭收入超过识别标准", "lodged_for": "村民张某" });
    t.post("SHIQIAN", &objections, objection.clone()).await.problem(404, "not-found");
    let lodged = t.post("TANGTOU", &objections, objection.clone()).await;
    let lodged_body = lodged.ok(201).clone();
    assert_eq!(lodged.headers["etag"], "\"1\"");
    assert_eq!(
        (&lodged_body["state"], &lodged_body["lodged_by"], &lodged_body["lodged_for"], &lodged_body["task_id"]),
        (&json!("open"), &json!("tangtou-official"), &json!("村民张某"), &json!(village_id))
    );
    let objection_id = lodged_body["id"].as_str().unwrap().to_owned();
    let interrupted = t.get("VILLAGE", &format!("/v1/notices/{notice_id}")).await.ok(200).clone();
    assert_eq!(interrupted["state"], "interrupted");
    assert_eq!(interrupted["objections"].as_array().unwrap().len(), 1);
    assert_eq!(read(&t, "VILLAGE", &village_id).await["state"], "returned");
    t.post("TANGTOU", &objections, objection).await.problem(409, "invalid-transition");
    t.step("VILLAGE", &village_id, "submit", None, json!({})).await.problem(409, "invalid-transition");

    // The review concludes before the notice is posted again; the village's approver resolves it.
    t.step("VILLAGE", &village_id, "open-notice", None, json!({})).await.problem(409, "invalid-transition");
    let resolve = format!("/v1/objections/{objection_id}:resolve");
    let finding = json!({ "upheld": false, "reason": "经入户核实，收入未超过标准" });
    t.post("VILLAGE", &resolve, finding.clone()).await.problem(403, "forbidden");
    t.post("TANGTOU", &resolve, finding.clone()).await.problem(403, "forbidden");
    t.post("SHIQIAN", &resolve, finding.clone()).await.problem(404, "not-found");
    let resolved = t
        .send(reqwest::Method::POST, &resolve, &t.token("VILLAGEHEAD"), Some(finding.clone()), &[("If-Match", "\"1\"")])
        .await;
    let resolved = resolved.ok(200).clone();
    assert_eq!(
        (&resolved["state"], &resolved["resolved_by"], &resolved["version"]),
        (&json!("dismissed"), &json!("sihebashi-head"), &json!(2))
    );
    t.post("VILLAGEHEAD", &resolve, finding).await.problem(409, "invalid-transition");

    // Posted again; six days on it is still open, after the seventh it passes.
    let again = t.step("VILLAGE", &village_id, "open-notice", None, json!({})).await.ok(200).clone();
    let again_id = again["id"].as_str().unwrap().to_owned();
    assert_ne!(again_id, notice_id);
    t.clock.advance(Duration::days(6));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(t.get("VILLAGE", &format!("/v1/notices/{again_id}")).await.ok(200)["state"], "open");
    t.step("VILLAGE", &village_id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(Duration::days(1) + Duration::minutes(1));
    let passed = eventually("the second notice to pass", || async {
        let n = t.get("VILLAGE", &format!("/v1/notices/{again_id}")).await;
        (n.status == 200 && n.body["state"] == "passed").then_some(n.body)
    })
    .await;
    assert!(passed["objections"].as_array().unwrap().is_empty());
    t.post("TANGTOU", &format!("/v1/notices/{again_id}/objections"), json!({ "reason": "太晚了" }))
        .await
        .problem(409, "invalid-transition");

    // Now the village submits, and the work climbs on without another notice.
    stepped(&t.step("VILLAGE", &village_id, "submit", None, json!({})).await, "submitted");
    stepped(&t.step("TANGTOU", &village_id, "sign-off", None, json!({})).await, "signed_off");
    stepped(&t.step("TANGTOU", &township_id, "submit", None, json!({})).await, "submitted");
    stepped(&t.step("SINAN", &township_id, "sign-off", None, json!({})).await, "signed_off");
    t.stop().await;
}
