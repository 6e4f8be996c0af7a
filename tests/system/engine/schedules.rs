//! Recurring reports: a schedule issues each period's directive when the period starts.

use chain_system_tests::{eventually, spawn};
use chrono::Duration;
use serde_json::{Value, json};

use super::support::listed;

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
