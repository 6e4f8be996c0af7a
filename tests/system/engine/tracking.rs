//! Following a tree: the live event stream with its resumption, and tracking cut to the caller's
//! jurisdiction.

use chain_system_tests::spawn;
use chrono::Duration;
use serde_json::{Value, json};

use super::support::{due_in, id_of, issue, level, listed, stepped, task_at};

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
