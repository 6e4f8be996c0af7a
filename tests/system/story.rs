//! The Sinan story through the gateway: register → identify → plan → deliver the plan's measures →
//! allocate ×2 → disburse → exit (the case showing the delivered plan).

use chain_system_tests::{TestSystem, application, eventually, rid, spawn};
use serde_json::{Value, json};

/// Registers a household and takes it through the identification procedure; returns its id.
pub async fn identified_household(t: &TestSystem, ids: &[String]) -> String {
    let h = t.post("VILLAGE", "/v1/households", application(ids)).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.identify(&id).await;
    id
}

/// Waits for planning's task about the household; returns it.
pub async fn plan_task(t: &TestSystem, household: &str) -> Value {
    eventually("the planning task", || async {
        let tasks = t.get("SINAN", &format!("/v1/tasks?kind=plan.household&subject_id={household}")).await;
        tasks.body.as_array().and_then(|a| a.first().cloned())
    })
    .await
}

/// A plan answering the household's illness and lack of skills, each measure with a milestone.
pub fn plan_body(household: &str) -> Value {
    json!({
        "household_id": household,
        "wishes": "想在家门口务工，孩子安心上学",
        "measures": [
            { "kind": "health", "description": "serious-illness insurance and a family doctor", "addresses": "illness",
              "responsible": "李医生", "budget_fen": 30000, "fund": "county", "expected_income_fen": 0,
              "milestones": [{ "what": "enrolled in serious-illness insurance", "due": "2027-03-31" }] },
            { "kind": "employment", "description": "skills training and a job at the county industrial park", "addresses": "lack_of_skills",
              "responsible": "王芳", "budget_fen": 200000, "fund": "central_special", "expected_income_fen": 1200000,
              "milestones": [{ "what": "training finished", "due": "2027-04-30" }, { "what": "employed at the park", "due": "2027-06-30" }] }
        ]
    })
}

/// Drafts (village), acknowledges (village), submits (township) and approves (county) the plan of
/// an identified household whose planning task is open; the approved plan.
pub async fn approved_plan(t: &TestSystem, household: &str) -> Value {
    plan_task(t, household).await;
    let plan = t.post("VILLAGE", "/v1/plans", plan_body(household)).await.ok(201).clone();
    let id = plan["id"].as_str().unwrap().to_owned();
    t.post("VILLAGE", &format!("/v1/plans/{id}:acknowledge"), json!({ "by": "户主", "on": today(t) })).await.ok(200);
    t.post("TANGTOU", &format!("/v1/plans/{id}:submit"), json!({})).await.ok(200);
    t.post("SINAN", &format!("/v1/plans/{id}:approve"), json!({})).await.ok(200).clone()
}

/// Today in Beijing by the system's workflow clock.
pub fn today(t: &TestSystem) -> String {
    chain_domain::calendar::beijing_date(t.clock.now()).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sinan_story_runs_from_registration_to_exit_and_the_ledger_balances() {
    let t = spawn().await;
    let ids = [rid("52062419800101002"), rid("52062420050607003")];

    // Identification: the village registers, appraises and verifies, the township reviews, the
    // county approves (the procedure's own tests cover the notices and objections in detail).
    let registered = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let h = registered.ok(201).clone();
    assert_eq!(h["status"], "applied");
    assert_eq!(registered.headers["etag"], "\"1\"");
    assert_eq!(h["members"][0]["resident_id"], format!("{}********{}", &ids[0][..6], &ids[0][14..]));
    let id = h["id"].as_str().unwrap().to_owned();
    t.identify(&id).await;
    assert_eq!(t.household(&id).await["status"], "identified");

    // Planning: the township's task appears; the village drafts the plan, the household
    // acknowledges it, the township submits it and the county approves it.
    let task = plan_task(&t, &id).await;
    assert_eq!(task["division"], "520624101");
    assert_eq!(task["state"], "open");
    let approved = approved_plan(&t, &id).await;
    assert_eq!(approved["status"], "approved");
    let plan_id = approved["id"].as_str().unwrap().to_owned();

    // Delivery: the village reports each milestone done; the last completes the plan.
    let milestones: Vec<String> = approved["measures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["milestones"].as_array().unwrap().iter())
        .map(|ms| ms["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(milestones.len(), 3);
    let mut reported = Value::Null;
    for milestone in &milestones {
        let body = json!({ "milestone_id": milestone, "done_on": today(&t), "note": "seen at the household" });
        reported = t.post("VILLAGE", &format!("/v1/plans/{plan_id}:report-milestone"), body).await.ok(200).clone();
    }
    assert_eq!(reported["status"], "completed");

    // Funding: central → Guizhou → Sinan → the household's plan.
    let a1 = t
        .post(
            "CENTRAL",
            "/v1/allocations",
            json!({ "to": "52", "year": 2016, "amount_fen": 100_000_000, "fund": "central-special", "reason": "hand-set for the test" }),
        )
        .await;
    assert_eq!(a1.ok(201)["from"], "CN");
    let a2 = t
        .post(
            "GUIZHOU",
            "/v1/allocations",
            json!({ "to": "520624", "year": 2016, "amount_fen": 2_000_000, "fund": "central-special", "reason": "hand-set for the test" }),
        )
        .await;
    assert_eq!(a2.ok(201)["to"], "520624");
    let disbursed = eventually("funding to learn of the approved plan", || async {
        let d = t
            .post(
                "SINAN",
                "/v1/disbursements",
                json!({ "plan_id": plan_id, "amount_fen": 500_000, "purpose": "skills training fees" }),
            )
            .await;
        (d.status == 201).then_some(d.body)
    })
    .await;
    assert_eq!(disbursed["household_id"], id.as_str());
    assert_eq!(disbursed["amount_fen"], 500_000);

    // Exit: proposed with income above the 2017 line, acknowledged by the household, approved.
    let proposal = eventually("exit to learn of the identified household", || async {
        let p = t
            .post("SINAN", "/v1/exits", json!({
                "household_id": id, "year": 2017, "per_capita_income_fen": 420_000,
                "guarantees": { "food": true, "clothing": true, "compulsory_education": true, "basic_medical_care": true, "safe_housing": true, "safe_drinking_water": true }
            }))
            .await;
        (p.status == 201).then_some(p.body)
    })
    .await;
    assert_eq!(proposal["poverty_line_fen"], 302_600);
    let exit_id = proposal["id"].as_str().unwrap().to_owned();
    // The case shows the plan planning announced completed, the evidence the household was assisted.
    let assisted = eventually("exit to learn that the plan was completed", || async {
        let c = t.get("SINAN", &format!("/v1/exits/{exit_id}")).await;
        c.body.get("assistance").filter(|a| a.is_object()).cloned()
    })
    .await;
    assert_eq!(assisted["plan_id"], plan_id.as_str());
    assert_eq!(assisted["revision"], 1);
    assert!(assisted["completed_at"].is_string(), "{assisted}");
    let ack =
        t.post("VILLAGE", &format!("/v1/exits/{exit_id}:acknowledge"), json!({ "acknowledged_by": "成员0" })).await;
    assert_eq!(ack.ok(200)["status"], "acknowledged");
    // The village's public notice of the exit runs 7 days before the county may approve.
    t.post("SINAN", &format!("/v1/exits/{exit_id}:approve"), json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    eventually("the exit notice to pass", || async {
        let c = t.get("SINAN", &format!("/v1/exits/{exit_id}")).await;
        (c.body["status"] == "noticed").then_some(())
    })
    .await;
    let done = t.post("SINAN", &format!("/v1/exits/{exit_id}:approve"), json!({})).await;
    assert_eq!(done.ok(200)["status"], "approved");

    // Final state in every service.
    let exited = eventually("identification to mark the household exited", || async {
        let h = t.get("SINAN", &format!("/v1/households/{id}")).await;
        (h.body["status"] == "exited").then_some(h.body)
    })
    .await;
    assert_eq!(exited["version"], 8, "register, appraise, verify, notice passed, review, notice passed, approve, exit");
    assert_eq!(t.get("SINAN", &format!("/v1/plans/{plan_id}")).await.ok(200)["status"], "completed");
    let case = t.get("SINAN", &format!("/v1/exits/{exit_id}")).await.ok(200).clone();
    assert_eq!(case["status"], "approved");
    assert_eq!(case["assistance"]["plan_id"], plan_id.as_str(), "the evidence stays once the household exited");

    // The helper stays with an exited household and can still be changed; its plan shows the new one.
    let helper = json!({
        "name": "李强", "unit": "思南县教育局", "unit_layer": "county", "unit_division": "520624",
        "phone": "13987654321", "since": today(&t)
    });
    let card = t.post("SINAN", &format!("/v1/households/{id}:assign-helper"), helper).await.ok(200).clone();
    assert_eq!((card["status"].as_str(), card["card"]["helper"]["name"].as_str()), (Some("exited"), Some("李强")));
    eventually("the plan to show the exited household's new helper", || async {
        let plan = t.get("SINAN", &format!("/v1/plans/{plan_id}")).await;
        (plan.body["helper"]["phone"] == "139****4321").then_some(())
    })
    .await;
    let tasks = t.get("SINAN", &format!("/v1/tasks?subject_id={id}")).await;
    let mut done: Vec<(&str, &str, &str)> = tasks
        .ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["kind"].as_str().unwrap(), t["division"].as_str().unwrap(), t["state"].as_str().unwrap()))
        .collect();
    done.sort();
    assert_eq!(
        done,
        [
            ("exit.household", "520624", "signed_off"),
            ("exit.household", "520624101201", "signed_off"),
            ("identification.household", "520624", "signed_off"),
            ("identification.household", "520624101", "signed_off"),
            ("identification.household", "520624101201", "signed_off"),
            ("plan.household", "520624101", "signed_off"),
        ],
        "the identification procedure (village, township, county), the plan and the exit (village, county) are all done"
    );

    let central = t.get("CENTRAL", "/v1/accounts/CN").await.ok(200).clone();
    assert_eq!(central["allocated_fen"], 100_000_000);
    let guizhou = t.get("GUIZHOU", "/v1/accounts/52").await.ok(200).clone();
    assert_eq!(
        (guizhou["received_fen"].as_i64(), guizhou["allocated_fen"].as_i64(), guizhou["balance_fen"].as_i64()),
        (Some(100_000_000), Some(2_000_000), Some(98_000_000))
    );
    let sinan = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!(
        (sinan["received_fen"].as_i64(), sinan["disbursed_fen"].as_i64(), sinan["balance_fen"].as_i64()),
        (Some(2_000_000), Some(500_000), Some(1_500_000))
    );
    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!(check["balanced"], true, "{check}");
    assert_eq!(check["sum_fen"], 0);
    assert_eq!(check["entries"], 6);

    // Once exited, the members may appear in a new household again.
    t.post("VILLAGE", "/v1/households", application(&ids)).await.ok(201);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_covers_the_gateway_the_service_and_the_event() {
    let t = spawn().await;
    let ids = [rid("52062419900101005")];
    let h = t.post("VILLAGE", "/v1/households", application(&ids)).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:appraise"), json!({ "votes_for": 9, "votes_against": 0 }))
        .await
        .ok(200);
    t.post("VILLAGEHEAD", &format!("/v1/households/{id}:verify"), json!({})).await.ok(200);
    t.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    t.household_reaches(&id, "awaiting_township").await;
    t.post("TANGTOU", &format!("/v1/households/{id}:review"), json!({})).await.ok(200);
    t.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    t.household_reaches(&id, "awaiting_county").await;
    let approve = t.post("SINAN", &format!("/v1/households/{id}:approve"), json!({})).await;
    approve.ok(200);
    let trace = chain_telemetry::trace_id_of(approve.headers["traceparent"].to_str().unwrap()).unwrap();

    // The published event carries the same trace.
    let js = async_nats::jetstream::new(t.nats_admin().await);
    let stream = js.get_stream("CHAIN_EVENTS").await.unwrap();
    let msg = eventually("the household-identified event", || async {
        stream
            .get_last_raw_message_by_subject("chain.evt.identification.household-identified.52.06.24.101.201")
            .await
            .ok()
    })
    .await;
    let envelope: chain_api::Envelope = serde_json::from_slice(&msg.payload).unwrap();
    assert_eq!(envelope.kind, "identification.household-identified");
    assert_eq!(chain_telemetry::trace_id_of(envelope.traceparent.as_deref().unwrap()).unwrap(), trace);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objection_to_an_exit_notice_sends_it_back_until_acknowledged_again() {
    let t = spawn().await;
    let id = identified_household(&t, &[rid("52062419610101006")]).await;
    let proposal = json!({ "household_id": id, "year": 2017, "per_capita_income_fen": 420000, "guarantees": { "food": true, "clothing": true, "compulsory_education": true, "basic_medical_care": true, "safe_housing": true, "safe_drinking_water": true } });
    let case = eventually("exit to know the household", || async {
        let p = t.post("SINAN", "/v1/exits", proposal.clone()).await;
        (p.status == 201).then_some(p.body)
    })
    .await;
    let exit_id = case["id"].as_str().unwrap().to_owned();
    let acked =
        t.post("VILLAGE", &format!("/v1/exits/{exit_id}:acknowledge"), json!({ "acknowledged_by": "成员0" })).await;
    let notice = acked.ok(200)["notice"].clone();
    assert_eq!(
        (&notice["kind"], &notice["division"], &notice["days"]),
        (&json!("exit.household"), &json!("520624101201"), &json!(7))
    );
    // A villager objects through the township.
    let notice_id = notice["id"].as_str().unwrap().to_owned();
    let lodged =
        t.post("TANGTOU", &format!("/v1/notices/{notice_id}/objections"), json!({ "reason": "收入不稳定" })).await;
    let lodged = lodged.ok(201).clone();
    assert_eq!(t.get("SINAN", &format!("/v1/exits/{exit_id}")).await.ok(200)["status"], "objected");
    t.post("SINAN", &format!("/v1/exits/{exit_id}:approve"), json!({})).await.problem(409, "invalid-transition");
    // Acknowledged again only once the objection is resolved; then a fresh 7 days.
    let ack = json!({ "acknowledged_by": "成员0" });
    t.post("VILLAGE", &format!("/v1/exits/{exit_id}:acknowledge"), ack.clone())
        .await
        .problem(409, "invalid-transition");
    let resolve = format!("/v1/objections/{}:resolve", lodged["id"].as_str().unwrap());
    t.post("VILLAGEHEAD", &resolve, json!({ "upheld": false, "reason": "务工收入已核实稳定" })).await.ok(200);
    t.post("VILLAGE", &format!("/v1/exits/{exit_id}:acknowledge"), ack).await.ok(200);
    t.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    eventually("the exit notice to pass", || async {
        let c = t.get("SINAN", &format!("/v1/exits/{exit_id}")).await;
        (c.body["status"] == "noticed").then_some(())
    })
    .await;
    assert_eq!(t.post("SINAN", &format!("/v1/exits/{exit_id}:approve"), json!({})).await.ok(200)["status"], "approved");
    t.stop().await;
}
