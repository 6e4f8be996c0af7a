//! The identification procedure through the gateway, on the engine's injected clock: appraisal,
//! verification and the village's notice, an objection that sends the case back, a township that
//! reviews late and is escalated, the township's notice, county approval and announcement; a
//! rejection that frees the members' IDs; a notice that passes across a restart.

use chain_system_tests::{TestSystem, application, eventually, rid, spawn};
use chrono::Duration;
use serde_json::{Value, json};

async fn register(t: &TestSystem, ids: &[String]) -> String {
    let h = t.post("VILLAGE", "/v1/households", application(ids)).await;
    h.ok(201)["id"].as_str().unwrap().to_owned()
}

async fn step(t: &TestSystem, who: &str, id: &str, verb: &str, body: Value) -> Value {
    t.post(who, &format!("/v1/households/{id}:{verb}"), body).await.ok(200).clone()
}

/// The procedure's tasks of a household, by division.
async fn tasks(t: &TestSystem, id: &str) -> Vec<Value> {
    let found = t.get("SINAN", &format!("/v1/tasks?kind=identification.household&subject_id={id}")).await;
    let mut all = found.ok(200).as_array().unwrap().clone();
    all.sort_by_key(|t| t["division"].as_str().unwrap().len());
    all
}

fn states(tasks: &[Value]) -> Vec<(&str, &str)> {
    tasks.iter().map(|t| (t["division"].as_str().unwrap(), t["state"].as_str().unwrap())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notices_an_objection_and_a_late_township() {
    let t = spawn().await;
    let id = register(&t, &[rid("52062419720304001"), rid("52062420010506002")]).await;
    assert_eq!(
        states(&tasks(&t, &id).await),
        vec![("520624", "open"), ("520624101", "open"), ("520624101201", "in_progress")]
    );

    // Verification before the appraisal is out of order; the appraisal is the village's.
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:verify"), json!({})).await.problem(409, "invalid-transition");
    let bad_votes = json!({ "votes_for": 0, "votes_against": 0 });
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:appraise"), bad_votes).await.problem(422, "validation");
    let h = step(&t, "VILLAGEHEAD", &id, "appraise", json!({ "votes_for": 23, "votes_against": 2 })).await;
    assert_eq!(h["status"], "appraised");
    // This province has no data-matching step.
    t.post("SINAN", &format!("/v1/households/{id}:match"), json!({ "passed": true }))
        .await
        .problem(409, "invalid-transition");

    // Verification posts the first notice, 7 days in the village.
    let h = step(&t, "VILLAGEHEAD", &id, "verify", json!({ "note": "入户核实" })).await;
    assert_eq!(h["status"], "first_notice");
    let notice = h["notice"].clone();
    assert_eq!(
        (&notice["kind"], &notice["division"], &notice["days"]),
        (&json!("identification.village"), &json!("520624101201"), &json!(7))
    );
    let notice_id = notice["id"].as_str().unwrap().to_owned();
    // Nobody can jump ahead while the notice is up.
    t.post("TANGTOU", &format!("/v1/households/{id}:review"), json!({})).await.problem(409, "invalid-transition");
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:reject"), json!({ "reason": "x" }))
        .await
        .problem(409, "invalid-transition");

    // A villager's objection, lodged by the township, sends the case back to the village.
    t.clock.advance(Duration::days(3));
    let objection = json!({ "reason": "该户有家庭成员在县城经商", "lodged_for": "村民李某" });
    let lodged = t.post("TANGTOU", &format!("/v1/notices/{notice_id}/objections"), objection).await.ok(201).clone();
    let h = t.household(&id).await;
    assert_eq!(h["status"], "objected");
    assert!(h.get("notice").is_none(), "the interrupted notice is no longer up");
    assert_eq!(states(&tasks(&t, &id).await)[2], ("520624101201", "returned"));
    // The village posts again only once the objection is resolved, and only the village.
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:verify"), json!({})).await.problem(409, "invalid-transition");
    t.post("TANGTOU", &format!("/v1/households/{id}:review"), json!({})).await.problem(409, "invalid-transition");
    let resolve = format!("/v1/objections/{}:resolve", lodged["id"].as_str().unwrap());
    t.post("VILLAGEHEAD", &resolve, json!({ "upheld": false, "reason": "经核实，经商者已分户" })).await.ok(200);
    let h = step(&t, "VILLAGEHEAD", &id, "verify", json!({ "note": "复核后重新公示" })).await;
    assert_eq!(h["status"], "first_notice");
    assert_ne!(h["notice"]["id"], json!(notice_id), "a new notice, a new 7 days");

    // Six days on it is still up; after the seventh it passes, the village's task goes up and the
    // township's 10 days to review begin.
    t.clock.advance(Duration::days(6));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(t.household(&id).await["status"], "first_notice");
    t.clock.advance(Duration::days(1) + Duration::minutes(1));
    t.household_reaches(&id, "awaiting_township").await;
    let after_first = tasks(&t, &id).await;
    assert_eq!(states(&after_first)[2], ("520624101201", "submitted"));
    assert!(after_first[1]["due_at"].is_string(), "the township's deadline starts: {}", after_first[1]);

    // The township lets its deadline and the grace period pass: escalated to the county, and
    // recorded against the township.
    t.clock.advance(Duration::days(13) + Duration::hours(1));
    let escalated = eventually("the township's task to escalate", || async {
        let township = tasks(&t, &id).await.remove(1);
        (township["deadline"] == "escalated").then_some(township)
    })
    .await;
    assert_eq!(escalated["division"], "520624101");
    let records = t.get("SINAN", "/v1/accountability?division=520624101").await.ok(200).clone();
    let records = records.as_array().unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["task_id"] == escalated["id"] && r["kind"] == "overdue" && r["escalated_to"] == "520624"),
        "{records:?}"
    );

    // Late, the township reviews: the village's task is signed off, the second notice goes up.
    let h = step(&t, "TANGTOU", &id, "review", json!({ "note": "乡镇审核（逾期）" })).await;
    assert_eq!(h["status"], "second_notice");
    assert_eq!(h["notice"]["kind"], "identification.township");
    t.post("SINAN", &format!("/v1/households/{id}:approve"), json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(Duration::days(7) + Duration::minutes(1));
    t.household_reaches(&id, "awaiting_county").await;

    // The county approves and announces: every task of the procedure is signed off.
    let h = step(&t, "SINAN", &id, "approve", json!({ "note": "县审定公告" })).await;
    assert_eq!(h["status"], "identified");
    assert_eq!(
        states(&tasks(&t, &id).await),
        vec![("520624", "signed_off"), ("520624101", "signed_off"), ("520624101201", "signed_off")]
    );
    // Planning hears of it.
    eventually("the planning task", || async {
        let found = t.get("SINAN", &format!("/v1/tasks?kind=plan.household&subject_id={id}")).await;
        found.body.as_array().is_some_and(|a| !a.is_empty()).then_some(())
    })
    .await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_household_frees_its_members_ids() {
    let t = spawn().await;
    let ids = [rid("52062419660708003")];
    let id = register(&t, &ids).await;
    step(&t, "VILLAGEHEAD", &id, "appraise", json!({ "votes_for": 14, "votes_against": 3 })).await;
    let h = step(&t, "VILLAGEHEAD", &id, "verify", json!({})).await;
    let notice_id = h["notice"]["id"].as_str().unwrap().to_owned();
    // While the household is in the procedure its members cannot be registered elsewhere: a second
    // application is only a suspected duplicate.
    let suspect = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    assert_eq!((suspect.status.as_u16(), &suspect.body["status"]), (202, &json!("suspected_duplicate")));

    let objection = json!({ "reason": "家有小轿车一辆" });
    let lodged = t.post("VILLAGEHEAD", &format!("/v1/notices/{notice_id}/objections"), objection).await.ok(201).clone();
    let resolve = format!("/v1/objections/{}:resolve", lodged["id"].as_str().unwrap());
    t.post("VILLAGEHEAD", &resolve, json!({ "upheld": true, "reason": "核实属实" })).await.ok(200);
    // The township cannot turn down a case the village holds; a reason is required.
    t.post("TANGTOU", &format!("/v1/households/{id}:reject"), json!({ "reason": "x" })).await.problem(403, "forbidden");
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:reject"), json!({ "reason": " " }))
        .await
        .problem(422, "validation");
    let h = step(&t, "VILLAGEHEAD", &id, "reject", json!({ "reason": "异议成立：家有小轿车" })).await;
    assert_eq!(h["status"], "rejected");
    assert_eq!(
        states(&tasks(&t, &id).await),
        vec![("520624", "cancelled"), ("520624101", "cancelled"), ("520624101201", "cancelled")]
    );
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:verify"), json!({})).await.problem(409, "invalid-transition");
    // The ID is free again.
    t.post("VILLAGE", "/v1/households", application(&ids)).await.ok(201);

    // A failed appraisal ends a case the same way.
    let other = register(&t, &[rid("52062419551212004")]).await;
    let h = step(&t, "VILLAGEHEAD", &other, "appraise", json!({ "votes_for": 4, "votes_against": 11 })).await;
    assert_eq!(h["status"], "rejected");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_passes_across_a_restart() {
    let mut t = spawn().await;
    let id = register(&t, &[rid("52062419880808005")]).await;
    step(&t, "VILLAGEHEAD", &id, "appraise", json!({ "votes_for": 30, "votes_against": 0 })).await;
    step(&t, "VILLAGEHEAD", &id, "verify", json!({})).await;
    t.restart().await;
    t.clock.advance(Duration::days(7) + Duration::minutes(1));
    t.household_reaches(&id, "awaiting_township").await;
    t.stop().await;
}
