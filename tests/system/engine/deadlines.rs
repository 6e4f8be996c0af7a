//! The deadline ladder: reminders, overdue work and escalation, across a restart of the services.

use chain_system_tests::{eventually, spawn};
use chrono::Duration;
use serde_json::json;

use super::support::{due_in, id_of, issue, level, read, stepped, task_at, version_of};

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
