//! Dynamic adjustment: the yearly campaign as a directive; applications that name it as newly poor
//! or returned to poverty (checked against exited households); and the removal of a wrongly
//! identified household through the same two notices, withdrawn or decided.

use chain_system_tests::{TestSystem, application, eventually, rid, spawn};
use chrono::Duration;
use serde_json::{Value, json};

/// The centre's directive for an adjustment campaign down to Sinan county, due in 60 days.
pub(crate) fn campaign_directive(t: &TestSystem) -> Value {
    let due = (chain_domain::calendar::beijing_date(t.clock.now()) + Duration::days(60)).to_string();
    json!({
        "service": "identification",
        "kind": "identification.adjustment",
        "title": "2017年度贫困人口动态调整",
        "targets": { "divisions": ["520624"] },
        "due_date": due,
    })
}

/// The centre's adjustment campaign down to Sinan county; returns the county's campaign task id.
async fn campaign(t: &TestSystem) -> String {
    t.post("CENTRAL", "/v1/directives", campaign_directive(t)).await.ok(201);
    let found = t.get("SINAN", "/v1/tasks?kind=identification.adjustment&division=520624").await;
    let tasks = found.ok(200).as_array().unwrap().clone();
    let county = tasks.iter().find(|t| t["division"] == "520624").expect("the county's campaign task");
    county["id"].as_str().unwrap().to_owned()
}

fn with_entry(ids: &[String], campaign: &str, entry: &str) -> Value {
    let mut app = application(ids);
    app["adjustment"] = json!({ "campaign_task_id": campaign, "entry": entry });
    app
}

async fn removal_states(t: &TestSystem, id: &str) -> Vec<(String, String)> {
    let found = t.get("SINAN", &format!("/v1/tasks?kind=identification.removal&subject_id={id}")).await;
    let mut out: Vec<(String, String)> = found
        .ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["division"].as_str().unwrap().to_owned(), t["state"].as_str().unwrap().to_owned()))
        .collect();
    out.sort_by_key(|(d, _)| d.len());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_admits_new_and_returned_households_and_checks_the_return() {
    let t = spawn().await;
    let task = campaign(&t).await;

    let new = t.post("VILLAGE", "/v1/households", with_entry(&[rid("52062419710101001")], &task, "new")).await;
    let new = new.ok(201).clone();
    assert_eq!(new["adjustment"], json!({ "campaign_task_id": task, "entry": "new" }));

    // Nobody in this application ever left poverty: it cannot enter as returned.
    let wrong = t
        .post("VILLAGE", "/v1/households", with_entry(&[rid("52062419710101002")], &task, "returned_to_poverty"))
        .await;
    assert_eq!(wrong.problem(422, "validation")["errors"][0]["field"], "adjustment/entry");
    // Not a campaign task.
    let bogus = with_entry(&[rid("52062419710101002")], &uuid::Uuid::now_v7().to_string(), "new");
    let p = t.post("VILLAGE", "/v1/households", bogus).await;
    assert_eq!(p.problem(422, "validation")["errors"][0]["field"], "adjustment/campaign_task_id");

    // A household that exited...
    let ids = [rid("52062419600202003"), rid("52062419620303004")];
    let h = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let hid = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.identify(&hid).await;
    let proposal = json!({ "household_id": hid, "year": 2017, "per_capita_income_fen": 420000, "guarantees": { "food": true, "clothing": true, "compulsory_education": true, "basic_medical_care": true, "safe_housing": true, "safe_drinking_water": true } });
    let case = eventually("exit to know the household", || async {
        let p = t.post("SINAN", "/v1/exits", proposal.clone()).await;
        (p.status == 201).then_some(p.body)
    })
    .await;
    let exit_id = case["id"].as_str().unwrap();
    t.post("VILLAGE", &format!("/v1/exits/{exit_id}:acknowledge"), json!({ "acknowledged_by": "成员0" })).await.ok(200);
    t.clock.advance(Duration::days(7) + Duration::minutes(1));
    eventually("the exit notice to pass", || async {
        (t.get("SINAN", &format!("/v1/exits/{exit_id}")).await.body["status"] == "noticed").then_some(())
    })
    .await;
    t.post("SINAN", &format!("/v1/exits/{exit_id}:approve"), json!({})).await.ok(200);
    t.household_reaches(&hid, "exited").await;
    // ... has a member fall back into poverty in the next campaign.
    let back = t.post("VILLAGE", "/v1/households", with_entry(&[ids[0].clone()], &task, "returned_to_poverty")).await;
    assert_eq!(back.ok(201)["adjustment"]["entry"], "returned_to_poverty");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrongly_identified_household_is_removed_through_two_notices() {
    let t = spawn().await;
    let ids = [rid("52062419700505005")];
    let h = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.identify(&id).await;

    // Exit knows the identified household: a proposal below the line is refused on its merits.
    let too_poor = json!({ "household_id": id, "year": 2017, "per_capita_income_fen": 100, "guarantees": { "food": true, "clothing": true, "compulsory_education": true, "basic_medical_care": true, "safe_housing": true, "safe_drinking_water": true } });
    eventually("exit to know the household", || async {
        (t.post("SINAN", "/v1/exits", too_poor.clone()).await.status == 422).then_some(())
    })
    .await;
    let path = |verb: &str| format!("/v1/households/{id}:{verb}");
    let proposal = json!({ "reason": "家庭成员在县城有稳定工资收入，属错评" });
    t.post("VILLAGE", &path("propose-removal"), proposal.clone()).await.problem(403, "forbidden");
    t.post("VILLAGEHEAD", &path("propose-removal"), json!({ "reason": "" })).await.problem(422, "validation");
    let h = t.post("VILLAGEHEAD", &path("propose-removal"), proposal.clone()).await.ok(200).clone();
    assert_eq!(h["status"], "removal_first_notice");
    assert_eq!(h["notice"]["kind"], "identification.village");
    assert_eq!(
        removal_states(&t, &id).await,
        [
            ("520624".into(), "open".into()),
            ("520624101".into(), "open".into()),
            ("520624101201".into(), "in_progress".into())
        ]
    );

    // An objection sends it back; once resolved, the village posts again.
    let notice = h["notice"]["id"].as_str().unwrap();
    let lodged =
        t.post("TANGTOU", &format!("/v1/notices/{notice}/objections"), json!({ "reason": "该户确属贫困" })).await;
    let objection = lodged.ok(201)["id"].as_str().unwrap().to_owned();
    assert_eq!(t.household(&id).await["status"], "removal_objected");
    t.post(
        "VILLAGEHEAD",
        &format!("/v1/objections/{objection}:resolve"),
        json!({ "upheld": false, "reason": "复核：工资收入属实" }),
    )
    .await
    .ok(200);
    assert_eq!(
        t.post("VILLAGEHEAD", &path("propose-removal"), proposal).await.ok(200)["status"],
        "removal_first_notice"
    );
    t.post("TANGTOU", &path("review-removal"), json!({})).await.problem(409, "invalid-transition");

    t.clock.advance(Duration::days(7) + Duration::minutes(1));
    t.household_reaches(&id, "removal_awaiting_township").await;
    assert_eq!(t.post("TANGTOU", &path("review-removal"), json!({})).await.ok(200)["status"], "removal_second_notice");
    t.post("SINAN", &path("approve-removal"), json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(Duration::days(7) + Duration::minutes(1));
    t.household_reaches(&id, "removal_awaiting_county").await;
    let removed =
        t.post("SINAN", &path("approve-removal"), json!({ "note": "县审定：错评户退出" })).await.ok(200).clone();
    assert_eq!(removed["status"], "removed");
    assert!(removal_states(&t, &id).await.iter().all(|(_, s)| s == "signed_off"));
    // Planning drops its task for the household, and exit will not hear of it.
    let plan = eventually("planning to cancel its task", || async {
        let found = t.get("SINAN", &format!("/v1/tasks?kind=plan.household&subject_id={id}")).await;
        found.body.as_array().and_then(|a| a.first().cloned()).filter(|task| task["state"] == "cancelled")
    })
    .await;
    assert_eq!(plan["division"], "520624101");
    eventually("exit to forget the household", || async {
        (t.post("SINAN", "/v1/exits", too_poor.clone()).await.status == 404).then_some(())
    })
    .await;
    // The person may be registered again.
    t.post("VILLAGE", "/v1/households", application(&ids)).await.ok(201);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_can_be_withdrawn_by_the_layer_holding_it() {
    let t = spawn().await;
    let h = t.post("VILLAGE", "/v1/households", application(&[rid("52062419700606006")])).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.identify(&id).await;
    let path = |verb: &str| format!("/v1/households/{id}:{verb}");
    t.post("VILLAGEHEAD", &path("propose-removal"), json!({ "reason": "疑似错评" })).await.ok(200);
    // Not while the notice is up.
    t.post("VILLAGEHEAD", &path("withdraw-removal"), json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(Duration::days(7) + Duration::minutes(1));
    t.household_reaches(&id, "removal_awaiting_township").await;
    // The township holds it now, not the village.
    t.post("VILLAGEHEAD", &path("withdraw-removal"), json!({})).await.problem(403, "forbidden");
    let kept =
        t.post("TANGTOU", &path("withdraw-removal"), json!({ "note": "核实后确属贫困户" })).await.ok(200).clone();
    assert_eq!(kept["status"], "identified");
    let states = removal_states(&t, &id).await;
    assert_eq!(states[0].1, "cancelled");
    assert_eq!(states[1].1, "cancelled");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_file_enters_every_household_in_the_campaign() {
    let t = spawn().await;
    let task = campaign(&t).await;
    let csv = format!(
        "household_ref,village,year,main_cause,per_capita_income_fen,name,resident_id,relation\n\
         C1,520624101201,2017,illness,180000,甲,{},head\n\
         C2,520624101201,2017,lack_of_water,150000,乙,{},head\n",
        rid("52062419600101031"),
        rid("52062419610101032")
    );
    let upload = |query: String| {
        let csv = csv.clone();
        let t = &t;
        async move {
            reqwest::Client::new()
                .post(format!("{}/v1/imports?{query}", t.base))
                .bearer_auth(t.token("VILLAGE"))
                .header("Content-Type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap()
        }
    };
    // Both halves of the campaign are needed.
    assert_eq!(upload(format!("campaign_task_id={task}")).await.status().as_u16(), 422);
    let accepted = upload(format!("campaign_task_id={task}&entry=new")).await;
    assert_eq!(accepted.status().as_u16(), 202);
    let op: Value = accepted.json().await.unwrap();
    let id = op["id"].as_str().unwrap().to_owned();
    let done = eventually("the import to finish", || async {
        let op = t.get("VILLAGE", &format!("/v1/imports/{id}")).await.body.clone();
        (op["status"] != "running").then_some(op)
    })
    .await;
    assert_eq!(done["households_registered"], 2, "{done}");
    let listed = t.get("SINAN", "/v1/households?division=520624101201&year=2017").await.ok(200).clone();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    for item in items {
        let h = t.household(item["id"].as_str().unwrap()).await;
        assert_eq!(h["adjustment"], json!({ "campaign_task_id": task, "entry": "new" }));
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_import_is_refused_before_it_starts_unless_the_caller_may_enter_the_campaign() {
    let t = spawn().await;
    let task = campaign(&t).await;
    let csv = format!(
        "household_ref,village,year,main_cause,per_capita_income_fen,name,resident_id,relation\n\
         C1,520624101201,2017,illness,180000,甲,{},head\n",
        rid("52062419600101041")
    );
    let upload = |who: &'static str, campaign: String| {
        let csv = csv.clone();
        let t = &t;
        async move {
            let resp = reqwest::Client::new()
                .post(format!("{}/v1/imports?campaign_task_id={campaign}&entry=new", t.base))
                .bearer_auth(t.token(who))
                .header("Content-Type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
            let started = resp.headers().contains_key("location");
            let status = resp.status().as_u16();
            let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
            let body: Value = resp.json().await.unwrap();
            (status, started, content_type, body)
        }
    };
    let refused = |(status, started, content_type, body): (u16, bool, String, Value), expected: u16| {
        assert_eq!(status, expected, "{body}");
        assert!(!started, "no import starts: {body}");
        assert_eq!(content_type, "application/problem+json");
        body
    };

    // Another county's officials do not even see the campaign task.
    let other_county = refused(upload("SHIQIAN", task.clone()).await, 404);
    assert_eq!(other_county["type"], "/problems/not-found");
    // The province sees it, but the county's campaign is entered by the county.
    let province = refused(upload("GUIZHOU", task.clone()).await, 403);
    assert_eq!(province["type"], "/problems/forbidden");
    // No task at all, and a task that is no campaign.
    refused(upload("SINAN", uuid::Uuid::now_v7().to_string()).await, 404);
    let h = t.post("VILLAGE", "/v1/households", application(&[rid("52062419700101042")])).await;
    let hid = h.ok(201)["id"].as_str().unwrap().to_owned();
    let tasks = t.get("SINAN", &format!("/v1/tasks?subject_id={hid}")).await.ok(200).clone();
    let registration = tasks[0]["id"].as_str().unwrap().to_owned();
    let not_campaign = refused(upload("SINAN", registration).await, 422);
    assert_eq!(not_campaign["errors"][0]["field"], "campaign_task_id", "{not_campaign}");

    // The county's own officials, and its villages', enter it.
    let (status, started, _, body) = upload("VILLAGE", task.clone()).await;
    assert_eq!((status, started), (202, true), "{body}");
    t.stop().await;
}
