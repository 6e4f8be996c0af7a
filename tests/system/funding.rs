//! Funding allocations on the responsibility-chain engine (DOMAIN.md §5): the onward-allocation
//! deadline a province or city receives with its funds, submitted when the money is passed on
//! and signed off by the allocator; its escalation when it is not; the allocator's public
//! disclosure with its 10-day notice; and jurisdiction over both.

use chain::demo::Official;
use chain_api::Role;
use chain_domain::calendar::{beijing_date, end_of_day_beijing};
use chain_domain::funding::add_working_days;
use chain_system_tests::{TestSystem, eventually, spawn};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

const ONWARD: &str = "funding.onward-allocation";
const DISCLOSURE: &str = "funding.disclosure";

/// An approver of another province, Yunnan (53), who must see nothing of Guizhou's tasks.
const YUNNAN: Official = Official {
    var: "YUNNAN",
    subject: "yunnan-official",
    title: "Yunnan province (53)",
    jurisdiction: "53",
    roles: &[Role::Operator, Role::Approver],
};

/// Allocates `amount_fen` of central special funds as `who`; returns the allocation's id.
async fn allocate(t: &TestSystem, who: &str, to: &str, amount_fen: i64) -> String {
    let body = json!({ "to": to, "year": 2016, "amount_fen": amount_fen, "fund": "central-special" });
    let answer = t.post(who, "/v1/allocations", body).await;
    answer.ok(201)["id"].as_str().unwrap().to_owned()
}

/// The tasks of `kind` about allocation `id`, as `who` lists them.
async fn tasks_about(t: &TestSystem, who: &str, kind: &str, id: &str) -> Vec<Value> {
    let found = t.get(who, &format!("/v1/tasks?kind={kind}&subject_id={id}")).await;
    found.ok(200).as_array().unwrap().clone()
}

/// The one task of `kind` about allocation `id`, as `who` lists it.
async fn task_about(t: &TestSystem, who: &str, kind: &str, id: &str) -> Value {
    let mut found = tasks_about(t, who, kind, id).await;
    assert_eq!(found.len(), 1, "one {kind} task about {id}: {found:?}");
    found.remove(0)
}

/// A task as `who` reads it now.
async fn read(t: &TestSystem, who: &str, id: &str) -> Value {
    t.get(who, &format!("/v1/tasks/{id}")).await.ok(200).clone()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onward_allocation_is_submitted_when_passed_on_and_signed_off_by_the_centre() {
    let t = spawn().await;
    let today = beijing_date(t.clock.now());
    let central = allocate(&t, "CENTRAL", "52", 100_000_000).await;

    // Guizhou owes the centre an onward allocation within 30 days; the centre signs it off.
    let onward = task_about(&t, "GUIZHOU", ONWARD, &central).await;
    assert_eq!(
        (&onward["division"], &onward["signer"], &onward["state"], &onward["subject_id"]),
        (&json!("52"), &json!("CN"), &json!("open"), &json!(central))
    );
    assert_eq!(instant(&onward["due_at"]), end_of_day_beijing(today + Duration::days(30)));
    assert_eq!(
        (&onward["body"]["amount_fen"], &onward["body"]["fund"], &onward["body"]["year"]),
        (&json!(100_000_000), &json!("central-special"), &json!(2016))
    );
    assert_eq!(onward["notice_kind"], Value::Null);
    // The centre posts no notices here, so its allocation opens no disclosure.
    assert!(tasks_about(&t, "CENTRAL", DISCLOSURE, &central).await.is_empty());
    let onward_id = id_of(&onward);

    // Part passed on to Sinan leaves the task open; a county spends, so Sinan owes no onward task.
    let to_sinan = allocate(&t, "GUIZHOU", "520624", 40_000_000).await;
    assert!(tasks_about(&t, "CENTRAL", ONWARD, &to_sinan).await.is_empty());
    let still = read(&t, "GUIZHOU", &onward_id).await;
    assert_eq!((&still["state"], &still["version"]), (&json!("open"), &onward["version"]));
    t.step("CENTRAL", &onward_id, "sign-off", None, json!({})).await.problem(409, "invalid-transition");

    // The rest, to Tongren city, submits it on the allocating official's behalf; Tongren now owes
    // its own onward task to Guizhou.
    let to_tongren = allocate(&t, "GUIZHOU", "5206", 60_000_000).await;
    let submitted = read(&t, "GUIZHOU", &onward_id).await;
    assert_eq!((&submitted["state"], &submitted["submitted_by"]), (&json!("submitted"), &json!("guizhou-official")));
    let tongren = task_about(&t, "TONGREN", ONWARD, &to_tongren).await;
    assert_eq!((&tongren["division"], &tongren["signer"]), (&json!("5206"), &json!("52")));

    // Only the allocator's layer signs it off.
    t.step("GUIZHOU", &onward_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    let signed = t.step("CENTRAL", &onward_id, "sign-off", Some(submitted["version"].as_i64().unwrap()), json!({}));
    assert_eq!(signed.await.ok(200)["state"], "signed_off");

    // The audit trail tells the story: opened by the centre's official with the allocation,
    // started and submitted by Guizhou's with its onward allocation, signed off by the centre.
    let audit = t.get("CENTRAL", &format!("/v1/audit?service=funding&subject_id={onward_id}")).await.ok(200).clone();
    let mut steps: Vec<(i64, String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["seq"].as_i64().unwrap(), e["action"].as_str().unwrap().into(), e["actor"].as_str().unwrap().into())
        })
        .collect();
    steps.sort();
    let steps: Vec<(&str, &str)> = steps.iter().map(|(_, a, who)| (a.as_str(), who.as_str())).collect();
    assert_eq!(
        steps,
        [
            ("task.opened", "central-official"),
            ("task.started", "guizhou-official"),
            ("task.submitted", "guizhou-official"),
            ("task.signed_off", "central-official"),
        ],
        "{audit}"
    );

    // An over-allocation is refused and changes nothing: no disclosure, no task moves.
    let disclosures = t.get("GUIZHOU", &format!("/v1/tasks?kind={DISCLOSURE}&division=52")).await.ok(200).clone();
    assert_eq!(disclosures.as_array().unwrap().len(), 2, "one per Guizhou allocation: {disclosures}");
    let over = json!({ "to": "520624", "year": 2016, "amount_fen": 1, "fund": "central-special" });
    t.post("GUIZHOU", "/v1/allocations", over).await.problem(422, "insufficient-funds");
    let after = t.get("GUIZHOU", &format!("/v1/tasks?kind={DISCLOSURE}&division=52")).await.ok(200).clone();
    assert_eq!(after, disclosures);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allocation_not_passed_on_escalates_to_the_centre() {
    let t = spawn().await;
    let central = allocate(&t, "CENTRAL", "52", 50_000_000).await;
    let onward_id = id_of(&task_about(&t, "GUIZHOU", ONWARD, &central).await);

    // 30 days and the 3-day grace of the deadline ladder run out with nothing passed on.
    t.clock.advance(Duration::days(31));
    let overdue = eventually("the onward task to fall overdue", || async {
        let task = read(&t, "GUIZHOU", &onward_id).await;
        (task["deadline"] == "overdue").then_some(task)
    })
    .await;
    assert_eq!(overdue["state"], "open");
    assert!(t.get("CENTRAL", "/v1/accountability?division=52").await.ok(200).as_array().unwrap().is_empty());
    t.clock.advance(Duration::days(3) + Duration::minutes(1));
    let escalated = eventually("the onward task to be escalated", || async {
        let task = read(&t, "GUIZHOU", &onward_id).await;
        (task["deadline"] == "escalated").then_some(task)
    })
    .await;
    assert_eq!(escalated["state"], "open");

    // Escalation is on record against Guizhou, answerable to the centre.
    let records = t.get("CENTRAL", "/v1/accountability?division=52").await.ok(200).clone();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (&records[0]["task_id"], &records[0]["division"], &records[0]["kind"], &records[0]["escalated_to"]),
        (&json!(onward_id), &json!("52"), &json!("overdue"), &json!("CN"))
    );
    assert_eq!(t.get("GUIZHOU", "/v1/accountability").await.ok(200).as_array().unwrap().len(), 1);
    let yunnan = t.token_for(&YUNNAN);
    let theirs = t.send(reqwest::Method::GET, "/v1/accountability", &yunnan, None, &[]).await;
    assert!(theirs.ok(200).as_array().unwrap().is_empty());

    // Passing the money on late still submits the task.
    allocate(&t, "GUIZHOU", "520624", 50_000_000).await;
    assert_eq!(read(&t, "GUIZHOU", &onward_id).await["state"], "submitted");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_allocator_discloses_for_ten_days_and_the_layer_above_signs_off() {
    let t = spawn().await;
    allocate(&t, "CENTRAL", "52", 80_000_000).await;
    let today = beijing_date(t.clock.now());
    let to_sinan = allocate(&t, "GUIZHOU", "520624", 30_000_000).await;

    let disclosure = task_about(&t, "GUIZHOU", DISCLOSURE, &to_sinan).await;
    assert_eq!(
        (&disclosure["division"], &disclosure["signer"], &disclosure["notice_kind"], &disclosure["state"]),
        (&json!("52"), &json!("CN"), &json!("funds.disclosure"), &json!("open"))
    );
    assert_eq!(instant(&disclosure["due_at"]), end_of_day_beijing(add_working_days(today, 15)));
    assert_eq!((&disclosure["body"]["to"], &disclosure["body"]["amount_fen"]), (&json!("520624"), &json!(30_000_000)));
    let id = id_of(&disclosure);

    // Another province sees neither the task nor the notice; Sinan, below Guizhou, neither.
    let yunnan = t.token_for(&YUNNAN);
    let hidden = t.send(reqwest::Method::GET, &format!("/v1/tasks/{id}"), &yunnan, None, &[]).await;
    hidden.problem(404, "not-found");
    let listed = t.send(reqwest::Method::GET, &format!("/v1/tasks?kind={DISCLOSURE}"), &yunnan, None, &[]).await;
    assert!(listed.ok(200).as_array().unwrap().is_empty());
    t.get("SINAN", &format!("/v1/tasks/{id}")).await.problem(404, "not-found");
    let onward_url = format!("/v1/tasks?kind={ONWARD}&division=52");
    let theirs = t.send(reqwest::Method::GET, &onward_url, &yunnan, None, &[]).await;
    assert!(theirs.ok(200).as_array().unwrap().is_empty());

    // Nothing is submitted before the notice has run; only Guizhou posts it.
    t.step("GUIZHOU", &id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    t.step("CENTRAL", &id, "open-notice", None, json!({})).await.problem(403, "forbidden");
    let notice = t.step("GUIZHOU", &id, "open-notice", None, json!({})).await.ok(200).clone();
    assert_eq!(
        (&notice["kind"], &notice["days"], &notice["division"], &notice["state"]),
        (&json!("funds.disclosure"), &json!(10), &json!("52"), &json!("open"))
    );
    assert_eq!(instant(&notice["closes_at"]) - instant(&notice["opened_at"]), Duration::days(10));
    let notice_url = format!("/v1/notices/{}", id_of(&notice));
    let hidden = t.send(reqwest::Method::GET, &notice_url, &yunnan, None, &[]).await;
    hidden.problem(404, "not-found");

    // Nine days on it is still open; after the tenth it passes and Guizhou submits.
    t.clock.advance(Duration::days(9));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(t.get("GUIZHOU", &notice_url).await.ok(200)["state"], "open");
    t.step("GUIZHOU", &id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(Duration::days(1) + Duration::minutes(1));
    eventually("the disclosure notice to pass", || async {
        let n = t.get("GUIZHOU", &notice_url).await;
        (n.status == 200 && n.body["state"] == "passed").then_some(())
    })
    .await;
    assert_eq!(t.step("GUIZHOU", &id, "submit", None, json!({})).await.ok(200)["state"], "submitted");

    // The layer above signs off, not Guizhou itself.
    t.step("GUIZHOU", &id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    assert_eq!(t.step("CENTRAL", &id, "sign-off", None, json!({})).await.ok(200)["state"], "signed_off");

    // A city's disclosure is signed off by its province.
    allocate(&t, "GUIZHOU", "5206", 10_000_000).await;
    let by_city = allocate(&t, "TONGREN", "520624", 4_000_000).await;
    let city = task_about(&t, "TONGREN", DISCLOSURE, &by_city).await;
    assert_eq!((&city["division"], &city["signer"]), (&json!("5206"), &json!("52")));
    t.stop().await;
}
