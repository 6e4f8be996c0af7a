//! Directives decomposed down the hierarchy and sign-offs climbing back up in order, with the
//! audit trail and accountability they leave; two officials signing one task at once.

use chain_system_tests::spawn;
use serde_json::{Value, json};

use super::support::{due_in, id_of, issue, level, read, stepped, task_at, version_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_climbs_back_to_the_centre() {
    let t = spawn().await;
    let kind = "supervision.rectification";
    let due = due_in(&t, 30);
    let issued = issue(
        &t,
        "CENTRAL",
        kind,
        json!({ "divisions": ["520624", "520623"] }),
        &due,
        json!({ "quota": { "total": 1000, "shares": { "520624": 2, "520623": 1 } } }),
    )
    .await;
    assert_eq!(issued["opened"], 4);
    assert_eq!(
        issued["by_level"],
        json!([{ "level": "province", "tasks": 1 }, { "level": "city", "tasks": 1 }, { "level": "county", "tasks": 2 }])
    );
    let root = issued["task"].clone();
    let root_id = id_of(&root);
    assert_eq!(
        (&root["division"], &root["signer"], &root["state"], &root["quota"], &root["root_id"], &root["parent_id"]),
        (&json!("CN"), &json!("CN"), &json!("in_progress"), &json!(1000), &json!(root_id), &Value::Null)
    );

    // The tree: one task per layer down to the two counties, the quota split 2:1 and summed upwards.
    let tree = t.get("CENTRAL", &format!("/v1/tasks/{root_id}/tree")).await.ok(200).clone();
    assert_eq!(tree["task"]["id"], root_id.as_str());
    assert_eq!((&tree["subtree"]["total"], &tree["subtree"]["open"]), (&json!(5), &json!(4)));
    for (name, total) in [("central", 1), ("province", 1), ("city", 1), ("county", 2)] {
        assert_eq!(level(&tree, name)["total"], total, "{name}");
    }
    assert_eq!(level(&tree, "central")["in_progress"], 1);
    assert_eq!(level(&tree, "county")["open"], 2);
    let children = tree["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    let province = children[0]["task"].clone();
    assert_eq!(
        (&province["division"], &province["signer"], &province["quota"]),
        (&json!("52"), &json!("CN"), &json!(1000))
    );
    assert_eq!(children[0]["subtree"]["total"], 4);
    let province_id = id_of(&province);
    let province_tree = t.get("GUIZHOU", &format!("/v1/tasks/{province_id}/tree")).await.ok(200).clone();
    let city = province_tree["children"][0]["task"].clone();
    assert_eq!((&city["division"], &city["signer"], &city["quota"]), (&json!("5206"), &json!("52"), &json!(1000)));
    let city_id = id_of(&city);
    let city_tree = t.get("TONGREN", &format!("/v1/tasks/{city_id}/tree")).await.ok(200).clone();
    let counties: Vec<(String, String, i64, String)> = city_tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let task = &c["task"];
            (
                task["division"].as_str().unwrap().to_owned(),
                task["signer"].as_str().unwrap().to_owned(),
                task["quota"].as_i64().unwrap(),
                task["parent_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        counties,
        [
            ("520623".to_owned(), "5206".to_owned(), 333, city_id.clone()),
            ("520624".to_owned(), "5206".to_owned(), 667, city_id.clone())
        ]
    );
    let sinan = task_at(&t, "SINAN", kind, "520624").await;
    let shiqian = task_at(&t, "SHIQIAN", kind, "520623").await;
    let (sinan_id, shiqian_id) = (id_of(&sinan), id_of(&shiqian));
    assert_eq!(version_of(&sinan), 1);

    // Nothing climbs before the layer below: the city cannot submit, nor sign an unsubmitted county.
    t.step("TONGREN", &city_id, "submit", Some(1), json!({})).await.problem(409, "invalid-transition");
    t.step("TONGREN", &sinan_id, "sign-off", Some(1), json!({})).await.problem(409, "invalid-transition");
    // A county never signs its own work; the province is the wrong layer for a county.
    t.step("SINAN", &sinan_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    t.step("GUIZHOU", &sinan_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    // A stale If-Match is refused and changes nothing.
    t.step("SINAN", &sinan_id, "submit", Some(7), json!({})).await.problem(412, "precondition-failed");
    assert_eq!(read(&t, "SINAN", &sinan_id).await["state"], "open");

    // The counties submit.
    let submitted = t.step("SINAN", &sinan_id, "submit", Some(1), json!({ "reason": "整改台账已齐全" })).await;
    let sinan = stepped(&submitted, "submitted");
    assert_eq!((version_of(&sinan), &sinan["submitted_by"]), (2, &json!("sinan-official")));
    t.step("SINAN", &sinan_id, "submit", Some(2), json!({})).await.problem(409, "invalid-transition");
    t.step("SINAN", &sinan_id, "sign-off", Some(2), json!({})).await.problem(403, "forbidden");
    let shiqian = stepped(&t.step("SHIQIAN", &shiqian_id, "submit", Some(1), json!({})).await, "submitted");

    // Tongren sends Shiqian's work back (a reason is required), and signs Sinan's off.
    let no_reason = t.step("TONGREN", &shiqian_id, "return", Some(version_of(&shiqian)), json!({})).await;
    assert_eq!(no_reason.problem(422, "validation")["errors"][0]["field"], "reason");
    let returned = t
        .step("TONGREN", &shiqian_id, "return", Some(version_of(&shiqian)), json!({ "reason": "问题清单未逐项销号" }))
        .await;
    let shiqian = stepped(&returned, "returned");
    t.step("TONGREN", &sinan_id, "sign-off", Some(1), json!({})).await.problem(412, "precondition-failed");
    let sinan = stepped(&t.step("TONGREN", &sinan_id, "sign-off", Some(2), json!({})).await, "signed_off");
    assert_eq!(sinan["approvals"], json!(["tongren-official"]));
    // The city still waits for Shiqian.
    t.step("TONGREN", &city_id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    let resubmitted = t.step("SHIQIAN", &shiqian_id, "submit", Some(version_of(&shiqian)), json!({})).await;
    let shiqian = stepped(&resubmitted, "submitted");
    assert!(shiqian["approvals"].as_array().unwrap().is_empty());
    stepped(&t.step("TONGREN", &shiqian_id, "sign-off", Some(version_of(&shiqian)), json!({})).await, "signed_off");

    // The city climbs to the province.
    t.step("GUIZHOU", &city_id, "sign-off", None, json!({})).await.problem(409, "invalid-transition");
    let city = stepped(&t.step("TONGREN", &city_id, "submit", Some(1), json!({})).await, "submitted");
    t.step("SINAN", &city_id, "sign-off", None, json!({})).await.problem(404, "not-found");
    t.step("CENTRAL", &city_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    stepped(&t.step("GUIZHOU", &city_id, "sign-off", Some(version_of(&city)), json!({})).await, "signed_off");

    // The province climbs to the centre.
    t.step("CENTRAL", &root_id, "submit", None, json!({})).await.problem(409, "invalid-transition");
    let province = stepped(&t.step("GUIZHOU", &province_id, "submit", Some(1), json!({})).await, "submitted");
    t.step("GUIZHOU", &province_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    stepped(&t.step("CENTRAL", &province_id, "sign-off", Some(version_of(&province)), json!({})).await, "signed_off");

    // The root is the centre's own: submitted by one central official, signed by another.
    let root_now = read(&t, "CENTRAL", &root_id).await;
    let root_sub =
        stepped(&t.step("CENTRAL", &root_id, "submit", Some(version_of(&root_now)), json!({})).await, "submitted");
    assert_eq!(root_sub["submitted_by"], "central-official");
    t.step("CENTRAL", &root_id, "sign-off", None, json!({})).await.problem(403, "forbidden");
    t.step("GUIZHOU", &root_id, "sign-off", None, json!({})).await.problem(404, "not-found");
    let done =
        stepped(&t.step("CENTRAL2", &root_id, "sign-off", Some(version_of(&root_sub)), json!({})).await, "signed_off");
    assert_eq!(done["approvals"], json!(["central-approver-2"]));
    t.step("CENTRAL2", &root_id, "sign-off", None, json!({})).await.problem(409, "invalid-transition");

    let tree = t.get("CENTRAL", &format!("/v1/tasks/{root_id}/tree")).await.ok(200).clone();
    assert_eq!((&tree["subtree"]["total"], &tree["subtree"]["signed_off"]), (&json!(5), &json!(5)));

    // The audit trail holds every sign-off, in order, and the return with its reason.
    let audit = t.get("CENTRAL", "/v1/audit?service=planning&limit=1000").await.ok(200).clone();
    let entries = audit.as_array().unwrap();
    let sign_offs: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e["action"] == "task.signed_off")
        .map(|e| (e["division"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sign_offs,
        [
            ("520624", "tongren-official"),
            ("520623", "tongren-official"),
            ("5206", "guizhou-official"),
            ("52", "central-official"),
            ("CN", "central-approver-2"),
        ]
    );
    assert!(entries.iter().any(|e| e["action"] == "directive.issue" && e["subject_id"] == root_id.as_str()));
    let returns: Vec<&Value> = entries.iter().filter(|e| e["action"] == "task.returned").collect();
    assert_eq!(returns.len(), 1);
    assert_eq!((&returns[0]["division"], &returns[0]["reason"]), (&json!("520623"), &json!("问题清单未逐项销号")));
    assert!(entries.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()));
    // A county auditor sees only its own county's entries; a non-auditor none at all.
    let own = t.get("SINAN", "/v1/audit?service=planning").await.ok(200).clone();
    assert!(!own.as_array().unwrap().is_empty());
    assert!(own.as_array().unwrap().iter().all(|e| e["division"] == "520624"), "{own}");
    t.get("VILLAGE", "/v1/audit").await.problem(403, "forbidden");

    // The return is on record against Shiqian, answerable to Tongren.
    let records = t.get("TONGREN", "/v1/accountability").await.ok(200).clone();
    let records: Vec<(&str, &str, &str, &str)> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["division"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
                r["escalated_to"].as_str().unwrap(),
                r["task_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(records, [("520623", "returned", "5206", shiqian_id.as_str())]);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_officials_signing_at_once_one_wins() {
    let t = spawn().await;
    let due = due_in(&t, 20);
    for round in 0..3 {
        let kind = format!("supervision.race-{round}");
        let issued = issue(&t, "GUIZHOU", &kind, json!({ "divisions": ["5206"] }), &due, json!({})).await;
        let root_id = id_of(&issued["task"]);
        let city = task_at(&t, "TONGREN", &kind, "5206").await;
        let city_id = id_of(&city);
        let city =
            stepped(&t.step("TONGREN", &city_id, "submit", Some(version_of(&city)), json!({})).await, "submitted");
        let v = version_of(&city);

        let (a, b) = tokio::join!(
            t.step("GUIZHOU", &city_id, "sign-off", Some(v), json!({})),
            t.step("GUIZHOU2", &city_id, "sign-off", Some(v), json!({})),
        );
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert!(
            statuses.contains(&200) && statuses.contains(&409),
            "round {round}: {statuses:?} {} {}",
            a.body,
            b.body
        );
        let (winner, loser, subject) =
            if a.status == 200 { (&a, &b, "guizhou-official") } else { (&b, &a, "guizhou-approver-2") };
        let won = stepped(winner, "signed_off");
        assert_eq!(won["approvals"], json!([subject]));
        assert_eq!(version_of(&won), v + 1);
        // The loser either read the task after the winner committed (no longer submitted) or lost
        // the version-guarded write: 409 both ways, never a second sign-off.
        assert_eq!((loser.status.as_u16(), loser.content_type()), (409, "application/problem+json"), "{}", loser.body);
        let kind = loser.body["type"].as_str().unwrap();
        assert!(["/problems/invalid-transition", "/problems/stale-version"].contains(&kind), "{}", loser.body);

        // Exactly one sign-off happened: one version step, one audit entry.
        let now = read(&t, "GUIZHOU", &city_id).await;
        assert_eq!(
            (&now["state"], version_of(&now), &now["approvals"]),
            (&json!("signed_off"), v + 1, &json!([subject]))
        );
        let audit = t.get("GUIZHOU", &format!("/v1/audit?subject_id={city_id}")).await.ok(200).clone();
        let sign_offs = audit.as_array().unwrap().iter().filter(|e| e["action"] == "task.signed_off").count();
        assert_eq!(sign_offs, 1, "round {round}: {audit}");
        assert_eq!(read(&t, "GUIZHOU", &root_id).await["state"], "in_progress");
    }
    t.stop().await;
}
