//! Sizes that cannot hurt: bodies above a route's limit are refused with 413 before anything is
//! sent on the bus, fields above their limits with 422, and listings are paged so that no reply
//! grows past the bus's payload, however large the tasks a branch holds.

use std::collections::HashSet;

use chain_api::limits;
use chain_system_tests::{TestSystem, application, rid, spawn};
use chrono::Duration;
use serde_json::{Value, json};

/// The officials of one branch, from the centre down to the village, each with the tasks one
/// directive to the village opens in their jurisdiction (the centre's root and the five below).
const BRANCH: [(&str, usize); 5] = [("CENTRAL", 6), ("GUIZHOU", 5), ("SINAN", 3), ("TANGTOU", 2), ("VILLAGE", 1)];

/// A directive from the centre down to one village, with `body` as its instructions.
fn directive(t: &TestSystem, title: &str, body: Value) -> Value {
    let due = (chain_domain::calendar::beijing_date(t.clock.now()) + Duration::days(30)).to_string();
    json!({
        "service": "identification",
        "kind": "supervision.check",
        "title": title,
        "body": body,
        "targets": { "divisions": ["520624101201"] },
        "due_date": due,
    })
}

/// A body of `text` that serializes to exactly `bytes` bytes.
fn body_of(bytes: usize) -> Value {
    let frame = json!({ "text": "" }).to_string().len();
    json!({ "text": "a".repeat(bytes - frame) })
}

/// Every layer of the branch lists its tasks with `limit`, and gets 200.
async fn every_layer_lists(t: &TestSystem, limit: u64) {
    for (who, _) in BRANCH {
        t.get(who, &format!("/v1/tasks?limit={limit}")).await.ok(200);
    }
}

/// The `rel="next"` target of an answer's `Link` header.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    let (target, rel) = link.split_once(';')?;
    rel.contains("rel=\"next\"").then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_900_kb_directive_is_refused_and_every_layer_still_lists_its_tasks() {
    let t = spawn().await;
    let before = t.post("CENTRAL", "/v1/directives", directive(&t, "走访核查", json!({ "note": "small" }))).await;
    before.ok(201);

    let huge = t.post("CENTRAL", "/v1/directives", directive(&t, "走访核查", body_of(900 * 1024))).await;
    huge.problem(413, "payload-too-large");

    every_layer_lists(&t, 5).await;
    let county = t.get("SINAN", "/v1/tasks?limit=5").await;
    assert_eq!(county.ok(200).as_array().unwrap().len(), 3, "only the small directive's tasks");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_5_mb_directive_is_refused_with_413() {
    let t = spawn().await;
    let huge = t.post("CENTRAL", "/v1/directives", directive(&t, "走访核查", body_of(1536 * 1024))).await;
    let problem = huge.problem(413, "payload-too-large");
    assert!(problem["detail"].as_str().unwrap().contains(&limits::REQUEST_BYTES.to_string()), "{problem}");
    every_layer_lists(&t, limits::page::TASKS).await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10000_member_household_is_refused_not_left_unanswered() {
    let t = spawn().await;
    let ids: Vec<String> = (0..10_000).map(|i| rid(&format!("52062419710{:06}", i))).collect();
    let answer = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    answer.problem(413, "payload-too-large");

    // One member above the most a household may have fits in a body, and is a field's problem.
    let ids: Vec<String> = (0..=limits::MAX_MEMBERS).map(|i| rid(&format!("52062419710{:06}", i))).collect();
    let answer = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let problem = answer.problem(422, "validation");
    assert_eq!(problem["errors"][0]["field"], "members", "{problem}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directive_fields_above_their_limits_are_refused_with_a_pointer_to_the_field() {
    let t = spawn().await;
    let cases = [
        ("body", directive(&t, "走访核查", body_of(limits::BODY_BYTES + 1))),
        ("title", directive(&t, &"题".repeat(limits::TITLE_CHARS + 1), json!(null))),
        ("kind", {
            let mut d = directive(&t, "走访核查", json!(null));
            d["kind"] = json!(format!("k{}", "a".repeat(limits::KIND_CHARS)));
            d
        }),
        ("body", {
            let mut deep = json!("floor");
            for _ in 0..=limits::BODY_DEPTH {
                deep = json!([deep]);
            }
            directive(&t, "走访核查", deep)
        }),
        ("targets/divisions", {
            let mut d = directive(&t, "走访核查", json!(null));
            let many: Vec<String> = (0..=limits::TARGET_DIVISIONS).map(|i| format!("52{:04}", i % 10_000)).collect();
            d["targets"] = json!({ "divisions": many });
            d
        }),
    ];
    for (field, request) in cases {
        let answer = t.post("CENTRAL", "/v1/directives", request).await;
        let problem = answer.problem(422, "validation");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // A reason above its limit on a step is refused too, and the task is left as it was.
    let issued = t.post("CENTRAL", "/v1/directives", directive(&t, "走访核查", json!(null))).await;
    let root = issued.ok(201)["task"].clone();
    let long = "理".repeat(limits::REMARK_CHARS + 1);
    let cancel = t
        .step("CENTRAL", root["id"].as_str().unwrap(), "cancel", root["version"].as_i64(), json!({ "reason": long }))
        .await;
    assert_eq!(cancel.problem(422, "validation")["errors"][0]["field"], "reason");
    let after = t.get("CENTRAL", &format!("/v1/tasks/{}", root["id"].as_str().unwrap())).await;
    assert_eq!(after.ok(200)["version"], root["version"]);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_directives_copied_down_a_branch_still_let_every_layer_list_its_tasks() {
    let t = spawn().await;
    // Enough of the largest directives that one page of the centre's tasks, at the largest
    // `limit`, would carry several times the bus's 1 MiB payload.
    let directives = 40;
    let title = "题".repeat(limits::TITLE_CHARS);
    for _ in 0..directives {
        let answer = t.post("CENTRAL", "/v1/directives", directive(&t, &title, body_of(limits::BODY_BYTES))).await;
        answer.ok(201);
    }
    for (who, per_directive) in BRANCH {
        let mut seen = HashSet::new();
        let mut last: Option<(chrono::DateTime<chrono::Utc>, String)> = None;
        let mut path = format!("/v1/tasks?limit={}", limits::page::TASKS);
        let mut pages = 0;
        loop {
            let answer = t.get(who, &path).await;
            let tasks = answer.ok(200).as_array().unwrap().clone();
            assert!(!tasks.is_empty(), "{who}: a page that is followed is never empty");
            pages += 1;
            for task in &tasks {
                assert_eq!(task["body"], body_of(limits::BODY_BYTES), "{who}: tasks carry their instructions");
                let at: chrono::DateTime<chrono::Utc> = task["created_at"].as_str().unwrap().parse().unwrap();
                let key = (at, task["id"].as_str().unwrap().to_owned());
                assert!(last.as_ref().is_none_or(|prev| *prev < key), "{who}: oldest first, across pages");
                last = Some(key);
                assert!(seen.insert(task["id"].as_str().unwrap().to_owned()), "{who}: no task twice");
            }
            match next_link(&answer.headers) {
                Some(next) => path = next,
                None => break,
            }
        }
        assert_eq!(seen.len(), directives * per_directive, "{who}: every task, once");
        if per_directive > 1 {
            assert!(pages > 1, "{who}: so many large tasks take more than one page");
        }
    }
    // The tree of one root answers too, with every child it has.
    let root = t.get("CENTRAL", "/v1/tasks?limit=1").await.ok(200)[0].clone();
    let tree = t
        .get("CENTRAL", &format!("/v1/tasks/{}/tree?limit={}", root["id"].as_str().unwrap(), limits::page::TREE))
        .await;
    assert_eq!(tree.ok(200)["children"].as_array().unwrap().len(), 1);
    t.stop().await;
}
