//! The responsibility chain through the gateway: directives decomposed down the hierarchy,
//! sign-offs climbing back up in order, concurrent sign-offs, the deadline ladder across a restart,
//! public-notice windows with objections, the live event stream, jurisdiction in tracking, and
//! recurring reports.

use chain_system_tests::{Answer, TestSystem, eventually, spawn};
use chrono::Duration;
use serde_json::{Value, json};

/// The Beijing date `days` after the system's "now", as a directive's `due_date`.
fn due_in(t: &TestSystem, days: i64) -> String {
    (chain_domain::calendar::beijing_date(t.clock.now()) + Duration::days(days)).to_string()
}

/// Issues a directive of the planning service as `who`; returns what it opened.
async fn issue(t: &TestSystem, who: &str, kind: &str, targets: Value, due_date: &str, extra: Value) -> Value {
    let mut body = json!({
        "service": "planning",
        "kind": kind,
        "title": "整改落实情况督查",
        "body": { "instructions": "逐项核查整改台账" },
        "targets": targets,
        "due_date": due_date,
    });
    if let (Some(b), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(more.clone());
    }
    let issued = t.post(who, "/v1/directives", body).await;
    let root = issued.ok(201)["task"]["id"].as_str().unwrap().to_owned();
    assert_eq!(issued.headers["location"], format!("/v1/tasks/{root}").as_str());
    assert_eq!(issued.headers["etag"], "\"1\"");
    issued.body.clone()
}

/// The task of `kind` owned by exactly `division`, as `who` lists it.
async fn task_at(t: &TestSystem, who: &str, kind: &str, division: &str) -> Value {
    let found = t.get(who, &format!("/v1/tasks?kind={kind}&division={division}&limit=500")).await;
    let mut exact: Vec<Value> =
        found.ok(200).as_array().unwrap().iter().filter(|task| task["division"] == division).cloned().collect();
    assert_eq!(exact.len(), 1, "one {kind} task at {division}: {}", found.body);
    exact.remove(0)
}

/// A task as `who` reads it now.
async fn read(t: &TestSystem, who: &str, id: &str) -> Value {
    t.get(who, &format!("/v1/tasks/{id}")).await.ok(200).clone()
}

/// The id of a task (or notice) in an answer.
fn id_of(task: &Value) -> String {
    task["id"].as_str().unwrap().to_owned()
}

/// The version of a task in an answer: what `If-Match` carries.
fn version_of(task: &Value) -> i64 {
    task["version"].as_i64().unwrap()
}

/// Asserts a successful step and its `ETag`; returns the task after it.
#[track_caller]
fn stepped(answer: &Answer, state: &str) -> Value {
    let task = answer.ok(200).clone();
    assert_eq!(task["state"], state, "{task}");
    assert_eq!(answer.headers["etag"], format!("\"{}\"", version_of(&task)).as_str());
    task
}

/// The counts of one level in a tree answer.
fn level<'a>(tree: &'a Value, name: &str) -> &'a Value {
    tree["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == name)
        .map(|l| &l["counts"])
        .unwrap_or_else(|| panic!("no {name} level in {}", tree["levels"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_climbs_back_to_the_centre() {
    let t = spawn().await;
    let kind = "supervision.rectification";
    let due = due_in(&t, 30);
    let issued = issue(
        &t,
        "CENTRAL",
        kind,
        json!({ "divisions": ["520624", "520623"] }),
        &due,
        json!({ "quota": { "total": 1000, "shares": { "520624": 2, "520623": 1 } } }),
    )
    .await;
    assert_eq!(issued["opened"], 4);
    assert_eq!(
        issued["by_level"],
        json!([{ "level": "province", "tasks": 1 }, { "level": "city", "tasks": 1 }, { "level": "county", "tasks": 2 }])
    );
    let root = issued["task"].clone();
    let root_id = id_of(&root);
    assert_eq!(
        (&root["division"], &root["signer"], &root["state"], &root["quota"], &root["root_id"], &root["parent_id"]),
        (&json!("CN"), &json!("CN"), &json!("in_progress"), &json!(1000), &json!(root_id), &Value::Null)
    );

    // The tree: one task per layer down to the two counties, the quota split 2:1 and summed upwards.
    let tree = t.get("CENTRAL", &format!("/v1/tasks/{root_id}/tree")).await.ok(200).clone();
    assert_eq!(tree["task"]["id"], root_id.as_str());
    assert_eq!((&tree["subtree"]["total"], &tree["subtree"]["open"]), (&json!(5), &json!(4)));
    for (name, total) in [("central", 1), ("province", 1), ("city", 1), ("county", 2)] {
        assert_eq!(level(&tree, name)["total"], total, "{name}");
    }
    assert_eq!(level(&tree, "central")["in_progress"], 1);
    assert_eq!(level(&tree, "county")["open"], 2);
    let children = tree["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    let province = children[0]["task"].clone();
    assert_eq!(
        (&province["division"], &province["signer"], &province["quota"]),
        (&json!("52"), &json!("CN"), &json!(1000))
    );
    assert_eq!(children[0]["subtree"]["total"], 4);
    let province_id = id_of(&province);
    let province_tree = t.get("GUIZHOU", &format!("/v1/tasks/{province_id}/tree")).await.ok(200).clone();
    let city = province_tree["children"][0]["task"].clone();
    assert_eq!((&city["division"], &city["signer"], &city["quota"]), (&json!("5206"), &json!("52"), &json!(1000)));
    let city_id = id_of(&city);
    let city_tree = t.get("TONGREN", &format!("/v1/tasks/{city_id}/tree")).await.ok(200).clone();
    let counties: Vec<(String, String, i64, String)> = city_tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let task = &c["task"];
            (
                task["division"].as_str().unwrap().to_owned(),
                task["signer"].as_str().unwrap().to_owned(),
                task["quota"].as_i64().unwrap(),
                task["parent_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        counties,
        [
            ("520623".to_owned(), "5206".to_owned(), 333, city_id.clone()),
            ("520624".to_owned(), "5206".to_owned(), 667, city_id.clone())
        ]
    );
    let sinan = task_at(&t, "SINAN", kind, "520624").await;
    let shiqian = task_at(&t, "SHIQIAN", kind, "520623").await;
    let (sinan_id, shiqian_id) = (id_of(&sinan), id_of(&shiqian));
    assert_eq!(version_of(&sinan), 1);

    // Nothing climbs before the layer below: the city cannot submit, nor sign an unsubmitted county.
    t.step("TONGREN", &city_id, "submit", Some(1), json!({})).await.problem(409, "invalid-transition");
    t.step("TONGREN", &sinan_id, "sign-off", Some(1), json!({})).await.problem(409, "invalid-transition");
    // A county never signs its own work; the province is the wrong layer for a county.
    t.step("SINAN", &sinan_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    t.step("GUIZHOU", &sinan_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    // A stale If-Match is refused and changes nothing.
    t.step("SINAN", &sinan_id, "submit", Some(7), json!({})).await.problem(412, "precondition-failed");
    assert_eq!(read(&t, "SINAN", &sinan_id).await["state"], "open");

    // The counties submit.
    let submitted = t.step("SINAN", &sinan_id, "submit", Some(1), json!({ "reason": "整改台账已齐全" })).await;
    let sinan = stepped(&submitted, "submitted");
    assert_eq!((version_of(&sinan), &sinan["submitted_by"]), (2, &json!("sinan-official")));
    t.step("SINAN", &sinan_id, "submit", Some(2), json!({})).await.problem(409, "invalid-transition");
    t.step("SINAN", &sinan_id, "sign-off", Some(2), json!({})).await.problem(403, "forbidden");
    let shiqian = stepped(&t.step("SHIQIAN", &shiqian_id, "submit", Some(1), json!({})).await, "submitted");

    // Tongren sends Shiqian's work back (a reason is required), and signs Sinan's off.
    let no_reason = t.step("TONGREN", &shiqian_id, "return", Some(version_of(&shiqian)), json!({})).await;
    assert_eq!(no_reason.problem(422, "validation")["errors"][0]["field"], "reason");
    let returned = t
        .step("TONGREN", &shiqian_id, "return", Some(version_of(&shiqian)), json!({ "reason": "问题清单未逐项销号" }))
        .await;
    let shiqian = stepped(&returned, "returned");
    t.step("TONGREN", &sinan_id, "sign-off", Some(1), json!({})).await.problem(412, "precondition-failed");
    let sinan = stepped(&t.step("TONGREN", &sinan_id, "sign-off", Some(2), json!({})).await, "signed_off");
    assert_eq!(sinan["approvals"], json!(["tongren-official"]));
    // The city still waits for Shiqian.
    t.step("TONGREN", &city_id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    let resubmitted = t.step("SHIQIAN", &shiqian_id, "submit", Some(version_of(&shiqian)), json!({})).await;
    let shiqian = stepped(&resubmitted, "submitted");
    assert!(shiqian["approvals"].as_array().unwrap().is_empty());
    stepped(&t.step("TONGREN", &shiqian_id, "sign-off", Some(version_of(&shiqian)), json!({})).await, "signed_off");

    // The city climbs to the province.
    t.step("GUIZHOU", &city_id, "sign-off", None, json!({})).await.problem(409, "invalid-transition");
    let city = stepped(&t.step("TONGREN", &city_id, "submit", Some(1), json!({})).await, "submitted");
    t.step("SINAN", &city_id, "sign-off", None, json!({})).await.problem(404, "not-found");
    t.step("CENTRAL", &city_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    stepped(&t.step("GUIZHOU", &city_id, "sign-off", Some(version_of(&city)), json!({})).await, "signed_off");

    // The province climbs to the centre.
    t.step("CENTRAL", &root_id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    let province = stepped(&t.step("GUIZHOU", &province_id, "submit", Some(1), json!({})).await, "submitted");
    t.step("GUIZHOU", &province_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    stepped(&t.step("CENTRAL", &province_id, "sign-off", Some(version_of(&province)), json!({})).await, "signed_off");

    // The root is the centre's own: submitted by one central official, signed by another.
    let root_now = read(&t, "CENTRAL", &root_id).await;
    let root_sub =
        stepped(&t.step("CENTRAL", &root_id, "submit", Some(version_of(&root_now)), json!({})).await, "submitted");
    assert_eq!(root_sub["submitted_by"], "central-official");
    t.step("CENTRAL", &root_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    t.step("GUIZHOU", &root_id, "sign-off", None, json!({})).await.problem(404, "not-found");
    let done =
        stepped(&t.step("CENTRAL2", &root_id, "sign-off", Some(version_of(&root_sub)), json!({})).await, "signed_off");
    assert_eq!(done["approvals"], json!(["central-approver-2"]));
    t.step("CENTRAL2", &root_id, "sign-off", None, json!({})).await.problem(409, "invalid-transition");

    let tree = t.get("CENTRAL", &format!("/v1/tasks/{root_id}/tree")).await.ok(200).clone();
    assert_eq!((&tree["subtree"]["total"], &tree["subtree"]["signed_off"]), (&json!(5), &json!(5)));

    // The audit trail holds every sign-off, in order, and the return with its reason.
    let audit = t.get("CENTRAL", "/v1/audit?service=planning&limit=1000").await.ok(200).clone();
    let entries = audit.as_array().unwrap();
    let sign_offs: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e["action"] == "task.signed_off")
        .map(|e| (e["division"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sign_offs,
        [
            ("520624", "tongren-official"),
            ("520623", "tongren-official"),
            ("5206", "guizhou-official"),
            ("52", "central-official"),
            ("CN", "central-approver-2"),
        ]
    );
    assert!(entries.iter().any(|e| e["action"] == "directive.issue" && e["subject_id"] == root_id.as_str()));
    let returns: Vec<&Value> = entries.iter().filter(|e| e["action"] == "task.returned").collect();
    assert_eq!(returns.len(), 1);
    assert_eq!((&returns[0]["division"], &returns[0]["reason"]), (&json!("520623"), &json!("问题清单未逐项销号")));
    assert!(entries.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()));
    // A county auditor sees only its own county's entries; a non-auditor none at all.
    let own = t.get("SINAN", "/v1/audit?service=planning").await.ok(200).clone();
    assert!(!own.as_array().unwrap().is_empty());
    assert!(own.as_array().unwrap().iter().all(|e| e["division"] == "520624"), "{own}");
    t.get("VILLAGE", "/v1/audit").await.problem(403, "forbidden");

    // The return is on record against Shiqian, answerable to Tongren.
    let records = t.get("TONGREN", "/v1/accountability").await.ok(200).clone();
    let records: Vec<(&str, &str, &str, &str)> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["division"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
                r["escalated_to"].as_str().unwrap(),
                r["task_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(records, [("520623", "returned", "5206", shiqian_id.as_str())]);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_officials_signing_at_once_one_wins() {
    let t = spawn().await;
    let due = due_in(&t, 20);
    for round in 0..3 {
        let kind = format!("supervision.race-{round}");
        let issued = issue(&t, "GUIZHOU", &kind, json!({ "divisions": ["5206"] }), &due, json!({})).await;
        let root_id = id_of(&issued["task"]);
        let city = task_at(&t, "TONGREN", &kind, "5206").await;
        let city_id = id_of(&city);
        let city =
            stepped(&t.step("TONGREN", &city_id, "submit", Some(version_of(&city)), json!({})).await, "submitted");
        let v = version_of(&city);

        let (a, b) = tokio::join!(
            t.step("GUIZHOU", &city_id, "sign-off", Some(v), json!({})),
            t.step("GUIZHOU2", &city_id, "sign-off", Some(v), json!({})),
        );
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert!(
            statuses.contains(&200) && statuses.contains(&409),
            "round {round}: {statuses:?} {} {}",
            a.body,
            b.body
        );
        let (winner, loser, subject) =
            if a.status == 200 { (&a, &b, "guizhou-official") } else { (&b, &a, "guizhou-approver-2") };
        let won = stepped(winner, "signed_off");
        assert_eq!(won["approvals"], json!([subject]));
        assert_eq!(version_of(&won), v + 1);
        // The loser either read the task after the winner committed (no longer submitted) or lost
        // the version-guarded write: 409 both ways, never a second sign-off.
        assert_eq!((loser.status.as_u16(), loser.content_type()), (409, "application/problem+json"), "{}", loser.body);
        let kind = loser.body["type"].as_str().unwrap();
        assert!(["/problems/invalid-transition", "/problems/stale-version"].contains(&kind), "{}", loser.body);

        // Exactly one sign-off happened: one version step, one audit entry.
        let now = read(&t, "GUIZHOU", &city_id).await;
        assert_eq!(
            (&now["state"], version_of(&now), &now["approvals"]),
            (&json!("signed_off"), v + 1, &json!([subject]))
        );
        let audit = t.get("GUIZHOU", &format!("/v1/audit?subject_id={city_id}")).await.ok(200).clone();
        let sign_offs = audit.as_array().unwrap().iter().filter(|e| e["action"] == "task.signed_off").count();
        assert_eq!(sign_offs, 1, "round {round}: {audit}");
        assert_eq!(read(&t, "GUIZHOU", &root_id).await["state"], "in_progress");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_counties_escalate_even_across_a_restart() {
    let mut t = spawn().await;
    let kind = "supervision.deadline";
    let due = due_in(&t, 5);
    issue(&t, "GUIZHOU", kind, json!({ "divisions": ["520624", "520623"] }), &due, json!({})).await;
    let sinan = task_at(&t, "SINAN", kind, "520624").await;
    let shiqian = task_at(&t, "SHIQIAN", kind, "520623").await;
    let (sinan_id, shiqian_id) = (id_of(&sinan), id_of(&shiqian));
    let due_at = chain_domain::calendar::end_of_day_beijing(due.parse().unwrap());
    assert_eq!(shiqian["due_at"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap(), due_at);
    assert_eq!(shiqian["deadline"], "on_time");
    stepped(&t.step("SINAN", &sinan_id, "submit", Some(version_of(&sinan)), json!({})).await, "submitted");

    // Three days before the due date the county still working is reminded; the other is not.
    t.clock.advance(Duration::days(3));
    let reminded = eventually("Shiqian to be reminded", || async {
        let task = read(&t, "SHIQIAN", &shiqian_id).await;
        (task["deadline"] == "reminded").then_some(task)
    })
    .await;
    assert_eq!(reminded["state"], "open");
    assert_eq!(read(&t, "SINAN", &sinan_id).await["deadline"], "on_time");
    let overdue = t.get("TONGREN", &format!("/v1/tasks?kind={kind}&overdue=true")).await;
    assert!(overdue.ok(200).as_array().unwrap().is_empty(), "nothing is past due yet: {}", overdue.body);

    // The services go down and come back; time runs past the due date and the grace period.
    t.restart().await;
    t.clock.advance(Duration::days(6));
    let escalated = eventually("Shiqian's task to be escalated", || async {
        let task = read(&t, "SHIQIAN", &shiqian_id).await;
        (task["deadline"] == "escalated").then_some(task)
    })
    .await;
    assert_eq!(escalated["state"], "open");
    let sinan = read(&t, "SINAN", &sinan_id).await;
    assert_eq!((&sinan["state"], &sinan["deadline"]), (&json!("submitted"), &json!("on_time")));

    // The city's tree shows one county overdue and escalated, one submitted on time.
    let city = task_at(&t, "TONGREN", kind, "5206").await;
    let tree = t.get("TONGREN", &format!("/v1/tasks/{}/tree", id_of(&city))).await.ok(200).clone();
    let counties = level(&tree, "county");
    assert_eq!(
        (&counties["total"], &counties["overdue"], &counties["escalated"], &counties["submitted"]),
        (&json!(2), &json!(1), &json!(1), &json!(1)),
        "{counties}"
    );
    let child = |division: &str| {
        tree["children"].as_array().unwrap().iter().find(|c| c["task"]["division"] == division).unwrap().clone()
    };
    assert_eq!(
        (&child("520623")["subtree"]["overdue"], &child("520623")["subtree"]["escalated"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        (&child("520624")["subtree"]["overdue"], &child("520624")["subtree"]["escalated"]),
        (&json!(0), &json!(0))
    );

    // Escalation is on record against Shiqian, answerable to Tongren; nothing against Sinan.
    let records = t.get("TONGREN", "/v1/accountability?division=520623").await.ok(200).clone();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (&records[0]["task_id"], &records[0]["division"], &records[0]["kind"], &records[0]["escalated_to"]),
        (&json!(shiqian_id), &json!("520623"), &json!("overdue"), &json!("5206"))
    );
    assert!(t.get("TONGREN", "/v1/accountability?division=520624").await.ok(200).as_array().unwrap().is_empty());
    assert_eq!(t.get("SHIQIAN", "/v1/accountability").await.ok(200).as_array().unwrap().len(), 1);
    assert!(t.get("SINAN", "/v1/accountability").await.ok(200).as_array().unwrap().is_empty());

    // Late work can still be handed in.
    stepped(&t.step("SHIQIAN", &shiqian_id, "submit", Some(version_of(&escalated)), json!({})).await, "submitted");
    t.stop().await;
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_follows_and_resumes() {
    let t = spawn().await;
    let kind = "supervision.stream";
    let issued =
        issue(&t, "GUIZHOU", kind, json!({ "divisions": ["520624", "520623"] }), &due_in(&t, 20), json!({})).await;
    let root_id = id_of(&issued["task"]);
    let path = format!("/v1/tasks/{root_id}/events");

    // Outside the jurisdiction, or unknown: a problem, never a stream.
    match t.stream("SINAN", &path, None).await {
        Err(refused) => {
            refused.problem(404, "not-found");
        }
        Ok(_) => panic!("a county must not follow the province's tree"),
    }
    match t.stream("GUIZHOU", &format!("/v1/tasks/{}/events", uuid::Uuid::now_v7()), None).await {
        Err(refused) => {
            refused.problem(404, "not-found");
        }
        Ok(_) => panic!("no stream for an unknown task"),
    }
    match t.stream("GUIZHOU", &path, Some("yesterday")).await {
        Err(refused) => {
            refused.problem(400, "bad-request");
        }
        Ok(_) => panic!("Last-Event-ID must be an event id"),
    }

    // The history comes first, starting with the root's opening; the stream is open before the
    // changes below are made, so they can only arrive by following it live.
    let mut stream = t.stream("GUIZHOU", &path, None).await.unwrap_or_else(|a| panic!("a stream: {a:?}"));
    let opened = stream.next_event().await.expect("the root's opening");
    assert_eq!((opened.event.as_str(), &opened.data["task_id"]), ("opened", &json!(root_id)));
    let sinan = task_at(&t, "SINAN", kind, "520624").await;
    let sinan_id = id_of(&sinan);
    t.step("SINAN", &sinan_id, "submit", None, json!({})).await.ok(200);
    t.step("TONGREN", &sinan_id, "sign-off", None, json!({})).await.ok(200);
    let mut history = vec![opened];
    let submitted = loop {
        let event = stream.next_event().await.expect("the submission");
        if event.event == "submitted" {
            break event;
        }
        assert_eq!(event.event, "decomposed", "only the directive's decompositions precede the changes: {event:?}");
        history.push(event);
        assert!(history.len() < 10, "the directive logs one decomposition per parent");
    };
    let signed = stream.next_event().await.expect("the sign-off");
    let seq = |e: &chain_system_tests::SseEvent| e.id.as_deref().unwrap().parse::<i64>().unwrap();
    let ids: Vec<i64> = history.iter().chain([&submitted, &signed]).map(seq).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    for (event, name, state) in [(&submitted, "submitted", "submitted"), (&signed, "signed_off", "signed_off")] {
        assert_eq!(event.event, name);
        assert_eq!(
            (&event.data["change"], &event.data["task_id"], &event.data["division"], &event.data["state"]),
            (&json!(name), &json!(sinan_id), &json!("520624"), &json!(state))
        );
        assert_eq!(event.data["seq"], seq(event));
    }
    assert_eq!(signed.data["actor"], "tongren-official");
    drop(stream);

    // Reconnecting after the first change resumes with the second, then follows on.
    let first_id = submitted.id.clone().unwrap();
    let mut resumed = t.stream("GUIZHOU", &path, Some(&first_id)).await.unwrap_or_else(|a| panic!("a stream: {a:?}"));
    let next = resumed.next_event().await.expect("the event after Last-Event-ID");
    assert_eq!((next.id.as_deref(), next.event.as_str()), (signed.id.as_deref(), "signed_off"));
    assert_eq!(next.data, signed.data);
    let shiqian = task_at(&t, "SHIQIAN", kind, "520623").await;
    t.step("SHIQIAN", &id_of(&shiqian), "submit", None, json!({})).await.ok(200);
    let live = resumed.next_event().await.expect("a later change");
    assert_eq!((live.event.as_str(), &live.data["division"]), ("submitted", &json!("520623")));
    assert!(seq(&live) > seq(&signed));
    drop(resumed);

    // `after` in the query resumes the same way.
    let mut by_query = t
        .stream("GUIZHOU", &format!("{path}?after={first_id}"), None)
        .await
        .unwrap_or_else(|a| panic!("a stream: {a:?}"));
    assert_eq!(by_query.next_event().await.expect("the sign-off").id, signed.id);
    drop(by_query);
    t.stop().await;
}

/// The divisions of `kind`'s tasks `who` lists with `query`, sorted.
async fn listed(t: &TestSystem, who: &str, kind: &str, query: &str) -> Vec<String> {
    let answer = t.get(who, &format!("/v1/tasks?kind={kind}&limit=500{query}")).await;
    let mut divisions: Vec<String> =
        answer.ok(200).as_array().unwrap().iter().map(|task| task["division"].as_str().unwrap().to_owned()).collect();
    divisions.sort();
    divisions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_sees_only_the_jurisdiction() {
    let t = spawn().await;
    let kind = "supervision.tracking";
    let issued =
        issue(&t, "GUIZHOU", kind, json!({ "divisions": ["520624", "520623"] }), &due_in(&t, 5), json!({})).await;
    let root_id = id_of(&issued["task"]);
    let sinan = task_at(&t, "GUIZHOU", kind, "520624").await;
    let shiqian = task_at(&t, "GUIZHOU", kind, "520623").await;
    let city = task_at(&t, "GUIZHOU", kind, "5206").await;
    let (sinan_id, shiqian_id, city_id) = (id_of(&sinan), id_of(&shiqian), id_of(&city));

    // Sinan sees its own task only; the others look exactly like missing ones.
    let missing = t.get("SINAN", &format!("/v1/tasks/{}", uuid::Uuid::now_v7())).await;
    missing.problem(404, "not-found");
    for other in [&root_id, &shiqian_id, &city_id] {
        let hidden = t.get("SINAN", &format!("/v1/tasks/{other}")).await;
        hidden.problem(404, "not-found");
        assert_eq!(hidden.body["detail"], missing.body["detail"]);
        t.get("SINAN", &format!("/v1/tasks/{other}/tree")).await.problem(404, "not-found");
    }
    let own = t.get("SINAN", &format!("/v1/tasks/{sinan_id}")).await;
    assert_eq!(own.ok(200)["division"], "520624");
    assert_eq!(own.headers["etag"], "\"1\"");
    let own_tree = t.get("SINAN", &format!("/v1/tasks/{sinan_id}/tree")).await.ok(200).clone();
    assert_eq!(own_tree["subtree"]["total"], 1);
    assert!(own_tree["children"].as_array().unwrap().is_empty());
    t.get("TONGREN", &format!("/v1/tasks/{root_id}")).await.problem(404, "not-found");

    // Lists are cut to the jurisdiction and filter by division, state and deadline.
    assert_eq!(listed(&t, "SINAN", kind, "").await, ["520624"]);
    assert_eq!(listed(&t, "SHIQIAN", kind, "").await, ["520623"]);
    assert_eq!(listed(&t, "TONGREN", kind, "").await, ["5206", "520623", "520624"]);
    assert_eq!(listed(&t, "GUIZHOU", kind, "").await, ["52", "5206", "520623", "520624"]);
    assert_eq!(listed(&t, "GUIZHOU", kind, "&division=520623").await, ["520623"]);
    assert_eq!(listed(&t, "SINAN", kind, "&division=520623").await, Vec::<String>::new());
    assert_eq!(listed(&t, "GUIZHOU", kind, "&state=in_progress").await, ["52"]);
    stepped(&t.step("SINAN", &sinan_id, "submit", None, json!({})).await, "submitted");
    assert_eq!(listed(&t, "GUIZHOU", kind, "&state=submitted").await, ["520624"]);
    assert_eq!(listed(&t, "GUIZHOU", kind, "&state=open").await, ["5206", "520623"]);
    assert!(listed(&t, "GUIZHOU", kind, "&overdue=true").await.is_empty());
    assert_eq!(listed(&t, "GUIZHOU", kind, "&overdue=false").await.len(), 4);

    // Past the due date, whatever is still with its owner is overdue.
    t.clock.advance(Duration::days(6) + Duration::hours(1));
    assert_eq!(listed(&t, "GUIZHOU", kind, "&overdue=true").await, ["52", "5206", "520623"]);
    assert_eq!(listed(&t, "GUIZHOU", kind, "&overdue=false").await, ["520624"]);
    assert!(listed(&t, "SINAN", kind, "&overdue=true").await.is_empty());
    assert_eq!(listed(&t, "SHIQIAN", kind, "&overdue=true").await, ["520623"]);
    let late = t.get("TONGREN", &format!("/v1/tasks/{city_id}/tree?overdue=true")).await.ok(200).clone();
    let late_children: Vec<&Value> =
        late["children"].as_array().unwrap().iter().map(|c| &c["task"]["division"]).collect();
    assert_eq!(late_children, [&json!("520623")]);
    assert_eq!(level(&late, "county")["overdue"], 1);
    let narrowed = t.get("TONGREN", &format!("/v1/tasks/{city_id}/tree?division=520624")).await.ok(200).clone();
    let narrowed_children: Vec<&Value> =
        narrowed["children"].as_array().unwrap().iter().map(|c| &c["task"]["division"]).collect();
    assert_eq!(narrowed_children, [&json!("520624")]);

    // Malformed filters are refused.
    t.get("GUIZHOU", "/v1/tasks?limit=0").await.problem(422, "validation");
    t.get("GUIZHOU", "/v1/tasks?division=52x").await.problem(422, "validation");
    t.get("GUIZHOU", &format!("/v1/tasks/{root_id}/tree?limit=5000")).await.problem(422, "validation");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_generate_reports() {
    let t = spawn().await;
    let kind = "supervision.monthly";
    let schedule = json!({
        "service": "planning",
        "kind": kind,
        "title": "月度帮扶工作报告",
        "cadence": "monthly",
        "level": "county",
        "due_days": 10,
    });
    t.post("VILLAGE", "/v1/schedules", schedule.clone()).await.problem(403, "forbidden");
    let too_high = t.post("SINAN", "/v1/schedules", schedule.clone()).await;
    assert_eq!(too_high.problem(422, "validation")["errors"][0]["field"], "level");
    let created = t.post("GUIZHOU", "/v1/schedules", schedule).await;
    let created = created.ok(201).clone();
    assert_eq!(
        (&created["issuer"], &created["runs"], &created["created_by"], &created["cadence"]),
        (&json!("52"), &json!(0), &json!("guizhou-official"), &json!("monthly"))
    );
    let instant = |v: &Value| v.as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let first_run = instant(&created["next_run_at"]);
    let period_start = chain_domain::calendar::beijing_date(first_run);
    assert_eq!(chrono::Datelike::day(&period_start), 1, "a monthly report starts on the first");
    assert_eq!(chain_domain::calendar::start_instant(period_start), first_run);
    let listed_schedules = t.get("GUIZHOU", "/v1/schedules").await.ok(200).clone();
    assert_eq!(listed_schedules.as_array().unwrap().len(), 1);
    assert!(t.get("SINAN", "/v1/schedules").await.ok(200).as_array().unwrap().is_empty());

    // Time moves past the start of the period: the sweep issues the month's directive.
    let wait = first_run - t.clock.now();
    if wait > Duration::zero() {
        t.clock.advance(wait + Duration::minutes(1));
    }
    let tasks = eventually("the monthly directive", || async {
        let found = t.get("GUIZHOU", &format!("/v1/tasks?kind={kind}&limit=500")).await;
        let tasks = found.body.as_array().cloned().unwrap_or_default();
        (!tasks.is_empty()).then_some(tasks)
    })
    .await;

    // One task per county of Guizhou, each under its city, due ten days into the month.
    let mut expected = Vec::new();
    let cities = t.get("GUIZHOU", "/v1/divisions/52/children").await.ok(200).as_array().unwrap().clone();
    for city in &cities {
        let code = city["code"].as_str().unwrap();
        for county in t.get("GUIZHOU", &format!("/v1/divisions/{code}/children")).await.ok(200).as_array().unwrap() {
            expected.push(county["code"].as_str().unwrap().to_owned());
        }
    }
    expected.sort();
    assert!(expected.len() > 80, "Guizhou has 88 county-level divisions: {}", expected.len());
    let mut counties: Vec<String> = tasks
        .iter()
        .filter(|task| task["division"].as_str().unwrap().len() == 6)
        .map(|task| task["division"].as_str().unwrap().to_owned())
        .collect();
    counties.sort();
    assert_eq!(counties, expected);
    let root = tasks.iter().find(|task| task["division"] == "52").expect("the province's own root task");
    let label = chain_domain::calendar::period_label(chain_domain::calendar::Period::Monthly, period_start);
    assert_eq!(root["title"], format!("月度帮扶工作报告 {label}"));
    let due_at = first_run + Duration::days(10);
    for task in &tasks {
        assert_eq!(instant(&task["due_at"]), due_at, "{task}");
        assert_eq!(task["root_id"], root["id"]);
        let division = task["division"].as_str().unwrap();
        if division.len() == 6 {
            assert_eq!(task["signer"], &division[..4]);
            assert_eq!(task["state"], "open");
        }
    }
    assert_eq!(tasks.len(), 1 + cities.len() + expected.len(), "the root, the cities and the counties");

    // The schedule moved on to the next month and ran once; a county sees its own report.
    let after = t.get("GUIZHOU", "/v1/schedules").await.ok(200).clone();
    assert_eq!(after[0]["runs"], 1);
    let next = chain_domain::calendar::next_period_start(chain_domain::calendar::Period::Monthly, period_start);
    assert_eq!(instant(&after[0]["next_run_at"]), chain_domain::calendar::start_instant(next));
    assert_eq!(listed(&t, "SINAN", kind, "").await, ["520624"]);
    t.stop().await;
}
