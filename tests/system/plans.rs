//! Household plans as living records, through the gateway: drafted by the village with the
//! household's wishes, acknowledged, submitted by the township, approved by the county; milestones
//! tracked as village tasks to completion; the cause → measure rules; the income gap and its
//! justification; revisions that keep earlier ones readable; overdue milestones escalated to the
//! county; and the refusals (other counties, wrong layers, bad input, replays, races).

use chain_system_tests::{TestSystem, eventually, rid, spawn};
use reqwest::Method;
use serde_json::{Value, json};

use crate::story::{approved_plan, identified_household, plan_body, plan_task, today};

/// Every event of `kind` on the stream about `subject`.
async fn events_of(t: &TestSystem, kind: &str, subject: &str) -> Vec<chain_api::Envelope> {
    let js = async_nats::jetstream::new(t.nats_admin().await);
    let mut stream = js.get_stream("CHAIN_EVENTS").await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut found = Vec::new();
    for seq in 1..=last {
        if let Ok(raw) = stream.get_raw_message(seq).await {
            let e: chain_api::Envelope = serde_json::from_slice(&raw.payload).unwrap();
            if e.kind == kind && e.subject_id.to_string() == subject {
                found.push(e);
            }
        }
    }
    found
}

fn milestones(plan: &Value) -> Vec<(String, String)> {
    plan["measures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["milestones"].as_array().unwrap().iter())
        .map(|ms| (ms["id"].as_str().unwrap().to_owned(), ms["what"].as_str().unwrap().to_owned()))
        .collect()
}

async fn report(t: &TestSystem, plan: &str, milestone: &str) -> Value {
    let body = json!({ "milestone_id": milestone, "done_on": today(t), "note": "seen at the household" });
    t.post("VILLAGE", &format!("/v1/plans/{plan}:report-milestone"), body).await.ok(200).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_runs_from_the_households_wishes_to_completion_and_every_step_is_announced() {
    let t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419800101101")]).await;
    let task = plan_task(&t, &hid).await;
    assert_eq!((task["division"].as_str(), task["state"].as_str()), (Some("520624101"), Some("open")));

    // The helper is the file card's, not the plan's own.
    let mut naming = plan_body(&hid);
    naming["helper"] = json!({ "name": "王芳", "unit": "思南县农业农村局" });
    let p = t.post("VILLAGE", "/v1/plans", naming).await;
    assert_eq!(p.problem(422, "validation")["errors"][0]["field"], "helper");
    let draft = t.post("VILLAGE", "/v1/plans", plan_body(&hid)).await.ok(201).clone();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["helper"], Value::Null, "no helper on the card yet");
    assert_eq!(draft["revision"], 1);
    assert_eq!(draft["wishes"], "想在家门口务工，孩子安心上学");
    assert_eq!(draft["measures"][0]["batch"], "supporting");
    assert_eq!(draft["measures"][1]["batch"], "production");
    assert_eq!(draft["measures"][1]["milestones"][0]["state"], "open");
    assert_eq!(draft["measures"][1]["milestones"][0]["task_id"], Value::Null);
    // 210,000 fen a person on the card, plus 1,200,000 fen a year shared by 1 member.
    let projection = &draft["projection"];
    assert_eq!(
        (projection["card_per_capita_fen"].as_i64(), projection["expected_effect_fen"].as_i64()),
        (Some(210_000), Some(1_200_000))
    );
    assert_eq!(projection["closes_gap"], true);
    let id = draft["id"].as_str().unwrap().to_owned();
    let cadre = json!({
        "name": "王芳", "unit": "思南县农业农村局", "unit_layer": "county", "unit_division": "520624",
        "phone": "13812345678", "since": today(&t)
    });
    t.post("SINAN", &format!("/v1/households/{hid}:assign-helper"), cadre).await.ok(200);
    let shown = eventually("planning to learn of the helper", || async {
        let plan = t.get("SINAN", &format!("/v1/plans/{id}")).await;
        (plan.body["helper"]["name"] == "王芳").then(|| plan.body.clone())
    })
    .await;
    assert_eq!(
        (shown["helper"]["phone"].as_str(), shown["helper"]["unit_layer"].as_str()),
        (Some("138****5678"), Some("county"))
    );
    let changed = &events_of(&t, "identification.helper-changed", &hid).await[0];
    assert_eq!(changed.payload["phone"], "138****5678");
    assert!(!changed.payload.to_string().contains("13812345678"));

    // The township submits only what the household acknowledged.
    t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.problem(409, "invalid-transition");
    let ack = t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主" })).await;
    assert_eq!(ack.ok(200)["acknowledgement"]["recorded_by"], "sihebashi-operator");
    assert_eq!(ack.body["acknowledgement"]["on"], today(&t), "the day defaults to today");
    // The village cannot submit for the township, nor the township approve for the county.
    t.post("VILLAGE", &format!("/v1/plans/{id}:submit"), json!({})).await.problem(403, "forbidden");
    let submitted = t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await;
    assert_eq!(submitted.ok(200)["status"], "submitted");
    t.post("TANGTOU", &format!("/v1/plans/{id}:approve"), json!({})).await.problem(403, "forbidden");
    let approved =
        t.post("SINAN", &format!("/v1/plans/{id}:approve"), json!({ "note": "措施对路" })).await.ok(200).clone();
    assert_eq!(approved["status"], "approved");

    // Each milestone is a village task the county answers for, due at the end of its day.
    let ms = milestones(&approved);
    assert_eq!(ms.len(), 3);
    for (mid, _) in &ms {
        let tasks = t.get("SINAN", &format!("/v1/tasks?kind=plan.milestone&subject_id={mid}")).await.ok(200).clone();
        let task = &tasks.as_array().unwrap()[0];
        assert_eq!((task["division"].as_str(), task["state"].as_str()), (Some("520624101201"), Some("open")));
    }
    let started = report(&t, &id, &ms[0].0).await;
    assert_eq!(started["status"], "in_progress");
    assert_eq!(started["measures"][0]["delivered"], true);
    assert_eq!(started["measures"][0]["milestones"][0]["reported_by"], "sihebashi-operator");
    let again = json!({ "milestone_id": ms[0].0, "done_on": today(&t), "note": "twice" });
    t.post("VILLAGE", &format!("/v1/plans/{id}:report-milestone"), again).await.problem(409, "invalid-transition");
    report(&t, &id, &ms[1].0).await;
    let completed = report(&t, &id, &ms[2].0).await;
    assert_eq!(completed["status"], "completed");
    assert!(completed["measures"].as_array().unwrap().iter().all(|m| m["delivered"] == true));
    let tasks = t.get("SINAN", &format!("/v1/tasks?kind=plan.milestone&subject_id={}", ms[2].0)).await.ok(200).clone();
    assert_eq!(tasks[0]["state"], "signed_off");

    // Every change of status is a fact on the bus, the approval with the measures and budgets.
    for kind in ["drafted", "submitted", "approved", "started", "completed"] {
        let kind = format!("planning.plan-{kind}");
        let found =
            eventually(&kind, || async { Some(events_of(&t, &kind, &id).await).filter(|e| !e.is_empty()) }).await;
        assert_eq!(found.len(), 1, "{kind}");
    }
    let approved_event = &events_of(&t, "planning.plan-approved", &id).await[0];
    assert_eq!(approved_event.payload["budget_fen"], 230_000);
    assert_eq!(approved_event.payload["measures"][1]["fund"], "central_special");
    assert_eq!(events_of(&t, "planning.milestone-done", &id).await.len(), 3);
    t.stop().await;
}

/// The unit that sent a household's helper follows that household's plan and reports its
/// milestones, even from another county; for any other household it is a stranger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helpers_unit_reports_delivery_for_the_households_it_helps_and_no_others() {
    let t = spawn().await;
    let helped = identified_household(&t, &[rid("52062419800101111")]).await;
    let other = identified_household(&t, &[rid("52062419800101129")]).await;
    let plan = approved_plan(&t, &helped).await["id"].as_str().unwrap().to_owned();
    let stranger = approved_plan(&t, &other).await["id"].as_str().unwrap().to_owned();
    let cadre = json!({
        "name": "张强", "unit": "石阡县农业农村局", "unit_layer": "county", "unit_division": "520623",
        "phone": "13912345678", "since": today(&t)
    });
    t.post("SINAN", &format!("/v1/households/{helped}:assign-helper"), cadre).await.ok(200);
    let shown = eventually("planning to learn of the helper", || async {
        let p = t.get("SHIQIAN", &format!("/v1/plans/{plan}")).await;
        (p.status == 200).then(|| p.body.clone())
    })
    .await;
    assert_eq!(shown["helper"]["unit_division"], "520623");
    let ms = milestones(&shown);
    let body = |m: &str| json!({ "milestone_id": m, "done_on": today(&t), "note": "看到了入户记录" });
    let reported = t.post("SHIQIAN", &format!("/v1/plans/{plan}:report-milestone"), body(&ms[0].0)).await;
    assert_eq!(reported.ok(200)["status"], "in_progress");
    assert_eq!(reported.body["measures"][0]["milestones"][0]["reported_by"], "shiqian-official");
    let task = t.get("SINAN", &format!("/v1/tasks?kind=plan.milestone&subject_id={}", ms[0].0)).await.ok(200).clone();
    assert_eq!(task[0]["state"], "signed_off");

    // Another household's plan, even in the same village, stays out of the unit's sight.
    let theirs = t.get("SINAN", &format!("/v1/plans/{stranger}")).await.ok(200).clone();
    t.get("SHIQIAN", &format!("/v1/plans/{stranger}")).await.problem(404, "not-found");
    let m = milestones(&theirs)[0].0.clone();
    t.post("SHIQIAN", &format!("/v1/plans/{stranger}:report-milestone"), body(&m)).await.problem(404, "not-found");
    assert_eq!(t.get("SINAN", &format!("/v1/plans/{stranger}")).await.ok(200)["status"], "approved");
    // A layer between the village and the county that is not the unit still cannot report.
    t.post("TANGTOU", &format!("/v1/plans/{plan}:report-milestone"), body(&ms[1].0)).await.problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_must_answer_every_recorded_cause_and_bad_input_writes_nothing() {
    let t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419800101102")]).await;
    plan_task(&t, &hid).await;

    // Skills training does not answer illness: both causes must be answered by an allowed kind.
    let mut body = plan_body(&hid);
    body["measures"][0]["kind"] = json!("industry");
    let refused = t.post("VILLAGE", "/v1/plans", body).await.problem(422, "validation").clone();
    assert_eq!(refused["errors"][0]["field"], "measures");
    assert_eq!(
        refused["errors"][0]["message"],
        "no measure answers the main cause illness (it is answered by safety_net, health)"
    );

    // Every bad field at once, each with its pointer.
    let mut body = plan_body(&hid);
    body["wishes"] = json!(" ");
    body["measures"][1]["fund"] = Value::Null;
    body["measures"][1]["milestones"][0]["due"] = json!("2015-01-01");
    body["measures"][1]["responsible"] = json!("");
    let refused = t.post("VILLAGE", "/v1/plans", body).await.problem(422, "validation").clone();
    let fields: Vec<&str> =
        refused["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["wishes", "measures/1/responsible", "measures/1/fund", "measures/1/milestones/0/due"],
        "{refused}"
    );

    // The county does not draft, another county does not even see the household.
    t.post("SINAN", "/v1/plans", plan_body(&hid)).await.problem(403, "forbidden");
    t.post("SHIQIAN", "/v1/plans", plan_body(&hid)).await.problem(404, "not-found");

    // Nothing was written: the first valid draft is revision 1, version 1; a second is refused.
    let plan = t.post("VILLAGE", "/v1/plans", plan_body(&hid)).await.ok(201).clone();
    assert_eq!((plan["revision"].as_i64(), plan["version"].as_i64()), (Some(1), Some(1)));
    t.post("VILLAGE", "/v1/plans", plan_body(&hid)).await.problem(409, "conflict");
    let id = plan["id"].as_str().unwrap();
    let body = plan_body(&hid);
    let revise = json!({ "kind": "amendment", "reason": "r", "wishes": "w", "measures": body["measures"] });
    let steps = [
        ("acknowledge", json!({ "by": "户主", "on": today(&t) })),
        ("submit", json!({})),
        ("approve", json!({})),
        ("return", json!({ "reason": "r" })),
        ("revise", revise),
        ("report-milestone", json!({ "milestone_id": uuid::Uuid::now_v7(), "done_on": today(&t), "note": "n" })),
    ];
    for (step, body) in steps {
        t.post("SHIQIAN", &format!("/v1/plans/{id}:{step}"), body).await.problem(404, "not-found");
    }
    t.get("SHIQIAN", &format!("/v1/plans/{id}")).await.problem(404, "not-found");
    t.get("SHIQIAN", &format!("/v1/plans/{id}/revisions/1")).await.problem(404, "not-found");

    // The rules are readable by any official.
    let rules = t.get("SHIQIAN", "/v1/plan-rules?year=2016").await.ok(200).clone();
    let illness = rules["causes"].as_array().unwrap().iter().find(|c| c["cause"] == "illness").unwrap().clone();
    assert_eq!(illness["kinds"], json!(["safety_net", "health"]));
    assert_eq!(rules["batches"].as_array().unwrap().len(), 10);
    t.get("SHIQIAN", "/v1/plan-rules?province=5206").await.problem(422, "validation");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_leaves_the_household_below_the_line_needs_a_justification() {
    let t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419800101103")]).await;
    plan_task(&t, &hid).await;
    let mut body = plan_body(&hid);
    body["measures"][1]["expected_income_fen"] = json!(10_000);
    let plan = t.post("VILLAGE", "/v1/plans", body.clone()).await.ok(201).clone();
    assert_eq!(plan["projection"]["closes_gap"], false, "{}", plan["projection"]);
    let id = plan["id"].as_str().unwrap().to_owned();
    t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主", "on": today(&t) })).await.ok(200);
    let refused =
        t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.problem(422, "validation").clone();
    assert_eq!(refused["errors"][0]["field"], "justification");

    // The village gives the reason in a new draft; the household acknowledges it again.
    let revise = json!({
        "kind": "amendment", "reason": "添加说明", "wishes": body["wishes"], "measures": body["measures"],
        "justification": "兜底保障另行落实，收入缺口由低保补足"
    });
    let redrafted = t.post("VILLAGE", &format!("/v1/plans/{id}:revise"), revise).await.ok(200).clone();
    assert_eq!((redrafted["revision"].as_i64(), redrafted["acknowledgement"].is_null()), (Some(1), true));
    t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.problem(409, "invalid-transition");
    t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主", "on": today(&t) })).await.ok(200);
    assert_eq!(t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.ok(200)["status"], "submitted");

    // The county returns it with a reason; the township's task is returned with it.
    t.post("SINAN", &format!("/v1/plans/{id}:return"), json!({ "reason": " " })).await.problem(422, "validation");
    let returned = t.post("SINAN", &format!("/v1/plans/{id}:return"), json!({ "reason": "收入测算偏低" })).await;
    assert_eq!(returned.ok(200)["status"], "draft");
    let task = t.get("SINAN", &format!("/v1/tasks?kind=plan.household&subject_id={hid}")).await.ok(200).clone();
    assert_eq!(task[0]["state"], "returned");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revision_goes_through_approval_again_and_keeps_the_earlier_one_readable() {
    let t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419800101104")]).await;
    let approved = approved_plan(&t, &hid).await;
    let id = approved["id"].as_str().unwrap().to_owned();
    let ms = milestones(&approved);
    report(&t, &id, &ms[1].0).await;

    // The yearly update keeps the done training milestone and drops the park job for another.
    let mut measures = plan_body(&hid)["measures"].clone();
    measures[1]["milestones"][1] = json!({ "what": "employed at the tea cooperative", "due": "2027-08-31" });
    let revise = json!({
        "kind": "yearly_update", "reason": "园区岗位改为茶叶合作社", "wishes": "想在家门口务工",
        "measures": measures
    });
    let revised = t.post("VILLAGE", &format!("/v1/plans/{id}:revise"), revise).await.ok(200).clone();
    assert_eq!((revised["revision"].as_i64(), revised["status"].as_str()), (Some(2), Some("draft")));
    assert_eq!(revised["revision_kind"], "yearly_update");
    let kept = &revised["measures"][1]["milestones"][0];
    assert_eq!((kept["id"].as_str(), kept["state"].as_str()), (Some(ms[1].0.as_str()), Some("done")));
    assert_eq!(revised["measures"][1]["milestones"][1]["task_id"], Value::Null);
    let dropped =
        t.get("SINAN", &format!("/v1/tasks?kind=plan.milestone&subject_id={}", ms[2].0)).await.ok(200).clone();
    assert_eq!(dropped[0]["state"], "cancelled");

    // Revision 1 reads as it was approved.
    let first = t.get("SINAN", &format!("/v1/plans/{id}/revisions/1")).await.ok(200).clone();
    assert_eq!((first["revision"].as_i64(), first["status"].as_str()), (Some(1), Some("in_progress")));
    assert_eq!(first["measures"][1]["milestones"][1]["what"], "employed at the park");
    t.get("SINAN", &format!("/v1/plans/{id}/revisions/3")).await.problem(404, "not-found");

    // Through acknowledgement, the township and the county again; the kept milestone stays done.
    t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主", "on": today(&t) })).await.ok(200);
    t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.ok(200);
    let second = t.post("SINAN", &format!("/v1/plans/{id}:approve"), json!({})).await.ok(200).clone();
    assert_eq!(second["status"], "in_progress");
    assert!(second["measures"][1]["milestones"][1]["task_id"].is_string());
    let tasks = t.get("SINAN", &format!("/v1/tasks?kind=plan.household&subject_id={hid}")).await.ok(200).clone();
    assert_eq!(tasks.as_array().unwrap().iter().filter(|t| t["state"] == "signed_off").count(), 2, "{tasks}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_replay_under_their_key_and_exactly_one_of_two_racing_approvals_wins() {
    let t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419800101105")]).await;
    plan_task(&t, &hid).await;
    let token = t.token("VILLAGE");
    let key = [("Idempotency-Key", "plan-draft-1")];
    let first = t.send(Method::POST, "/v1/plans", &token, Some(plan_body(&hid)), &key).await;
    let replay = t.send(Method::POST, "/v1/plans", &token, Some(plan_body(&hid)), &key).await;
    assert_eq!(first.ok(201)["id"], replay.ok(201)["id"]);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    let id = first.body["id"].as_str().unwrap().to_owned();
    t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主", "on": today(&t) })).await.ok(200);
    t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.ok(200);

    let path = format!("/v1/plans/{id}:approve");
    let (a, b) = tokio::join!(t.post("SINAN", &path, json!({})), t.post("SINAN", &path, json!({})));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses[0], 200, "{:?} {:?}", a.body, b.body);
    assert!(statuses[1] == 409, "the loser is refused: {:?} {:?}", a.body, b.body);
    let plan = t.get("SINAN", &format!("/v1/plans/{id}")).await.ok(200).clone();
    let tasks: usize = milestones(&plan).len();
    let opened = t.get("SINAN", "/v1/tasks?kind=plan.milestone&division=520624101201").await.ok(200).clone();
    assert_eq!(opened.as_array().unwrap().len(), tasks, "one task per milestone, not two");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_milestone_escalates_to_the_county_across_a_restart() {
    let mut t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419800101106")]).await;
    let mut body = plan_body(&hid);
    let due = chain_domain::calendar::beijing_date(t.clock.now()) + chrono::Duration::days(10);
    body["measures"][0]["milestones"][0]["due"] = json!(due.to_string());
    plan_task(&t, &hid).await;
    let plan = t.post("VILLAGE", "/v1/plans", body).await.ok(201).clone();
    let id = plan["id"].as_str().unwrap().to_owned();
    t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主", "on": today(&t) })).await.ok(200);
    t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.ok(200);
    let approved = t.post("SINAN", &format!("/v1/plans/{id}:approve"), json!({})).await.ok(200).clone();
    let task_id = approved["measures"][0]["milestones"][0]["task_id"].as_str().unwrap().to_owned();

    t.restart().await;
    // Past the due day and the 3-day grace of the deadline ladder.
    t.clock.advance(chrono::Duration::days(15));
    let escalated = eventually("the milestone to be escalated", || async {
        let task = t.get("SINAN", &format!("/v1/tasks/{task_id}")).await;
        (task.body["deadline"] == "escalated").then_some(task.body)
    })
    .await;
    assert_eq!(escalated["state"], "open");
    let records = t.get("SINAN", "/v1/accountability?division=520624101201").await.ok(200).clone();
    let record = records.as_array().unwrap().iter().find(|r| r["task_id"] == json!(task_id)).cloned().unwrap();
    assert_eq!((record["kind"].as_str(), record["escalated_to"].as_str()), (Some("overdue"), Some("520624")));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_lists_its_plans_by_filter_and_sees_its_coverage() {
    let t = spawn().await;
    let first = identified_household(&t, &[rid("52062419800101107")]).await;
    let second = identified_household(&t, &[rid("52062419800101108")]).await;
    let third = identified_household(&t, &[rid("52062419800101109")]).await;
    let approved = approved_plan(&t, &first).await;
    plan_task(&t, &second).await;
    let mut body = plan_body(&second);
    body["measures"][0]["kind"] = json!("safety_net");
    t.post("VILLAGE", "/v1/plans", body).await.ok(201);
    plan_task(&t, &third).await;

    let all = t.get("SINAN", "/v1/plans?division=520624").await.ok(200).clone();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let only = |q: &str| {
        let q = q.to_owned();
        let t = &t;
        async move {
            let page = t.get("SINAN", &format!("/v1/plans?{q}")).await.ok(200).clone();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["household_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(only("status=approved").await, vec![first.clone()]);
    assert_eq!(only("kind=health").await, vec![first.clone()]);
    assert_eq!(only("kind=safety_net").await, vec![second.clone()]);
    assert_eq!(only("cause=lack_of_skills").await.len(), 2);
    assert!(only("overdue=true").await.is_empty());
    let summary = &all["items"][0];
    assert_eq!(
        (summary["milestones"].as_u64(), summary["done"].as_u64(), summary["budget_fen"].as_i64()),
        (Some(3), Some(0), Some(230_000))
    );
    assert_eq!(summary["next_due"], "2027-03-31");

    // One page at a time.
    let page = t.get("SINAN", "/v1/plans?limit=1").await.ok(200).clone();
    let after = page["next_after"].as_str().unwrap();
    let next = t.get("SINAN", &format!("/v1/plans?limit=1&after={after}")).await.ok(200).clone();
    assert_eq!(next["items"][0]["household_id"], second.as_str());
    assert!(next.get("next_after").is_none());

    // Past the first milestone's due day, the approved plan has an overdue milestone.
    t.clock.advance(chrono::Duration::days(200));
    assert_eq!(only("overdue=true").await, vec![first.clone()]);
    assert_eq!(only("overdue=false").await, vec![second.clone()]);

    let coverage = t.get("SINAN", "/v1/plan-coverage?division=520624101&group_by=village").await.ok(200).clone();
    let village = &coverage["items"][0];
    assert_eq!(village["division"], "520624101201");
    assert_eq!(
        (
            village["households"].as_u64(),
            village["planned"].as_u64(),
            village["approved"].as_u64(),
            village["completed"].as_u64()
        ),
        (Some(3), Some(2), Some(1), Some(0))
    );
    assert!(village["overdue_milestones"].as_u64().unwrap() >= 1);
    let later = t.get("SINAN", "/v1/plan-coverage?division=520624101&after=520624101201").await.ok(200).clone();
    assert!(later["items"].as_array().unwrap().is_empty(), "nothing after the only village: {later}");
    let county = t.get("SINAN", "/v1/plan-coverage?group_by=county").await.ok(200).clone();
    assert_eq!(county["items"][0]["households"], 3);

    // Another county sees nothing of Sinan's.
    let theirs = t.get("SHIQIAN", "/v1/plans?division=520624").await.ok(200).clone();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let theirs = t.get("SHIQIAN", "/v1/plan-coverage?division=520624").await.ok(200).clone();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    t.get("SINAN", "/v1/plans?cause=bad_luck").await.problem(422, "validation");
    let _ = approved;
    t.stop().await;
}
