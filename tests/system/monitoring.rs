//! Return-to-poverty monitoring through the gateway, on the engine's injected clock: a case through
//! every step with an objection to the village's notice, a county that decides too late and is
//! escalated, an out-of-range signal refused with nothing stored, and risk removal refused without
//! labour and before half a year, allowed after it, then reversed.

use chain_system_tests::{TestSystem, eventually, rid, spawn};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

fn today(t: &TestSystem) -> NaiveDate {
    chain_domain::calendar::beijing_date(t.clock.now())
}

/// A signal about a household not in the register, in Sihebashi village, income below 1.5 lines.
fn signal(t: &TestSystem, head_id: &str, has_labour: bool) -> Value {
    json!({
        "village": "520624101201",
        "head_name": "杨某",
        "head_resident_id": head_id,
        "group": "marginal",
        "channel": "cadre_visit",
        "signal_date": today(t),
        "year": 2021,
        "per_capita_income_fen": 520_000,
        "has_labour": has_labour,
    })
}

async fn act(t: &TestSystem, who: &str, id: &str, verb: &str, body: Value) -> Value {
    t.post(who, &format!("/v1/monitoring/{id}:{verb}"), body).await.ok(200).clone()
}

async fn case(t: &TestSystem, id: &str) -> Value {
    t.get("SINAN", &format!("/v1/monitoring/{id}")).await.ok(200).clone()
}

async fn reaches(t: &TestSystem, id: &str, status: &str) -> Value {
    eventually(&format!("case {id} to be {status}"), || async {
        let c = case(t, id).await;
        (c["status"] == status).then_some(c)
    })
    .await
}

/// The case's tasks, county first.
async fn tasks(t: &TestSystem, id: &str) -> Vec<Value> {
    let found = t.get("SINAN", &format!("/v1/tasks?kind=monitoring.household&subject_id={id}")).await;
    let mut all = found.ok(200).as_array().unwrap().clone();
    all.sort_by_key(|t| t["division"].as_str().unwrap().len());
    all
}

fn states(tasks: &[Value]) -> Vec<&str> {
    tasks.iter().map(|t| t["state"].as_str().unwrap()).collect()
}

/// Opens a case and takes it to the county's inclusion, moving the clock past the notice.
async fn include(t: &TestSystem, head_id: &str, has_labour: bool) -> String {
    let opened = t.post("VILLAGE", "/v1/monitoring", signal(t, head_id, has_labour)).await;
    let id = opened.ok(201)["id"].as_str().unwrap().to_owned();
    act(t, "VILLAGE", &id, "visit", json!({})).await;
    act(t, "VILLAGE", &id, "consent", json!({ "given": true })).await;
    act(t, "SINAN", &id, "match", json!({ "passed": true })).await;
    act(t, "VILLAGEHEAD", &id, "appraise", json!({ "votes_for": 9, "votes_against": 0 })).await;
    act(t, "VILLAGEHEAD", &id, "post-notice", json!({})).await;
    t.clock.advance(Duration::days(5) + Duration::minutes(1));
    reaches(t, &id, "awaiting_township").await;
    act(t, "TANGTOU", &id, "review", json!({})).await;
    let c = act(t, "SINAN", &id, "decide", json!({ "include": true })).await;
    assert_eq!(c["status"], "included");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_through_every_step_and_an_objection_sends_the_notice_back() {
    let t = spawn().await;
    let head = rid("52062419790215003");
    let opened = t.post("VILLAGE", "/v1/monitoring", signal(&t, &head, true)).await;
    let c = opened.ok(201).clone();
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!((&c["status"], &c["version"]), (&json!("alerted"), &json!(1)));
    assert_eq!(c["reasons"], json!(["income_below_ceiling"]));
    assert_eq!(c["income_ceiling_fen"], 600_000, "1.5 × the 2020 line carried into 2021");
    assert_ne!(c["head_resident_id"], json!(head), "the ID is masked");
    assert!(!opened.body.to_string().contains(&head[6..14]));
    // The county's task falls due 15 days after the signal, the village's work has started.
    let opened_tasks = tasks(&t, &id).await;
    assert_eq!(states(&opened_tasks), vec!["open", "open", "in_progress"]);
    assert_eq!(opened_tasks[0]["division"], "520624");
    assert_eq!(opened_tasks[0]["due_at"], c["decision_due_at"]);
    // One open case per household.
    t.post("VILLAGE", "/v1/monitoring", signal(&t, &head, true)).await.problem(409, "conflict");

    // Steps out of order, at the wrong layer, or at a stale version are refused.
    t.post("SINAN", &format!("/v1/monitoring/{id}:decide"), json!({ "include": true }))
        .await
        .problem(409, "invalid-transition");
    t.post("TANGTOU", &format!("/v1/monitoring/{id}:visit"), json!({})).await.problem(403, "forbidden");
    let stale = [("If-Match", "\"7\"")];
    let token = t.token("VILLAGE");
    let path = format!("/v1/monitoring/{id}:visit");
    let answer = t.send(reqwest::Method::POST, &path, &token, Some(json!({})), &stale).await;
    answer.problem(412, "precondition-failed");
    // Two visits at once at the version read: exactly one wins.
    let fresh = [("If-Match", "\"1\"")];
    let (a, b) = tokio::join!(
        t.send(reqwest::Method::POST, &path, &token, Some(json!({})), &fresh),
        t.send(reqwest::Method::POST, &path, &token, Some(json!({ "note": "又一次" })), &fresh),
    );
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    assert_eq!(won.ok(200)["status"], "visited");
    assert_eq!(won.headers["etag"], "\"2\"");
    assert!([409, 412].contains(&lost.status.as_u16()), "{lost:?}");

    assert_eq!(act(&t, "VILLAGE", &id, "consent", json!({ "given": true })).await["status"], "consented");
    t.post("VILLAGE", &format!("/v1/monitoring/{id}:match"), json!({ "passed": true })).await.problem(403, "forbidden");
    assert_eq!(act(&t, "SINAN", &id, "match", json!({ "passed": true })).await["status"], "matched");
    let votes = json!({ "votes_for": 11, "votes_against": 1 });
    assert_eq!(act(&t, "VILLAGEHEAD", &id, "appraise", votes).await["status"], "appraised");
    let c = act(&t, "VILLAGEHEAD", &id, "post-notice", json!({ "note": "村内公示" })).await;
    assert_eq!(c["status"], "notice");
    assert_eq!((&c["notice"]["kind"], &c["notice"]["days"]), (&json!("monitoring.village"), &json!(5)));
    let notice_id = c["notice"]["id"].as_str().unwrap().to_owned();
    t.post("TANGTOU", &format!("/v1/monitoring/{id}:review"), json!({})).await.problem(409, "invalid-transition");

    // An objection sends the case back to the village, which resolves it and posts again.
    t.clock.advance(Duration::days(2));
    let objection = json!({ "reason": "该户子女在外务工收入未申报" });
    let lodged = t.post("TANGTOU", &format!("/v1/notices/{notice_id}/objections"), objection).await.ok(201).clone();
    assert_eq!(case(&t, &id).await["status"], "objected");
    assert_eq!(states(&tasks(&t, &id).await)[2], "returned");
    t.post("VILLAGEHEAD", &format!("/v1/monitoring/{id}:post-notice"), json!({}))
        .await
        .problem(409, "invalid-transition");
    let resolve = format!("/v1/objections/{}:resolve", lodged["id"].as_str().unwrap());
    t.post("VILLAGEHEAD", &resolve, json!({ "upheld": false, "reason": "经核实务工收入已计入" })).await.ok(200);
    let c = act(&t, "VILLAGEHEAD", &id, "post-notice", json!({})).await;
    assert_eq!(c["status"], "notice");
    assert_ne!(c["notice"]["id"], json!(notice_id), "a new notice, a new 5 days");

    // Four days on it is still up; after the fifth it passes and the village's task goes up.
    t.clock.advance(Duration::days(4));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(case(&t, &id).await["status"], "notice");
    t.clock.advance(Duration::days(1) + Duration::minutes(1));
    reaches(&t, &id, "awaiting_township").await;
    assert_eq!(states(&tasks(&t, &id).await)[2], "submitted");

    assert_eq!(act(&t, "TANGTOU", &id, "review", json!({})).await["status"], "awaiting_county");
    let c = act(&t, "SINAN", &id, "decide", json!({ "include": true, "note": "纳入监测" })).await;
    assert_eq!(c["status"], "included");
    assert!(c["decided_at"].is_string() && c["monitored_since"] == c["decided_at"]);
    let done = tasks(&t, &id).await;
    assert_eq!(states(&done), vec!["signed_off", "signed_off", "signed_off"]);
    assert_eq!(done[0]["deadline"], "on_time", "decided on day 7 of 15");

    // Every step is in the audit trail.
    let audit = t.get("SINAN", &format!("/v1/audit?service=identification&subject_id={id}")).await.ok(200).clone();
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in
        ["monitoring.open", "monitoring.visit", "monitoring.objected", "monitoring.notice-passed", "monitoring.decide"]
    {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_later_than_fifteen_days_escalates_against_the_county() {
    let t = spawn().await;
    let c = t.post("VILLAGE", "/v1/monitoring", signal(&t, &rid("52062419850611004"), true)).await.ok(201).clone();
    let id = c["id"].as_str().unwrap().to_owned();
    // Past the end of the 15th day and the deadline ladder's grace: the county is escalated.
    t.clock.advance(Duration::days(16) + Duration::hours(73));
    let escalated = eventually("the county's task to escalate", || async {
        let county = tasks(&t, &id).await.remove(0);
        (county["deadline"] == "escalated").then_some(county)
    })
    .await;
    assert_eq!(escalated["division"], "520624");
    let records = t.get("SINAN", "/v1/accountability?division=520624").await.ok(200).clone();
    let records = records.as_array().unwrap();
    assert!(
        records.iter().any(|r| r["task_id"] == escalated["id"]
            && r["division"] == "520624"
            && r["kind"] == "overdue"
            && r["escalated_to"] == "5206"),
        "{records:?}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_range_signal_is_refused_and_nothing_is_stored() {
    let t = spawn().await;
    let mut s = signal(&t, &rid("52062419700101005"), true);
    s["per_capita_income_fen"] = json!(600_000);
    let refused = t.post("VILLAGE", "/v1/monitoring", s.clone()).await;
    assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], "per_capita_income_fen");
    // Rigid spending needs its reason; with it, spending above income puts the case in range.
    s["rigid_spending_fen"] = json!(700_000);
    let refused = t.post("VILLAGE", "/v1/monitoring", s.clone()).await;
    assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], "rigid_spending_reason");
    let mut bad_id = s.clone();
    let mut wrong = rid("52062419700101005");
    let last = if wrong.ends_with('0') { '1' } else { '0' };
    wrong.pop();
    wrong.push(last);
    bad_id["head_resident_id"] = json!(wrong);
    let refused = t.post("VILLAGE", "/v1/monitoring", bad_id).await;
    assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], "head_resident_id");
    assert!(!refused.body.to_string().contains(&wrong[6..14]));
    assert!(t.get("SINAN", "/v1/monitoring").await.ok(200).as_array().unwrap().is_empty());
    let none = t.get("SINAN", "/v1/tasks?kind=monitoring.household").await;
    assert!(none.ok(200).as_array().unwrap().is_empty());

    s["rigid_spending_reason"] = json!("illness");
    let c = t.post("VILLAGE", "/v1/monitoring", s).await.ok(201).clone();
    assert_eq!(c["reasons"], json!(["rigid_spending_above_income"]));
    // Another county's officials cannot open a case here.
    let foreign = signal(&t, &rid("52062419700101013"), true);
    t.post("SHIQIAN", "/v1/monitoring", foreign).await.problem(403, "forbidden");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_removal_needs_labour_a_measure_and_half_a_year_and_is_reversible() {
    let t = spawn().await;
    let without = include(&t, &rid("52062419600304006"), false).await;
    let with = include(&t, &rid("52062419820708007"), true).await;

    let removal = |income: i64, since: NaiveDate| json!({ "per_capita_income_fen": income, "stable_since": since, "note": "收入稳定" });
    let long_ago = today(&t) - Duration::days(200);
    // No measure yet, then too early.
    t.post("SINAN", &format!("/v1/monitoring/{with}:remove-risk"), removal(900_000, long_ago))
        .await
        .problem(409, "invalid-transition");
    let measure = json!({ "description": "公益性岗位，每月800元" });
    let c = act(&t, "TANGTOU", &with, "add-measure", measure.clone()).await;
    assert_eq!(c["measures"][0]["description"], "公益性岗位，每月800元");
    let early = t.post("SINAN", &format!("/v1/monitoring/{with}:remove-risk"), removal(900_000, long_ago)).await;
    assert!(early.problem(409, "invalid-transition")["detail"].as_str().unwrap().contains("months"));
    act(&t, "VILLAGE", &without, "add-measure", measure).await;

    // Half a year later.
    t.clock.advance(Duration::days(186));
    let no_labour = t.post("SINAN", &format!("/v1/monitoring/{without}:remove-risk"), removal(900_000, long_ago)).await;
    assert!(no_labour.problem(409, "invalid-transition")["detail"].as_str().unwrap().contains("without labour"));
    let low = t.post("SINAN", &format!("/v1/monitoring/{with}:remove-risk"), removal(500_000, long_ago)).await;
    assert_eq!(low.problem(422, "validation")["errors"][0]["field"], "per_capita_income_fen");
    // Other counties see nothing and can do nothing.
    t.get("SHIQIAN", &format!("/v1/monitoring/{with}")).await.problem(404, "not-found");
    t.post("SHIQIAN", &format!("/v1/monitoring/{with}:remove-risk"), removal(900_000, long_ago))
        .await
        .problem(404, "not-found");
    assert!(t.get("SHIQIAN", "/v1/monitoring").await.ok(200).as_array().unwrap().is_empty());

    let removed = act(&t, "SINAN", &with, "remove-risk", removal(900_000, long_ago)).await;
    assert_eq!(removed["status"], "risk_removed");
    assert!(removed["risk_removed_at"].is_string());
    let listed = t.get("TONGREN", "/v1/monitoring?division=520624&group=marginal&status=risk_removed").await;
    let listed = listed.ok(200).as_array().unwrap().clone();
    assert_eq!(listed.iter().map(|c| c["id"].clone()).collect::<Vec<_>>(), vec![json!(with)]);

    // Reversible: back under monitoring, with a reason, and its half year starts again.
    t.post("SINAN", &format!("/v1/monitoring/{with}:reinstate"), json!({ "reason": " " }))
        .await
        .problem(422, "validation");
    let back = act(&t, "SINAN", &with, "reinstate", json!({ "reason": "家庭成员突发重病" })).await;
    assert_eq!(back["status"], "included");
    assert!(back.get("risk_removed_at").is_none());
    assert_ne!(back["monitored_since"], removed["monitored_since"]);
    t.post("SINAN", &format!("/v1/monitoring/{with}:remove-risk"), removal(900_000, long_ago))
        .await
        .problem(409, "invalid-transition");
    let audit = t.get("SINAN", &format!("/v1/audit?service=identification&subject_id={with}")).await.ok(200).clone();
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "monitoring.reinstate"));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_household_is_named_by_its_id_a_retry_opens_one_case_and_refusal_closes_it() {
    let t = spawn().await;
    let registered = t.post("VILLAGE", "/v1/households", chain_system_tests::application(&[rid("52062419770405008")]));
    let household = registered.await.ok(201)["id"].as_str().unwrap().to_owned();
    let mut s = json!({
        "village": "520624101201",
        "household_id": household,
        "group": "unstable_exited",
        "channel": "self_declaration",
        "signal_date": today(&t),
        "year": 2022,
        "per_capita_income_fen": 800_000,
        "previous_income_fen": 1_200_000,
        "has_labour": true,
    });
    // A household of another village is not this one.
    let mut elsewhere = s.clone();
    elsewhere["village"] = json!("520624101202");
    let refused = t.post("TANGTOU", "/v1/monitoring", elsewhere).await;
    assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], "household_id");

    // A retry with the same Idempotency-Key answers the first case again; nothing new is opened.
    let token = t.token("VILLAGE");
    let key = [("Idempotency-Key", "signal-2022-0405")];
    let first = t.send(reqwest::Method::POST, "/v1/monitoring", &token, Some(s.clone()), &key).await;
    let again = t.send(reqwest::Method::POST, "/v1/monitoring", &token, Some(s.clone()), &key).await;
    let c = first.ok(201).clone();
    assert_eq!(again.ok(201)["id"], c["id"]);
    assert_eq!((&c["household_id"], &c["reasons"]), (&json!(household), &json!(["sharp_income_drop"])));
    assert_eq!(t.get("SINAN", "/v1/monitoring?group=unstable_exited").await.ok(200).as_array().unwrap().len(), 1);
    s["channel"] = json!("complaint");
    t.post("VILLAGE", "/v1/monitoring", s).await.problem(409, "conflict");

    // Without the household's consent the case closes and its tasks are cancelled.
    let id = c["id"].as_str().unwrap();
    act(&t, "VILLAGE", id, "visit", json!({ "has_labour": false })).await;
    let closed = act(&t, "VILLAGEHEAD", id, "consent", json!({ "given": false, "note": "户主不同意" })).await;
    assert_eq!((&closed["status"], &closed["has_labour"]), (&json!("declined"), &json!(false)));
    assert_eq!(states(&tasks(&t, id).await), vec!["cancelled", "cancelled", "cancelled"]);

    // A closed case frees the household for a new signal; two signals at once open one case.
    let next = json!({
        "village": "520624101201",
        "household_id": household,
        "group": "unstable_exited",
        "channel": "cadre_visit",
        "signal_date": today(&t),
        "year": 2022,
        "per_capita_income_fen": 500_000,
        "has_labour": true,
    });
    let (a, b) =
        tokio::join!(t.post("VILLAGE", "/v1/monitoring", next.clone()), t.post("VILLAGE", "/v1/monitoring", next));
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409], "{a:?} {b:?}");
    t.stop().await;
}
