//! Funding allocations on the responsibility-chain engine (DOMAIN.md §5): the onward-allocation
//! deadline a province or city receives with its funds, submitted when the money is passed on
//! and signed off by the allocator; its escalation when it is not; the allocator's public
//! disclosure with its 10-day notice; and jurisdiction over both.

use chain::demo::Official;
use chain_api::Role;
use chain_domain::calendar::{beijing_date, end_of_day_beijing};
use chain_domain::funding::add_working_days;
use chain_system_tests::{TestSystem, eventually, rid, spawn};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::story::{approved_plan, identified_household};

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
    let body = json!({ "to": to, "year": 2016, "amount_fen": amount_fen, "fund": "central-special", "reason": "hand-set for the test" });
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
    let over = json!({ "to": "520624", "year": 2016, "amount_fen": 1, "fund": "central-special", "reason": "hand-set for the test" });
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

// --- Funds, factor-based plans, transfer ids and two-phase payments -------------------------

/// A factor-based plan of `total_fen` central special funds for 2016 as `who`.
fn plan_request(total_fen: i64, hand_set: Value) -> Value {
    json!({ "fund": "central-special", "year": 2016, "total_fen": total_fen, "hand_set": hand_set })
}

fn line<'a>(plan: &'a Value, to: &str) -> &'a Value {
    plan["lines"].as_array().unwrap().iter().find(|l| l["to"] == to).unwrap_or_else(|| panic!("a line for {to}"))
}

fn sum_of(lines: &Value) -> i64 {
    lines.as_array().unwrap().iter().map(|l| l["amount_fen"].as_i64().unwrap()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factor_plan_previews_to_the_fen_and_a_second_official_commits_its_allocations() {
    let t = spawn().await;
    // 1,000,000,000.07 yuan among the 31 provinces, Tibet's share set by hand.
    let total = 100_000_000_007;
    let hand = json!([{ "to": "54", "amount_fen": 2_000_000_000, "reason": "border areas reserve" }]);
    let plan = t.post("CENTRAL", "/v1/allocation-plans", plan_request(total, hand)).await.ok(201).clone();
    assert_eq!(
        (&plan["status"], &plan["level"], &plan["factors_year"]),
        (&json!("proposed"), &json!("province"), &json!(2016))
    );
    assert_eq!(plan["lines"].as_array().unwrap().len(), 31);
    assert_eq!(sum_of(&plan["lines"]), total, "the preview sums to the fen");
    let tibet = line(&plan, "54");
    assert_eq!(
        (&tibet["amount_fen"], &tibet["hand_set_reason"]),
        (&json!(2_000_000_000), &json!("border areas reserve"))
    );
    let (guizhou, zhejiang) = (line(&plan, "52"), line(&plan, "33"));
    assert!(guizhou["score"].as_f64() > zhejiang["score"].as_f64());
    assert!(guizhou["amount_fen"].as_i64() > zhejiang["amount_fen"].as_i64());
    let shares: f64 = plan["lines"].as_array().unwrap().iter().map(|l| l["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-6, "{shares}");
    let id = plan["id"].as_str().unwrap().to_owned();

    // Nothing moved yet; the proposer cannot approve their own plan.
    let none = t.get("CENTRAL", &format!("/v1/allocations?plan_id={id}")).await.ok(200).clone();
    assert!(none["items"].as_array().unwrap().is_empty());
    t.post("CENTRAL", &format!("/v1/allocation-plans/{id}:approve"), json!({})).await.problem(403, "forbidden");
    t.post("GUIZHOU", &format!("/v1/allocation-plans/{id}:approve"), json!({})).await.problem(404, "not-found");

    // A second central official commits it: 31 allocations, one transaction.
    let committed = t.post("CENTRAL2", &format!("/v1/allocation-plans/{id}:approve"), json!({})).await.ok(200).clone();
    assert_eq!((&committed["status"], &committed["approved_by"]), (&json!("committed"), &json!("central-approver-2")));
    assert!(committed["lines"].as_array().unwrap().iter().all(|l| l["allocation_id"].is_string()));
    t.post("CENTRAL2", &format!("/v1/allocation-plans/{id}:approve"), json!({}))
        .await
        .problem(409, "invalid-transition");

    // Read back in pages of 20.
    let first = t.get("CENTRAL", &format!("/v1/allocations?plan_id={id}&limit=20")).await.ok(200).clone();
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    let after = first["next_after"].as_str().unwrap();
    let rest = t.get("CENTRAL", &format!("/v1/allocations?plan_id={id}&limit=20&after={after}")).await.ok(200).clone();
    assert_eq!(rest["items"].as_array().unwrap().len(), 11);
    assert!(rest.get("next_after").is_none());
    assert_eq!(sum_of(&first["items"]) + sum_of(&rest["items"]), total);
    let guizhou_fen = guizhou["amount_fen"].as_i64().unwrap();
    let account = t.get("GUIZHOU", "/v1/accounts/52").await.ok(200).clone();
    assert_eq!(
        (account["received_fen"].as_i64(), account["available_fen"].as_i64()),
        (Some(guizhou_fen), Some(guizhou_fen))
    );
    assert_eq!(account["funds"][0]["fund"], "central-special");
    // Guizhou sees its own allocation, not Yunnan's; only the centre reads the centre's plans.
    let mine = t.get("GUIZHOU", "/v1/allocations").await.ok(200).clone();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert!(t.get("GUIZHOU", "/v1/allocation-plans").await.ok(200)["items"].as_array().unwrap().is_empty());
    assert_eq!(
        t.get("CENTRAL", "/v1/allocation-plans?status=committed").await.ok(200)["items"].as_array().unwrap().len(),
        1
    );

    // Guizhou splits 10,000,000.01 yuan among its counties in the table; a second official commits.
    let onward = 1_000_000_001;
    let plan = t.post("GUIZHOU", "/v1/allocation-plans", plan_request(onward, json!([]))).await.ok(201).clone();
    assert_eq!(plan["level"], "county");
    assert_eq!(sum_of(&plan["lines"]), onward);
    let sinan_fen = line(&plan, "520624")["amount_fen"].as_i64().unwrap();
    assert!(line(&plan, "520623")["amount_fen"].as_i64().unwrap() > 0, "Shiqian gets its share");
    let gid = plan["id"].as_str().unwrap().to_owned();
    t.get("SINAN", &format!("/v1/allocation-plans/{gid}")).await.problem(404, "not-found");
    t.post("GUIZHOU2", &format!("/v1/allocation-plans/{gid}:approve"), json!({})).await.ok(200);
    assert_eq!(t.get("SINAN", "/v1/accounts/520624").await.ok(200)["received_fen"], sinan_fen);
    let sinan = t.get("SINAN", "/v1/allocations").await.ok(200).clone();
    assert_eq!(sinan["items"].as_array().unwrap().len(), 1);
    assert_eq!(sinan["items"][0]["plan_id"], json!(gid));
    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!((&check["balanced"], &check["entries"]), (&json!(true), &json!(2 * 41)), "{check}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plans_and_allocations_are_refused_field_by_field_and_nothing_is_written() {
    let t = spawn().await;
    let field = |p: &Value| p["errors"][0]["field"].as_str().unwrap().to_owned();
    for (total, pointer) in [(json!(1.5), "total_fen"), (json!(-1), "total_fen"), (json!(0), "total_fen")] {
        let p = t
            .post(
                "CENTRAL",
                "/v1/allocation-plans",
                plan_request(0, json!([]))
                    .as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .chain([("total_fen".to_owned(), total)])
                    .collect(),
            )
            .await;
        assert_eq!(field(p.problem(422, "validation")), pointer);
    }
    let overflow = plan_request(i64::MAX, json!([]));
    assert_eq!(
        field(t.post("CENTRAL", "/v1/allocation-plans", overflow).await.problem(422, "validation")),
        "total_fen"
    );
    let mut unknown = plan_request(100, json!([]));
    unknown["fund"] = json!("slush-fund");
    assert_eq!(field(t.post("CENTRAL", "/v1/allocation-plans", unknown).await.problem(422, "validation")), "fund");
    let mut provincial = plan_request(100, json!([]));
    provincial["fund"] = json!("provincial-special");
    assert_eq!(field(t.post("CENTRAL", "/v1/allocation-plans", provincial).await.problem(422, "validation")), "fund");
    // A hand-set recipient not below the caller, or without a reason.
    t.allocate("CENTRAL", "52", 1_000).await.ok(201);
    let foreign = plan_request(100, json!([{ "to": "530102", "amount_fen": 10, "reason": "not ours" }]));
    assert_eq!(
        field(t.post("GUIZHOU", "/v1/allocation-plans", foreign).await.problem(422, "validation")),
        "hand_set/0/to"
    );
    let bare = plan_request(100, json!([{ "to": "520624", "amount_fen": 10, "reason": " " }]));
    assert_eq!(
        field(t.post("GUIZHOU", "/v1/allocation-plans", bare).await.problem(422, "validation")),
        "hand_set/0/reason"
    );
    let over = plan_request(100, json!([{ "to": "520624", "amount_fen": 101, "reason": "too much" }]));
    assert_eq!(field(t.post("GUIZHOU", "/v1/allocation-plans", over).await.problem(422, "validation")), "hand_set");
    t.post("SINAN", "/v1/allocation-plans", plan_request(100, json!([]))).await.problem(403, "forbidden");
    assert!(t.get("CENTRAL", "/v1/allocation-plans").await.ok(200)["items"].as_array().unwrap().is_empty());

    // A plan for more than Guizhou holds is previewed, but refused at commit with nothing moved.
    let big = t.post("GUIZHOU", "/v1/allocation-plans", plan_request(1_001, json!([]))).await.ok(201).clone();
    let url = format!("/v1/allocation-plans/{}:approve", big["id"].as_str().unwrap());
    t.post("GUIZHOU2", &url, json!({})).await.problem(422, "insufficient-funds");
    assert_eq!(
        t.get("GUIZHOU", &format!("/v1/allocation-plans/{}", big["id"].as_str().unwrap())).await.ok(200)["status"],
        "proposed"
    );
    assert_eq!(t.get("GUIZHOU", "/v1/accounts/52").await.ok(200)["balance_fen"], 1_000);

    // Hand-set allocations need a reason and a known fund.
    let no_reason = json!({ "to": "520624", "year": 2016, "amount_fen": 10, "fund": "central-special" });
    assert_eq!(field(t.post("GUIZHOU", "/v1/allocations", no_reason).await.problem(422, "validation")), "reason");
    let bad_fund = json!({ "to": "520624", "year": 2016, "amount_fen": 10, "fund": "slush", "reason": "r" });
    assert_eq!(field(t.post("GUIZHOU", "/v1/allocations", bad_fund).await.problem(422, "validation")), "fund");
    let foreign = json!({ "to": "530102", "year": 2016, "amount_fen": 10, "fund": "central-special", "reason": "r" });
    t.post("GUIZHOU", "/v1/allocations", foreign).await.problem(403, "forbidden");
    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!((&check["balanced"], &check["entries"]), (&json!(true), &json!(2)));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_id_answers_the_first_movement_again_and_refuses_other_content() {
    let t = spawn().await;
    let id = "0190d9a0-0000-7000-8000-00000000a001";
    let body = |amount: i64| json!({ "to": "52", "year": 2016, "amount_fen": amount, "fund": "central-special", "reason": "r", "transfer_id": id });
    let first = t.post("CENTRAL", "/v1/allocations", body(5_000)).await.ok(201).clone();
    assert_eq!(first["transfer_id"], id);
    let again = t.post("CENTRAL", "/v1/allocations", body(5_000)).await.ok(201).clone();
    assert_eq!(again, first, "the same id and content answer the first allocation");
    t.post("CENTRAL", "/v1/allocations", body(5_001)).await.problem(409, "conflict");
    // Two retries racing: one movement.
    let racing = "0190d9a0-0000-7000-8000-00000000a002";
    let raced = json!({ "to": "53", "year": 2016, "amount_fen": 700, "fund": "central-special", "reason": "r", "transfer_id": racing });
    let (a, b) =
        tokio::join!(t.post("CENTRAL", "/v1/allocations", raced.clone()), t.post("CENTRAL", "/v1/allocations", raced));
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201), "{} / {}", a.body, b.body);
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(t.get("CENTRAL", "/v1/accounts/52").await.ok(200)["received_fen"], 5_000);
    assert_eq!(t.get("CENTRAL", "/v1/accounts/53").await.ok(200)["received_fen"], 700);
    let transfers = t.get("CENTRAL", "/v1/transfers?fund=central-special&year=2016").await.ok(200).clone();
    assert_eq!(transfers["items"].as_array().unwrap().len(), 2);
    assert_eq!(t.get("CENTRAL", "/v1/ledger/check").await.ok(200)["entries"], 4);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_race_for_the_last_fen_and_a_pending_one_is_posted_or_voided_once() {
    let t = spawn().await;
    t.allocate("CENTRAL", "52", 1_000).await.ok(201);
    t.allocate("GUIZHOU", "520624", 1_000).await.ok(201);
    let hid = identified_household(&t, &[rid("52062419850505015")]).await;
    let plan = approved_plan(&t, &hid).await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let pay = |fen: i64, pending: bool| json!({ "plan_id": plan_id, "amount_fen": fen, "purpose": "skills training", "pending": pending });
    // A pending payment of 400 holds the money: the balance stays, what is available drops.
    let held = eventually("funding to learn of the plan", || async {
        let d = t.post("SINAN", "/v1/disbursements", pay(400, true)).await;
        (d.status != 404).then_some(d)
    })
    .await;
    let held = held.ok(201).clone();
    assert_eq!(
        (&held["status"], &held["fund"], &held["year"]),
        (&json!("pending"), &json!("central-special"), &json!(2016))
    );
    let account = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!((account["balance_fen"].as_i64(), account["available_fen"].as_i64()), (Some(1_000), Some(600)));

    // Two payments of 400 race for the 600 left: exactly one is paid.
    let (a, b) = tokio::join!(
        t.post("SINAN", "/v1/disbursements", pay(400, false)),
        t.post("SINAN", "/v1/disbursements", pay(400, false))
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 422], "{} / {}", a.body, b.body);
    let loser = if a.status.as_u16() == 422 { &a } else { &b };
    loser.problem(422, "insufficient-funds");

    // Another county sees none of it.
    let transfer = held["transfer_id"].as_str().unwrap().to_owned();
    t.get("SHIQIAN", &format!("/v1/transfers/{transfer}")).await.problem(404, "not-found");
    t.post("SHIQIAN", &format!("/v1/transfers/{transfer}:post"), json!({})).await.problem(404, "not-found");
    assert!(t.get("SHIQIAN", "/v1/transfers?division=520624").await.ok(200)["items"].as_array().unwrap().is_empty());
    assert!(
        t.get("SHIQIAN", "/v1/ledger/entries?division=520624").await.ok(200)["items"].as_array().unwrap().is_empty()
    );
    assert!(t.get("SHIQIAN", "/v1/allocations?division=520624").await.ok(200)["items"].as_array().unwrap().is_empty());

    // Posted once: the money leaves; a second post or a void is refused.
    let pending = t.get("SINAN", "/v1/transfers?status=pending").await.ok(200).clone();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let posted = t.post("SINAN", &format!("/v1/transfers/{transfer}:post"), json!({})).await.ok(200).clone();
    assert_eq!((&posted["status"], &posted["resolved_by"]), (&json!("posted"), &json!("sinan-official")));
    t.post("SINAN", &format!("/v1/transfers/{transfer}:post"), json!({})).await.problem(409, "invalid-transition");
    t.post("SINAN", &format!("/v1/transfers/{transfer}:void"), json!({})).await.problem(409, "invalid-transition");
    let account = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!((account["balance_fen"].as_i64(), account["available_fen"].as_i64()), (Some(200), Some(200)));

    // Voided once: the held money is available again.
    let held = t.post("SINAN", "/v1/disbursements", pay(150, true)).await.ok(201).clone();
    let transfer = held["transfer_id"].as_str().unwrap().to_owned();
    assert_eq!(t.get("SINAN", "/v1/accounts/520624").await.ok(200)["available_fen"], 50);
    assert_eq!(t.post("SINAN", &format!("/v1/transfers/{transfer}:void"), json!({})).await.ok(200)["status"], "voided");
    t.post("SINAN", &format!("/v1/transfers/{transfer}:void"), json!({})).await.problem(409, "invalid-transition");
    t.post("SINAN", &format!("/v1/transfers/{transfer}:post"), json!({})).await.problem(409, "invalid-transition");
    let account = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!(
        (account["balance_fen"].as_i64(), account["available_fen"].as_i64(), account["pending_fen"].as_i64()),
        (Some(200), Some(200), Some(0))
    );

    // The county reads its disbursements, each with its transfer's outcome; another county
    // reads none, and one by id is 404 to it.
    let all = t.get("SINAN", "/v1/disbursements?division=520624").await.ok(200).clone();
    let mut outcomes: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap()).collect();
    outcomes.sort();
    assert_eq!(outcomes, ["posted", "posted", "voided"], "{all}");
    let voided = t.get("SINAN", &format!("/v1/disbursements?status=voided&plan_id={plan_id}")).await.ok(200).clone();
    assert_eq!(voided["items"][0]["id"], held["id"], "{voided}");
    let one = format!("/v1/disbursements/{}", held["id"].as_str().unwrap());
    let read = t.get("SINAN", &one).await.ok(200).clone();
    assert_eq!(
        (&read["status"], &read["amount_fen"], &read["household_id"]),
        (&json!("voided"), &json!(150), &json!(hid))
    );
    t.get("SHIQIAN", &one).await.problem(404, "not-found");
    assert!(t.get("SHIQIAN", "/v1/disbursements").await.ok(200)["items"].as_array().unwrap().is_empty());
    let paged = t.get("SINAN", "/v1/disbursements?limit=2").await.ok(200).clone();
    let rest = t.get("SINAN", &format!("/v1/disbursements?after={}", paged["next_after"].as_str().unwrap())).await;
    assert_eq!(rest.ok(200)["items"].as_array().unwrap().len(), 1);
    t.get("SINAN", "/v1/disbursements?limit=0").await.problem(422, "validation");

    // Sinan's statement: received 1,000, paid 400 and 400 — in journal order.
    let statement =
        t.get("SINAN", "/v1/ledger/entries?division=520624&fund=central-special&year=2016").await.ok(200).clone();
    let county: Vec<i64> = statement["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["holder"] == "520624")
        .map(|e| e["amount_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(county.iter().sum::<i64>(), 200);
    assert_eq!(county[0], 1_000);
    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!(
        (&check["balanced"], &check["pending_transfers"], &check["negative_accounts"]),
        (&json!(true), &json!(0), &json!(0)),
        "{check}"
    );
    t.stop().await;
}
