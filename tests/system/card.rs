//! The file card through the gateway: every field kept and returned, income checked against the
//! stated per-capita figure, the helper history, and personal data unmasked only for a PII reader,
//! every such read audited.

use chain::demo::Official;
use chain_api::Role;
use chain_system_tests::{TestSystem, application, rid, spawn};
use serde_json::{Value, json};

/// A county official allowed to read personal data unmasked.
const SINAN_PII: Official = Official {
    var: "SINAN_PII",
    subject: "sinan-pii-reader",
    title: "Sinan county records office",
    jurisdiction: "520624",
    roles: &[Role::Operator, Role::PiiReader],
};

fn full_card(ids: &[String]) -> Value {
    let mut app = application(ids);
    app["per_capita_income_fen"] = json!(140_000);
    app["members"][0]["ethnicity"] = json!("土家族");
    app["members"][0]["education"] = json!("primary");
    app["members"][0]["health"] = json!("chronic_illness");
    app["members"][0]["labour"] = json!("ordinary");
    app["members"][0]["migrant_work_months"] = json!(4);
    app["members"][0]["medical_insurance"] = json!(true);
    app["members"][1]["school_status"] = json!("compulsory");
    app["members"][1]["labour"] = json!("none");
    app["card"] = json!({
        "standard": "national",
        "income": { "wages_fen": 150000, "business_fen": 120000, "transfers_fen": 30000, "production_costs_fen": 20000 },
        "housing": { "area_m2": 60, "structure": "earth_timber", "built_year": 1985, "safe": false },
        "drinking_water_safe": false,
        "electricity": true,
        "distance_to_market_km": 12,
        "bank_account": { "bank": "思南县农村信用合作联社", "number": "6217000012345678" }
    });
    app
}

async fn register(t: &TestSystem, body: Value) -> Value {
    t.post("VILLAGE", "/v1/households", body).await.ok(201).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_card_is_kept_whole_with_its_helper_history() {
    let t = spawn().await;
    let ids = [rid("52062419800101002"), rid("52062420070809003")];
    let h = register(&t, full_card(&ids)).await;
    let card = &h["card"];
    assert_eq!(card["income"]["net_fen"], 280_000);
    assert_eq!(card["income"]["wages_fen"], 150_000);
    assert_eq!(
        card["housing"],
        json!({ "area_m2": 60, "structure": "earth_timber", "built_year": 1985, "safe": false })
    );
    assert_eq!(
        (&card["drinking_water_safe"], &card["electricity"], &card["distance_to_market_km"]),
        (&json!(false), &json!(true), &json!(12))
    );
    assert_eq!(card["bank_account"], json!({ "bank": "思南县农村信用合作联社", "number": "************5678" }));
    assert_eq!((&card["helper"], &card["helpers"]), (&Value::Null, &json!([])));
    let head = &h["members"][0];
    assert_eq!(
        (&head["ethnicity"], &head["health"], &head["migrant_work_months"]),
        (&json!("土家族"), &json!("chronic_illness"), &json!(4))
    );
    assert_eq!(h["members"][1]["school_status"], "compulsory");

    // A stated per-capita income that disagrees with the card is refused, field by field, and
    // nothing is stored; so is a card with impossible values.
    let mut wrong = full_card(&[rid("52062419800101010"), rid("52062420070809011")]);
    wrong["per_capita_income_fen"] = json!(150_000);
    let p = t.post("VILLAGE", "/v1/households", wrong).await;
    assert_eq!(p.problem(422, "validation")["errors"][0]["field"], "per_capita_income_fen");
    let mut bad = full_card(&[rid("52062419800101029"), rid("52062420070809038")]);
    bad["card"]["bank_account"]["number"] = json!("12-34");
    bad["members"][0]["migrant_work_months"] = json!(13);
    let p = t.post("VILLAGE", "/v1/households", bad).await;
    let fields: Vec<&str> = p.problem(422, "validation")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["members/0/migrant_work_months", "card/bank_account/number"]);
    assert!(!p.body.to_string().contains("12-34"));

    // An application names no helper: the county or the township assigns one.
    let mut named = full_card(&[rid("52062419800101037"), rid("52062420070809046")]);
    named["card"]["helper"] = json!({ "name": "王芳", "unit": "思南县农业农村局", "since": "2016-03-01" });
    let p = t.post("VILLAGE", "/v1/households", named).await;
    assert_eq!(p.problem(422, "validation")["errors"][0]["field"], "card/helper");

    // The first helper, then a new one: the previous assignment ends the day before; the village
    // may not assign, another county does not see the household, the phone is shown masked.
    let id = h["id"].as_str().unwrap();
    let assign = format!("/v1/households/{id}:assign-helper");
    let first = helper("王芳", "思南县农业农村局", "13812345678", "2016-03-01");
    let after = t.post("SINAN", &assign, first.clone()).await.ok(200).clone();
    assert_eq!(after["card"]["helper"]["phone"], "138****5678");
    assert!(!after.to_string().contains("13812345678"));
    let change = helper("李强", "思南县教育局", "13987654321", "2017-01-01");
    t.post("VILLAGE", &assign, change.clone()).await.problem(403, "forbidden");
    t.post("SHIQIAN", &assign, change.clone()).await.problem(404, "not-found");
    let early = helper("李强", "思南县教育局", "13987654321", "2016-01-01");
    t.post("SINAN", &assign, early).await.problem(422, "validation");
    let same = helper("王芳", "思南县农业农村局", "13812345678", "2017-01-01");
    assert_eq!(t.post("SINAN", &assign, same).await.problem(422, "validation")["errors"][0]["field"], "phone");
    let mut township = change.clone();
    township["unit_layer"] = json!("village");
    assert_eq!(t.post("SINAN", &assign, township).await.problem(422, "validation")["errors"][0]["field"], "unit_layer");
    let after = t.post("SINAN", &assign, change).await.ok(200).clone();
    assert_eq!(after["card"]["helper"]["name"], "李强");
    assert_eq!(after["card"]["helper"]["unit_division"], "520624");
    let history = after["card"]["helpers"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!((&history[0]["name"], &history[0]["until"]), (&json!("王芳"), &json!("2016-12-31")));
    assert_eq!(history[1]["until"], Value::Null);
    assert_eq!(after["version"], 3);
    t.stop().await;
}

/// An `assign-helper` body: a cadre of Sinan county's unit `unit`.
fn helper(name: &str, unit: &str, phone: &str, since: &str) -> Value {
    json!({ "name": name, "unit": unit, "unit_layer": "county", "unit_division": "520624", "phone": phone, "since": since })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_helps_at_most_the_policy_s_households_and_one_of_two_racing_assignments_wins() {
    let t = spawn().await;
    let mut households = Vec::new();
    for n in 0..7 {
        let ids = [rid(&format!("520624198001{:02}105", n + 1)), rid(&format!("520624200708{:02}106", n + 1))];
        households.push(register(&t, application(&ids)).await["id"].as_str().unwrap().to_owned());
    }
    let cadre = helper("王芳", "思南县农业农村局", "13812345678", "2016-03-01");
    let assign = |id: &str| format!("/v1/households/{id}:assign-helper");
    for id in &households[..4] {
        t.post("SINAN", &assign(id), cadre.clone()).await.ok(200);
    }
    // The fifth and sixth at once: the policy allows five, so exactly one is assigned.
    let (fifth, sixth) = (assign(&households[4]), assign(&households[5]));
    let (a, b) = tokio::join!(t.post("SINAN", &fifth, cadre.clone()), t.post("SINAN", &sixth, cadre.clone()));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "{:?} {:?}", a.body, b.body);
    let refused = if a.status.as_u16() == 422 { &a } else { &b };
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("5 households"), "{:?}", refused.body);
    let p = t.post("SINAN", &assign(&households[6]), cadre.clone()).await;
    assert_eq!(p.problem(422, "validation")["errors"][0]["field"], "phone");
    let unassigned = if a.status.as_u16() == 422 { &households[4] } else { &households[5] };
    assert_eq!(t.household(unassigned).await["card"]["helpers"], json!([]), "nothing written");

    // A keyed assignment replays its answer; another cadre takes the seventh household.
    let other = helper("李强", "思南县教育局", "13987654321", "2016-03-01");
    let key = [("Idempotency-Key", "helper-7")];
    let token = t.token("SINAN");
    let first = t.send(reqwest::Method::POST, &assign(&households[6]), &token, Some(other.clone()), &key).await;
    let again = t.send(reqwest::Method::POST, &assign(&households[6]), &token, Some(other), &key).await;
    assert_eq!((first.ok(200), again.ok(200)), (first.ok(200), first.ok(200)));
    assert_eq!(t.household(&households[6]).await["version"], 2, "assigned once");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_unmasked_only_for_a_pii_reader_and_every_read_is_audited() {
    let t = spawn().await;
    let ids = [rid("52062419750312001"), rid("52062420060620002")];
    let h = register(&t, full_card(&ids)).await;
    let id = h["id"].as_str().unwrap();
    let path = format!("/v1/households/{id}?unmask=true");
    let cadre = helper("王芳", "思南县农业农村局", "13812345678", "2016-03-01");
    t.post("SINAN", &format!("/v1/households/{id}:assign-helper"), cadre).await.ok(200);

    // Masked by default, whoever reads.
    let plain = t.get("SINAN", &format!("/v1/households/{id}")).await.ok(200).clone();
    assert!(!plain.to_string().contains(&ids[0]) && !plain.to_string().contains("6217000012345678"));
    assert!(!plain.to_string().contains("13812345678"));
    // Asking to unmask without the role is refused.
    t.get("SINAN", &path).await.problem(403, "forbidden");
    let reader = t.token_for(&SINAN_PII);
    let shown = t.send(reqwest::Method::GET, &path, &reader, None, &[]).await.ok(200).clone();
    assert_eq!(shown["members"][0]["resident_id"], ids[0].as_str());
    assert_eq!(shown["members"][1]["resident_id"], ids[1].as_str());
    assert_eq!(shown["card"]["bank_account"]["number"], "6217000012345678");
    assert_eq!(shown["card"]["helper"]["phone"], "13812345678");
    assert_eq!(shown["card"]["helpers"][0]["phone"], "13812345678");

    // The read is in the audit chain, without the values.
    let audit = t.get("CENTRAL", "/v1/audit?service=identification&limit=1000").await.ok(200).clone();
    let reads: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "household.pii-read").collect();
    assert_eq!(reads.len(), 1, "{audit}");
    assert_eq!((&reads[0]["actor"], &reads[0]["subject_id"]), (&json!("sinan-pii-reader"), &json!(id)));
    assert!(!audit.to_string().contains(&ids[0]) && !audit.to_string().contains("13812345678"));
    t.stop().await;
}
