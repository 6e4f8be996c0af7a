//! The county project library (DOMAIN.md §5): a village proposes a project, the county admits it
//! to its library, its plan is disclosed on the board for 10 days, the county approves and
//! starts it, pays it by tranche within its budget and the 1% management-fee cap, accepts it,
//! pays the rest and closes it with its evaluation — and the trace of a payment leads back,
//! lot by lot, to the centre's allocation.

use chain_system_tests::{TestSystem, eventually, spawn};
use chrono::Duration;
use serde_json::{Value, json};

const VILLAGE: &str = "520624101201";

fn proposal(management_fee_fen: i64) -> Value {
    json!({
        "name": "Tea garden irrigation",
        "year": 2016,
        "villages": [VILLAGE],
        "tasks": "Pipes and two cisterns for 300 mu of tea",
        "subsidy_standard": "300 yuan per mu",
        "fund_sources": ["central-special"],
        "implementer": "Tangtou tea cooperative",
        "responsible_person": "Village committee director",
        "budget_fen": 500_000,
        "management_fee_fen": management_fee_fen,
        "performance_targets": "300 mu irrigated; 12 poor households employed",
        "benefit": "wages",
        "beneficiaries": 12,
    })
}

fn field(p: &Value) -> String {
    p["errors"][0]["field"].as_str().unwrap().to_owned()
}

async fn status(t: &TestSystem, who: &str, id: &str) -> Value {
    t.get(who, &format!("/v1/projects/{id}")).await.ok(200)["status"].clone()
}

fn pay(tranche: &str, amount_fen: i64, fee: bool) -> Value {
    json!({ "tranche": tranche, "amount_fen": amount_fen, "fund": "central-special", "year": 2016, "fee": fee })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_project_goes_through_the_library_is_paid_within_its_caps_and_traces_back_to_the_centre() {
    let t = spawn().await;
    t.allocate("CENTRAL", "52", 1_000_000).await.ok(201);
    t.allocate("GUIZHOU", "520624", 600_000).await.ok(201);

    // Bad proposals are refused field by field, and nothing is written.
    let over_fee = t.post("VILLAGE", "/v1/projects", proposal(5_001)).await;
    assert_eq!(field(over_fee.problem(422, "validation")), "management_fee_fen");
    let mut fractional = proposal(0);
    fractional["budget_fen"] = json!(1.5);
    t.post("VILLAGE", "/v1/projects", fractional).await.problem(422, "validation");
    let mut foreign = proposal(0);
    foreign["villages"] = json!(["520623100201"]);
    t.post("VILLAGE", "/v1/projects", foreign).await.problem(422, "validation");
    t.post("SINAN", "/v1/projects", proposal(0)).await.problem(403, "forbidden");
    assert!(t.get("SINAN", "/v1/projects").await.ok(200)["items"].as_array().unwrap().is_empty());

    let project = t.post("VILLAGE", "/v1/projects", proposal(5_000)).await.ok(201).clone();
    let id = project["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&project["status"], &project["fee_cap_fen"], &project["county"]),
        (&json!("proposed"), &json!(5_000), &json!("520624"))
    );
    let url = |step: &str| format!("/v1/projects/{id}:{step}");

    // Nothing is paid to a project that is not in implementation.
    t.post("SINAN", &url("pay"), pay("tranche-1", 100_000, false)).await.problem(409, "invalid-transition");
    t.post("VILLAGE", &url("admit"), json!({})).await.problem(403, "forbidden");
    assert_eq!(t.post("SINAN", &url("admit"), json!({})).await.ok(200)["status"], "in_library");
    // The plan is posted on the village board for 10 days before the county may approve it.
    assert_eq!(t.post("VILLAGE", &url("disclose"), json!({})).await.ok(200)["status"], "disclosing");
    t.post("SINAN", &url("approve"), json!({})).await.problem(409, "invalid-transition");
    t.clock.advance(Duration::days(10) + Duration::minutes(1));
    eventually("the project's notice to pass", || async {
        (status(&t, "SINAN", &id).await == "disclosed").then_some(())
    })
    .await;
    assert_eq!(t.post("SINAN", &url("approve"), json!({})).await.ok(200)["status"], "approved");
    assert_eq!(t.post("SINAN", &url("start"), json!({})).await.ok(200)["status"], "implementing");

    // A tranche is paid once per business key, even without an Idempotency-Key.
    let first = t.post("SINAN", &url("pay"), pay("tranche-1", 200_000, false)).await.ok(201).clone();
    let again = t.post("SINAN", &url("pay"), pay("tranche-1", 200_000, false)).await.ok(201).clone();
    assert_eq!(again, first);
    t.post("SINAN", &url("pay"), pay("tranche-1", 200_001, false)).await.problem(409, "conflict");
    // The management fee up to its cap, and not a fen over it; nor past the budget; nor from a
    // fund the project does not name; nor by another county.
    t.post("SINAN", &url("pay"), pay("fee-1", 5_000, true)).await.ok(201);
    assert_eq!(
        field(t.post("SINAN", &url("pay"), pay("fee-2", 1, true)).await.problem(422, "validation")),
        "amount_fen"
    );
    assert_eq!(
        field(t.post("SINAN", &url("pay"), pay("tranche-2", 295_001, false)).await.problem(422, "validation")),
        "amount_fen"
    );
    let mut other_fund = pay("tranche-2", 1, false);
    other_fund["fund"] = json!("county-special");
    assert_eq!(field(t.post("SINAN", &url("pay"), other_fund).await.problem(422, "validation")), "fund");
    // Another county learns nothing, not even from a business key already paid.
    t.post("SHIQIAN", &url("pay"), pay("tranche-1", 200_000, false)).await.problem(404, "not-found");
    t.post("SHIQIAN", &url("pay"), pay("tranche-2", 1, false)).await.problem(404, "not-found");
    t.post("SINAN", &url("pay"), pay("tranche-2", -1, false)).await.problem(422, "validation");

    // Accepted, the rest is paid; closed, nothing more.
    assert_eq!(t.post("SINAN", &url("accept"), json!({})).await.ok(200)["status"], "accepted");
    t.post("SINAN", &url("pay"), pay("acceptance", 295_000, false)).await.ok(201);
    let evaluation = json!({ "targets_met": true, "summary": "300 mu irrigated; 14 households employed" });
    let closed = t.post("SINAN", &url("close"), evaluation).await.ok(200).clone();
    assert_eq!(
        (&closed["status"], &closed["paid_fen"], &closed["fee_paid_fen"]),
        (&json!("closed"), &json!(500_000), &json!(5_000))
    );
    t.post("SINAN", &url("pay"), pay("late", 1, false)).await.problem(409, "invalid-transition");

    // The village sees its project; the county's account shows what it spent.
    let listed = t.get("VILLAGE", "/v1/projects").await.ok(200).clone();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(t.get("SHIQIAN", &format!("/v1/projects/{id}")).await.status.as_u16() == 404);
    let sinan = t.get("SINAN", "/v1/accounts/520624").await.ok(200).clone();
    assert_eq!((&sinan["disbursed_fen"], &sinan["balance_fen"]), (&json!(500_000), &json!(100_000)));

    // The first tranche traces back to Guizhou's allocation, and that to the centre's.
    let tid = first["transfer_id"].as_str().unwrap();
    let trace = t.get("SINAN", &format!("/v1/transfers/{tid}/trace")).await.ok(200).clone();
    let back = trace["back"].as_array().unwrap();
    assert_eq!(back.len(), 2, "{trace}");
    assert_eq!((&back[0]["paid"], &back[0]["amount_fen"]), (&json!(tid), &json!(200_000)));
    assert_eq!(back[1]["paid"], back[0]["lot"]);
    let origin = trace["transfers"].as_array().unwrap().iter().find(|x| x["id"] == back[1]["lot"]).unwrap();
    assert_eq!((&origin["from"], &origin["to"]), (&json!("CN"), &json!("52")));
    // And forward from the centre's allocation, to the project.
    let central = back[1]["lot"].as_str().unwrap();
    let forward = t.get("CENTRAL", &format!("/v1/transfers/{central}/trace")).await.ok(200).clone();
    let reached: Vec<&Value> = forward["transfers"].as_array().unwrap().iter().map(|x| &x["to"]).collect();
    assert!(reached.contains(&&json!(format!("project:{id}"))), "{forward}");
    // A project the county refuses is withdrawn, tasks and all, and goes no further.
    let refused = t.post("TANGTOU", "/v1/projects", proposal(0)).await.ok(201).clone();
    let refused = refused["id"].as_str().unwrap();
    let rejected = t.post("SINAN", &format!("/v1/projects/{refused}:reject"), json!({ "note": "no land" })).await;
    assert_eq!(rejected.ok(200)["status"], "rejected");
    t.post("SINAN", &format!("/v1/projects/{refused}:admit"), json!({})).await.problem(409, "invalid-transition");
    let tasks = t.get("SINAN", &format!("/v1/tasks?kind=funding.project&subject_id={refused}")).await.ok(200).clone();
    let states: Vec<&Value> = tasks.as_array().unwrap().iter().map(|t| &t["state"]).collect();
    assert_eq!(states, [&json!("cancelled"), &json!("cancelled")], "{tasks}");

    let check = t.get("CENTRAL", "/v1/ledger/check").await.ok(200).clone();
    assert_eq!(
        (&check["balanced"], &check["untraced_transfers"], &check["inconsistent_lots"]),
        (&json!(true), &json!(0), &json!(0)),
        "{check}"
    );
    t.stop().await;
}
