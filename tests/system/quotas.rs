//! Scale control: a county's quota for a year broken down to its villages; county approval
//! refused beyond a village's places until the county raises them (audited); two approvals
//! racing for the last place; jurisdiction.

use chain_system_tests::{TestSystem, application, rid, spawn};
use serde_json::{Value, json};

const QUOTA: &str = "/v1/quotas/520624/2016";
const VILLAGES: &str = "/v1/quotas/520624/2016/villages";

/// Registers a household in Sihebashi village and takes it to `awaiting_county`.
async fn awaiting_county(t: &TestSystem, first17: &str) -> String {
    let h = t.post("VILLAGE", "/v1/households", application(&[rid(first17)])).await;
    let id = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.identify_until_county(&id).await;
    id
}

async fn approve(t: &TestSystem, id: &str) -> chain_system_tests::Answer {
    t.post("SINAN", &format!("/v1/households/{id}:approve"), json!({ "note": "county approval" })).await
}

fn village<'a>(q: &'a Value, code: &str) -> &'a Value {
    q["villages"].as_array().unwrap().iter().find(|v| v["village"] == code).unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_beyond_the_villages_quota_is_refused_until_the_county_raises_it() {
    let t = spawn().await;
    let first = awaiting_county(&t, "52062419700101001").await;
    let second = awaiting_county(&t, "52062419700101002").await;

    // No quota yet: nothing limits the county.
    let q = t.get("SINAN", QUOTA).await.ok(200).clone();
    assert_eq!((q["total"].clone(), q["used"].clone()), (Value::Null, json!(0)));

    // The breakdown needs a county total first.
    let breakdown = json!({ "villages": { "520624101201": 1 }, "reason": "分解" });
    t.put("SINAN", VILLAGES, breakdown.clone()).await.problem(409, "conflict");
    t.put("SINAN", QUOTA, json!({ "total": 2, "reason": "" })).await.problem(422, "validation");
    let q = t.put("SINAN", QUOTA, json!({ "total": 2, "reason": "市下达2016年规模" })).await.ok(200).clone();
    assert_eq!(q["total"], 2);

    // Unknown, foreign and excessive breakdowns change nothing.
    let bad = json!({ "villages": { "520624999999": 1, "520623101201": 1, "520624101200": -1 }, "reason": "x" });
    let p = t.put("SINAN", VILLAGES, bad).await.problem(422, "validation").clone();
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"villages/520624999999"), "{p}");
    assert!(fields.contains(&"villages/520623101201"), "{p}");
    assert!(fields.contains(&"villages/520624101200"), "{p}");
    let over = json!({ "villages": { "520624101201": 2, "520624101200": 1 }, "reason": "x" });
    t.put("SINAN", VILLAGES, over).await.problem(422, "validation");
    assert_eq!(t.get("SINAN", QUOTA).await.ok(200)["allotted"], 0);

    let q = t.put("SINAN", VILLAGES, breakdown.clone()).await.ok(200).clone();
    assert_eq!((q["allotted"].clone(), village(&q, "520624101201")["quota"].clone()), (json!(1), json!(1)));
    // Repeating a PUT changes nothing: same version, no further audit entry (checked below).
    let again = t.put("SINAN", VILLAGES, breakdown).await.ok(200).clone();
    assert_eq!(again, q);
    let same = t.put("SINAN", QUOTA, json!({ "total": 2, "reason": "重复提交" })).await.ok(200).clone();
    assert_eq!(same["version"], q["version"]);

    // The first approval takes the village's only place; the second is refused and changes nothing.
    assert_eq!(approve(&t, &first).await.ok(200)["status"], "identified");
    let before = t.household(&second).await;
    let refused = approve(&t, &second).await;
    let p = refused.problem(409, "quota-exceeded");
    assert!(p["detail"].as_str().unwrap().contains("1 of its 1 places"), "{p}");
    let after = t.household(&second).await;
    assert_eq!(
        (after["status"].clone(), after["version"].clone()),
        (json!("awaiting_county"), before["version"].clone())
    );
    let q = t.get("SINAN", QUOTA).await.ok(200).clone();
    assert_eq!((q["used"].clone(), village(&q, "520624101201")["used"].clone()), (json!(1), json!(1)));

    // The county can neither lower the total below what is allotted nor take a used place away.
    t.put("SINAN", QUOTA, json!({ "total": 0, "reason": "x" })).await.problem(422, "validation");
    let take_away = json!({ "villages": { "520624101200": 1 }, "reason": "x" });
    let p = t.put("SINAN", VILLAGES, take_away).await.problem(422, "validation").clone();
    assert_eq!(p["errors"][0]["field"], "villages/520624101201");

    // The county raises the village's places, with its reason; the change is audited.
    let raise = json!({ "villages": { "520624101201": 2 }, "reason": "该村新增返贫户，县扶贫办研究调增" });
    let q = t.put("SINAN", VILLAGES, raise).await.ok(200).clone();
    assert_eq!(village(&q, "520624101201")["quota"], 2);
    let audit = t.get("SINAN", "/v1/audit?service=identification&division=520624").await.ok(200).clone();
    let reasons: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("quota."))
        .map(|e| (e["action"].as_str().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("quota.set", "市下达2016年规模 [2016 total set to 2]"),
            ("quota.allot", "分解 [2016 520624101201: none → 1]"),
            ("quota.allot", "该村新增返贫户，县扶贫办研究调增 [2016 520624101201: 1 → 2]"),
        ]
    );

    assert_eq!(approve(&t, &second).await.ok(200)["status"], "identified");
    let q = t.get("SINAN", QUOTA).await.ok(200).clone();
    assert_eq!((q["used"].clone(), village(&q, "520624101201")["used"].clone()), (json!(2), json!(2)));
    assert_eq!(village(&q, "520624101201")["name"], "泗河坝村村民委员会");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvals_racing_for_the_last_place_exactly_one_wins() {
    let t = spawn().await;
    let a = awaiting_county(&t, "52062419700101011").await;
    let b = awaiting_county(&t, "52062419700101012").await;
    t.put("SINAN", QUOTA, json!({ "total": 5, "reason": "规模" })).await.ok(200);
    t.put("SINAN", VILLAGES, json!({ "villages": { "520624101201": 1 }, "reason": "分解" })).await.ok(200);

    let (ra, rb) = tokio::join!(approve(&t, &a), approve(&t, &b));
    let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "a: {} b: {}", ra.body, rb.body);
    let loser = if ra.status.as_u16() == 409 { &ra } else { &rb };
    loser.problem(409, "quota-exceeded");
    let identified =
        [t.household(&a).await, t.household(&b).await].iter().filter(|h| h["status"] == "identified").count();
    assert_eq!(identified, 1);
    assert_eq!(t.get("SINAN", QUOTA).await.ok(200)["used"], 1);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_left_out_of_the_breakdown_has_no_places() {
    let t = spawn().await;
    let id = awaiting_county(&t, "52062419700101021").await;
    t.put("SINAN", QUOTA, json!({ "total": 3, "reason": "规模" })).await.ok(200);
    let p = approve(&t, &id).await.problem(409, "quota-exceeded").clone();
    assert!(p["detail"].as_str().unwrap().contains("allots no places to village 520624101201"), "{p}");
    assert_eq!(t.household(&id).await["status"], "awaiting_county");

    // Places go to the neighbouring village, then move over, then the neighbour gets some back.
    let allot = |villages: Value| t.put("SINAN", VILLAGES, json!({ "villages": villages, "reason": "调整" }));
    allot(json!({ "520624101200": 2 })).await.ok(200);
    approve(&t, &id).await.problem(409, "quota-exceeded");
    let q = allot(json!({ "520624101201": 1 })).await.ok(200).clone();
    assert_eq!(village(&q, "520624101200"), &Value::Null, "a village without places or use is not listed");
    let q = allot(json!({ "520624101201": 1, "520624101200": 2 })).await.ok(200).clone();
    assert_eq!(q["allotted"], 3);
    assert_eq!(approve(&t, &id).await.ok(200)["status"], "identified");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_county_and_the_layers_above_it_set_its_quota() {
    let t = spawn().await;
    let body = json!({ "total": 10, "reason": "规模" });
    // Another county: cannot set (403) and cannot see (404).
    t.put("SHIQIAN", QUOTA, body.clone()).await.problem(403, "forbidden");
    t.get("SHIQIAN", QUOTA).await.problem(404, "not-found");
    // The township and village below it cannot set it either.
    t.put("TANGTOU", QUOTA, body.clone()).await.problem(403, "forbidden");
    t.put("VILLAGEHEAD", QUOTA, body.clone()).await.problem(403, "forbidden");
    // The city above it can, and the county sees it.
    t.put("TONGREN", QUOTA, body.clone()).await.ok(200);
    assert_eq!(t.get("SINAN", QUOTA).await.ok(200)["total"], 10);
    // A village inside reads the county's figures and its own places only.
    let other = chain_domain::registry()
        .children(&chain_domain::Division::parse("520624101").unwrap())
        .into_iter()
        .map(|v| v.code.to_string())
        .find(|v| v != "520624101201")
        .unwrap();
    let breakdown = json!({ "villages": { "520624101201": 3, other.as_str(): 2 }, "reason": "分解" });
    assert_eq!(t.put("SINAN", VILLAGES, breakdown).await.ok(200)["villages"].as_array().unwrap().len(), 2);
    let own = t.get("VILLAGEHEAD", QUOTA).await.ok(200).clone();
    assert_eq!((&own["total"], own["villages"].as_array().unwrap().len()), (&json!(10), 1));
    assert_eq!((&own["villages"][0]["village"], &own["villages"][0]["quota"]), (&json!("520624101201"), &json!(3)));
    assert_eq!(t.get("TANGTOU", QUOTA).await.ok(200)["villages"].as_array().unwrap().len(), 2);
    // Nothing of Shiqian's can be allotted by Sinan; no such county is 404.
    t.put("SINAN", "/v1/quotas/520623/2016", body.clone()).await.problem(403, "forbidden");
    t.get("SINAN", "/v1/quotas/520699/2016").await.problem(404, "not-found");
    t.get("SINAN", "/v1/quotas/520624/1999").await.problem(422, "validation");
    t.stop().await;
}
