//! Reading the register: the household list with its filters, cursor pages and jurisdiction;
//! counts per division by status; and a village's public notice board, which never shows a
//! resident ID.

use chain_system_tests::{TestSystem, application, rid, spawn};
use serde_json::{Value, json};

async fn register(t: &TestSystem, who: &str, village: &str, cause: &str, ids: &[&str]) -> String {
    let mut app = application(&ids.iter().map(|i| rid(i)).collect::<Vec<_>>());
    app["village"] = json!(village);
    app["main_cause"] = json!(cause);
    app["other_causes"] = json!([]);
    t.post(who, "/v1/households", app).await.ok(201)["id"].as_str().unwrap().to_owned()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

/// Whether the text holds an 18-character resident ID (17 digits and a digit or X) or a masked one.
fn shows_an_id(text: &str) -> bool {
    let b = text.as_bytes();
    let plain =
        b.windows(18).any(|w| w[..17].iter().all(u8::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == b'X'));
    plain || text.contains("****")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_is_listed_by_division_and_filters_a_page_at_a_time_within_jurisdiction() {
    let t = spawn().await;
    let identified =
        register(&t, "VILLAGE", "520624101201", "illness", &["52062419700101031", "52062420000101032"]).await;
    t.identify(&identified).await;
    let rejected = register(&t, "VILLAGE", "520624101201", "disability", &["52062419700101033"]).await;
    t.post(
        "VILLAGEHEAD",
        &format!("/v1/households/{rejected}:appraise"),
        json!({ "votes_for": 1, "votes_against": 9 }),
    )
    .await
    .ok(200);
    let applied = register(&t, "VILLAGE", "520624101201", "illness", &["52062419700101034"]).await;
    let neighbour = register(&t, "SINAN", "520624101200", "illness", &["52062419700101035"]).await;
    let other_township = register(&t, "SINAN", "520624102200", "lack_of_funds", &["52062419700101036"]).await;
    let shiqian = register(&t, "SHIQIAN", "520623101201", "illness", &["52062319700101037"]).await;

    // The village, filtered.
    let village = t.get("SINAN", "/v1/households?division=520624101201").await.ok(200).clone();
    assert_eq!(ids(&village), vec![identified.clone(), rejected.clone(), applied.clone()]);
    let head = &village["items"][0];
    assert_eq!((head["head"].clone(), head["members"].clone()), (json!("成员0"), json!(2)));
    assert!(!shows_an_id(&village.to_string()));
    let only = |q: &str| {
        let t = &t;
        let q = q.to_owned();
        async move { ids(t.get("SINAN", &format!("/v1/households?{q}")).await.ok(200)) }
    };
    assert_eq!(only("division=520624101201&status=identified").await, vec![identified.clone()]);
    assert_eq!(only("division=520624&cause=disability").await, vec![rejected.clone()]);
    assert_eq!(only("division=520624&cause=lack_of_funds&year=2016").await, vec![other_township.clone()]);
    assert!(only("division=520624&year=2017").await.is_empty());

    // Cursor pages over the county, in registration (id) order.
    let first = t.get("SINAN", "/v1/households?division=520624&limit=3").await.ok(200).clone();
    assert_eq!(ids(&first), vec![identified.clone(), rejected.clone(), applied.clone()]);
    let after = first["next_after"].as_str().unwrap();
    let second = t.get("SINAN", &format!("/v1/households?division=520624&limit=3&after={after}")).await.ok(200).clone();
    assert_eq!(ids(&second), vec![neighbour.clone(), other_township.clone()]);
    assert!(second.get("next_after").is_none());

    // Jurisdiction: the caller's reach intersected with the prefix.
    assert_eq!(ids(t.get("SHIQIAN", "/v1/households").await.ok(200)), vec![shiqian.clone()]);
    assert!(ids(t.get("SHIQIAN", "/v1/households?division=520624").await.ok(200)).is_empty());
    assert_eq!(ids(t.get("VILLAGE", "/v1/households?division=5206").await.ok(200)).len(), 3);
    assert_eq!(ids(t.get("TONGREN", "/v1/households?division=5206&status=applied").await.ok(200)).len(), 4);

    // Bad input is named.
    t.get("SINAN", "/v1/households?limit=0").await.problem(422, "validation");
    t.get("SINAN", "/v1/households?limit=501").await.problem(422, "validation");
    t.get("SINAN", "/v1/households?cause=bad_luck").await.problem(422, "validation");
    t.get("SINAN", "/v1/households?division=52062").await.problem(422, "validation");
    t.get("SINAN", "/v1/households?status=sleeping").await.problem(400, "bad-request");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_per_division_split_households_and_members_by_where_they_stand() {
    let t = spawn().await;
    let identified =
        register(&t, "VILLAGE", "520624101201", "illness", &["52062419700101041", "52062420000101042"]).await;
    t.identify(&identified).await;
    let rejected = register(&t, "VILLAGE", "520624101201", "illness", &["52062419700101043"]).await;
    t.post(
        "VILLAGEHEAD",
        &format!("/v1/households/{rejected}:appraise"),
        json!({ "votes_for": 0, "votes_against": 9 }),
    )
    .await
    .ok(200);
    register(
        &t,
        "VILLAGE",
        "520624101201",
        "illness",
        &["52062419700101044", "52062420000101045", "52062420020101046"],
    )
    .await;
    register(&t, "SINAN", "520624102200", "illness", &["52062419700101047"]).await;
    register(&t, "SHIQIAN", "520623101201", "illness", &["52062319700101048"]).await;

    let by_village = t.get("SINAN", "/v1/households/counts?division=520624").await.ok(200).clone();
    let rows = by_village.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{by_village}");
    assert_eq!(rows[0]["division"], "520624101201");
    assert_eq!(rows[0]["name"], "泗河坝村村民委员会");
    assert_eq!(rows[0]["households"], json!({ "identified": 1, "in_procedure": 1, "exited": 0, "rejected": 1 }));
    assert_eq!(rows[0]["members"], json!({ "identified": 2, "in_procedure": 3, "exited": 0, "rejected": 1 }));
    assert_eq!(rows[1]["division"], "520624102200");

    let by_township = t.get("SINAN", "/v1/households/counts?group_by=township&year=2016").await.ok(200).clone();
    let townships: Vec<&str> =
        by_township.as_array().unwrap().iter().map(|r| r["division"].as_str().unwrap()).collect();
    assert_eq!(townships, ["520624101", "520624102"]);

    let by_county = t.get("TONGREN", "/v1/households/counts?group_by=county").await.ok(200).clone();
    let counties: Vec<(&str, u64)> = by_county
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["division"].as_str().unwrap(), r["households"]["in_procedure"].as_u64().unwrap()))
        .collect();
    assert_eq!(counties, [("520623", 1), ("520624", 2)]);
    // Only what the caller may see; a grouping above the division is refused.
    assert_eq!(t.get("SHIQIAN", "/v1/households/counts?division=520624").await.ok(200), &json!([]));
    t.get("SINAN", "/v1/households/counts?division=520624101&group_by=county").await.problem(422, "validation");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_village_board_shows_the_notices_without_any_resident_id() {
    let t = spawn().await;
    let done = register(&t, "VILLAGE", "520624101201", "illness", &["52062419700101051"]).await;
    t.identify(&done).await;
    let up =
        register(&t, "VILLAGE", "520624101201", "lack_of_water", &["52062419700101052", "52062420100101053"]).await;
    t.post("VILLAGEHEAD", &format!("/v1/households/{up}:appraise"), json!({ "votes_for": 9, "votes_against": 1 }))
        .await
        .ok(200);
    t.post("VILLAGEHEAD", &format!("/v1/households/{up}:verify"), json!({})).await.ok(200);

    let board = t.get("VILLAGE", "/v1/notices?village=520624101201").await.ok(200).clone();
    let notices = board.as_array().unwrap();
    assert_eq!(notices.len(), 1, "{board}");
    let n = &notices[0];
    assert_eq!((n["kind"].clone(), n["state"].clone()), (json!("identification.village"), json!("open")));
    assert_eq!(n["posted_by"], "520624101201");
    assert!(n["closes_at"].is_string() && n["opened_at"].is_string());
    assert_eq!(
        n["household"],
        json!({ "id": up, "village": "520624101201", "village_name": "泗河坝村村民委员会", "head": "成员0",
                "size": 2, "main_cause": "lack_of_water", "year": 2016 })
    );
    // The identified household's two notices have passed: the village's and the township's.
    let all = t.get("SINAN", "/v1/notices?village=520624101201&state=all").await.ok(200).clone();
    assert_eq!(all.as_array().unwrap().len(), 3);
    let passed = t.get("TANGTOU", "/v1/notices?village=520624101201&state=passed").await.ok(200).clone();
    let kinds: Vec<&str> = passed.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["identification.township", "identification.village"]);
    assert!(passed.as_array().unwrap().iter().all(|n| n["household"]["id"] == done.as_str()));
    for body in [&board, &all, &passed] {
        let text = body.to_string();
        assert!(!shows_an_id(&text), "a resident ID on the board: {text}");
        for forbidden in ["resident_id", "phone", "bank", "health"] {
            assert!(!text.contains(forbidden), "{forbidden} on the board: {text}");
        }
    }

    // Outside the reader's jurisdiction the board does not exist; a bad code is named.
    t.get("SHIQIAN", "/v1/notices?village=520624101201").await.problem(404, "not-found");
    t.get("VILLAGE", "/v1/notices?village=520624101200").await.problem(404, "not-found");
    t.get("SINAN", "/v1/notices?village=520624").await.problem(422, "validation");
    t.stop().await;
}
