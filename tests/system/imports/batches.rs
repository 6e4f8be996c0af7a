//! The batches behind an import: a retried batch or upload applied once, an imported household
//! recorded as a single application is, two imports of the same people at once, and an
//! interrupted import resumed after the batches it applied.

use chain_system_tests::{TestSystem, application, eventually, rid, spawn};
use serde_json::{Value, json};

use super::support::{HEADER, finished, upload};

/// A one-member household as a gateway sends it in a batch.
fn batch_household(
    reference: &str,
    row: i64,
    name: &str,
    resident_id: String,
) -> chain_api::imports::ImportedHousehold {
    use chain_api::identification::{MemberInput, RegisterHousehold, Relation};
    chain_api::imports::ImportedHousehold {
        household_ref: reference.into(),
        rows: vec![row],
        household: Some(RegisterHousehold {
            village: "520624101201".into(),
            year: 2016,
            kind: Default::default(),
            main_cause: "illness".into(),
            other_causes: vec![],
            per_capita_income_fen: 210000,
            members: vec![MemberInput {
                name: name.into(),
                resident_id,
                relation: Relation::Head,
                details: Default::default(),
            }],
            card: Default::default(),
            adjustment: None,
        }),
        errors: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_batch_is_applied_once_and_batches_keep_their_order() {
    use chain_api::imports::{FileKind, ImportBatch, ImportOperation, StartImport};
    let t = spawn().await;
    let bus = t.gateway_bus().await;
    let p = chain::demo::official("VILLAGE").principal();
    let start = StartImport {
        file_name: "retry.csv".into(),
        file_size: 10,
        kind: FileKind::Csv,
        idempotency_key: None,
        resume: None,
        campaign: None,
    };
    let op: ImportOperation = bus.request("identification", "import.start", &p, &start).await.unwrap();
    let household = batch_household("H1", 2, "甲", rid("52062419800101051"));
    let batch = ImportBatch { import_id: op.id, seq: 1, rows: 1, households: vec![household] };
    let first: ImportOperation = bus.request("identification", "household.import-batch", &p, &batch).await.unwrap();
    let again: ImportOperation = bus.request("identification", "household.import-batch", &p, &batch).await.unwrap();
    assert_eq!((first.households_registered, first.rows_read), (1, 1));
    assert_eq!(again, first, "the retry changed nothing");
    let skipped = ImportBatch { seq: 3, ..batch.clone() };
    let refused =
        bus.request::<_, ImportOperation>("identification", "household.import-batch", &p, &skipped).await.unwrap_err();
    assert_eq!(refused.status, 409);
    // Another official cannot feed someone else's import.
    let other = chain::demo::official("SINAN").principal();
    let hidden = bus
        .request::<_, ImportOperation>(
            "identification",
            "household.import-batch",
            &other,
            &ImportBatch { seq: 2, ..batch },
        )
        .await
        .unwrap_err();
    assert_eq!(hidden.status, 404);
    // Finishing is answered once and then repeated unchanged, as a retry after a timeout needs.
    let finish = chain_api::imports::FinishImport { import_id: op.id, failure: None };
    let done: ImportOperation = bus.request("identification", "import.finish", &p, &finish).await.unwrap();
    let again: ImportOperation = bus.request("identification", "import.finish", &p, &finish).await.unwrap();
    assert_eq!(done.status, chain_api::imports::ImportStatus::Succeeded);
    assert_eq!(again, done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_upload_with_its_idempotency_key_imports_once() {
    let t = spawn().await;
    let csv = format!(
        "household_ref,village,year,main_cause,per_capita_income_fen,name,resident_id,relation\nK1,520624101201,2016,illness,180000,甲,{},head\n",
        rid("52062419600101041")
    );
    let send = |body: String, key: &'static str| {
        let t = &t;
        async move {
            reqwest::Client::new()
                .post(format!("{}/v1/imports?file_name=county.csv", t.base))
                .bearer_auth(t.token("VILLAGE"))
                .header("Content-Type", "text/csv")
                .header("Idempotency-Key", key)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(csv.clone(), "upload-1").await;
    assert_eq!(first.status().as_u16(), 202);
    let first: Value = first.json().await.unwrap();
    let id = first["id"].as_str().unwrap().to_owned();
    let done = finished(&t, "VILLAGE", &id).await;
    assert_eq!(done["households_registered"], 1);

    let again = send(csv.clone(), "upload-1").await;
    assert_eq!(again.status().as_u16(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!((&again["id"], &again["households_registered"]), (&json!(id), &json!(1)));
    // Another file under the same key is refused; the register holds the household once.
    let other = send(csv.replace("甲", "乙乙"), "upload-1").await;
    assert_eq!(other.status().as_u16(), 422);
    let listed = t.get("SINAN", "/v1/households?division=520624101201").await.ok(200).clone();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    t.stop().await;
}

/// The tasks of a household's procedure as the engine keeps them, without ids and times.
async fn procedure_shape(t: &TestSystem, household: &str) -> Vec<Value> {
    let found = t.get("SINAN", &format!("/v1/tasks?kind=identification.household&subject_id={household}")).await;
    let mut tasks = found.ok(200).as_array().unwrap().clone();
    tasks.sort_by_key(|task| task["division"].as_str().unwrap().len());
    let mut shape = vec![];
    for task in &tasks {
        let audit = t.get("SINAN", &format!("/v1/audit?subject_id={}", task["id"].as_str().unwrap())).await;
        let actions: Vec<Value> = audit.ok(200).as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
        shape.push(json!({
            "division": task["division"], "state": task["state"], "version": task["version"],
            "signer": task["signer"], "notice_kind": task["notice_kind"], "assignee_role": task["assignee_role"],
            "parent": task["parent_id"].is_string(), "audit": actions,
        }));
    }
    shape
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_household_is_recorded_as_a_single_application_is() {
    let t = spawn().await;
    let alone = t.post("SINAN", "/v1/households", application(&[rid("52062419700101001")])).await;
    let alone = alone.ok(201)["id"].as_str().unwrap().to_owned();
    let file = format!(
        "{HEADER}\nH1,520624101201,2016,ordinary,illness,lack_of_skills,210000,成员0,{},head,,,,\n",
        rid("52062419700101002")
    );
    let op = upload(&t, "SINAN", file.into_bytes(), "text/csv").await;
    let op = finished(&t, "SINAN", op["id"].as_str().unwrap()).await;
    assert_eq!((&op["status"], &op["households_registered"]), (&json!("succeeded"), &json!(1)), "{op}");
    let tasks = t.get("SINAN", "/v1/tasks?kind=identification.household&division=520624101201").await;
    let imported = tasks
        .ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["subject_id"].as_str().unwrap().to_owned())
        .find(|s| *s != alone)
        .expect("the imported household's task");

    let (a, b) = (procedure_shape(&t, &alone).await, procedure_shape(&t, &imported).await);
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
    assert_eq!(a[2]["state"], "in_progress");
    assert_eq!(a[2]["audit"], json!(["task.opened", "task.started"]));
    for id in [&alone, &imported] {
        let audit = t.get("SINAN", &format!("/v1/audit?subject_id={id}")).await;
        let actions: Vec<Value> = audit.ok(200).as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
        assert_eq!(actions, [json!("household.register")]);
        let h = t.household(id).await;
        assert_eq!((&h["status"], &h["version"]), (&json!("applied"), &json!(1)));
    }
    // Both go on through the procedure the same way.
    let appraisal = json!({ "votes_for": 20, "votes_against": 1 });
    for id in [&alone, &imported] {
        let h = t.post("VILLAGEHEAD", &format!("/v1/households/{id}:appraise"), appraisal.clone()).await;
        assert_eq!(h.ok(200)["status"], "appraised");
    }
    assert_eq!(procedure_shape(&t, &alone).await, procedure_shape(&t, &imported).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_the_same_people_at_the_same_moment_register_each_person_once() {
    let t = spawn().await;
    let n = 300;
    let rows: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "H{i},520624101201,2016,ordinary,illness,,210000,成员{i},{},head,,,,",
                rid(&format!("52062419800101{i:03}"))
            )
        })
        .collect();
    let file = format!("{HEADER}\n{}\n", rows.join("\n"));
    let (a, b) = tokio::join!(
        upload(&t, "SINAN", file.clone().into_bytes(), "text/csv"),
        upload(&t, "SINAN", file.into_bytes(), "text/csv")
    );
    let (a, b) = tokio::join!(
        finished(&t, "SINAN", a["id"].as_str().unwrap()),
        finished(&t, "SINAN", b["id"].as_str().unwrap())
    );
    for op in [&a, &b] {
        assert_eq!((&op["status"], &op["households_invalid"]), (&json!("succeeded"), &json!(0)), "{op}");
    }
    let registered = a["households_registered"].as_i64().unwrap() + b["households_registered"].as_i64().unwrap();
    let suspected =
        a["households_suspected_duplicate"].as_i64().unwrap() + b["households_suspected_duplicate"].as_i64().unwrap();
    assert_eq!((registered, suspected), (n, n), "{a}\n{b}");
    let duplicates = t.get("SINAN", "/v1/tasks?kind=identification.duplicate&limit=500").await;
    assert_eq!(duplicates.ok(200).as_array().unwrap().len() as i64, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_import_is_resumed_after_the_batches_it_applied() {
    use chain_api::imports::{FileKind, ImportBatch, ImportOperation, StartImport};
    let t = spawn().await;
    let ids: Vec<String> = (1..=3).map(|i| rid(&format!("52062419800101{:03}", 600 + i))).collect();
    let rows: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| format!("R{i},520624101201,2016,ordinary,illness,,210000,成员0,{id},head,,,,"))
        .collect();
    let file = format!("{HEADER}\n{}\n", rows.join("\n"));
    // A gateway starts the import and applies the first household's batch, then stops.
    let bus = t.gateway_bus().await;
    let p = chain::demo::official("VILLAGE").principal();
    let start = StartImport {
        file_name: "county.csv".into(),
        file_size: file.len() as i64,
        kind: FileKind::Csv,
        idempotency_key: None,
        resume: None,
        campaign: None,
    };
    let op: ImportOperation = bus.request("identification", "import.start", &p, &start).await.unwrap();
    let first = batch_household("R0", 2, "成员0", ids[0].clone());
    let batch = ImportBatch { import_id: op.id, seq: 1, rows: 1, households: vec![first] };
    let _: ImportOperation = bus.request("identification", "household.import-batch", &p, &batch).await.unwrap();
    let id = op.id.to_string();
    let resume = |body: String, name: &str| {
        reqwest::Client::new()
            .post(format!("{}/v1/imports?file_name={name}&resume={id}", t.base))
            .bearer_auth(t.token("VILLAGE"))
            .header("Content-Type", "text/csv")
            .body(body)
            .send()
    };
    // Still within its lease: not resumable yet.
    let early = resume(file.clone(), "county.csv").await.unwrap();
    assert_eq!(early.status().as_u16(), 409);

    // Ten minutes without a batch: interrupted, with an audit entry; a late batch is refused.
    t.clock.advance(chrono::Duration::minutes(11));
    let interrupted = eventually("the import to be interrupted", || async {
        let op = t.get("VILLAGE", &format!("/v1/imports/{id}")).await.ok(200).clone();
        (op["status"] == "interrupted").then_some(op)
    })
    .await;
    assert_eq!((&interrupted["batches"], &interrupted["rows_read"]), (&json!(1), &json!(1)));
    assert!(interrupted["failure"].as_str().unwrap().contains(&format!("?resume={id}")), "{interrupted}");
    let late = ImportBatch { seq: 2, ..batch.clone() };
    let refused =
        bus.request::<_, ImportOperation>("identification", "household.import-batch", &p, &late).await.unwrap_err();
    assert_eq!(refused.status, 409);

    // Another file cannot continue it; the same file does, after row 2.
    let other = resume(format!("{file}\n"), "county.csv").await.unwrap();
    assert_eq!(other.status().as_u16(), 422);
    let resumed = resume(file.clone(), "county.csv").await.unwrap();
    assert_eq!(resumed.status().as_u16(), 202);
    let done = finished(&t, "VILLAGE", &id).await;
    assert_eq!(
        (&done["status"], &done["rows_read"], &done["households_registered"], &done["households_suspected_duplicate"]),
        (&json!("succeeded"), &json!(3), &json!(3), &json!(0)),
        "{done}"
    );
    let audit = t.get("SINAN", &format!("/v1/audit?subject_id={id}")).await;
    let actions: Vec<Value> = audit.ok(200).as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
    assert_eq!(
        actions,
        [json!("household.import-interrupted"), json!("household.import-resume"), json!("household.import")]
    );
    // A finished import is not resumed.
    let again = resume(file, "county.csv").await.unwrap();
    assert_eq!(again.status().as_u16(), 409);
}
