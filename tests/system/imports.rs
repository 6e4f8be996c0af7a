//! Bulk import of households from a county's registry file (CSV and .xlsx): valid households are
//! registered through the single-registration path, suspected duplicates are filed, and every
//! row of a refused household is reported with its row number, reference, column and message.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chain_system_tests::{TestSystem, application, eventually, rid, spawn};
use serde_json::{Value, json};

const HEADER: &str = "household_ref,village,year,kind,main_cause,other_causes,per_capita_income_fen,name,resident_id,relation,health,dibao,wages_fen,drinking_water_safe";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Uploads a file; answers the operation.
async fn upload(t: &TestSystem, who: &str, body: Vec<u8>, content_type: &str) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/imports?file_name=county.file", t.base))
        .bearer_auth(t.token(who))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let op: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(location, format!("/v1/imports/{}", op["id"].as_str().unwrap()));
    assert_eq!(op["status"], "running");
    op
}

/// Polls until the import is no longer running.
async fn finished(t: &TestSystem, who: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let op = t.get(who, &format!("/v1/imports/{id}")).await.ok(200).clone();
        if op["status"] != "running" {
            return op;
        }
        assert!(Instant::now() < deadline, "the import did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The error report as (row, household_ref, field, message) lines.
async fn report(t: &TestSystem, who: &str, id: &str) -> (String, Vec<(i64, String, String, String)>) {
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/imports/{id}/errors", t.base))
        .bearer_auth(t.token(who))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = resp.text().await.unwrap();
    let mut lines = vec![];
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["row", "household_ref", "field", "message"]);
    for r in reader.records() {
        let r = r.unwrap();
        lines.push((r[0].parse().unwrap(), r[1].to_owned(), r[2].to_owned(), r[3].to_owned()));
    }
    (text, lines)
}

fn wrong_check_digit(id: &str) -> String {
    let last = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &id[..17])
}

/// A village of Shiqian county: outside Sinan's jurisdiction.
fn shiqian_village() -> String {
    let registry = chain_domain::registry();
    let county = chain_domain::Division::parse("520623").unwrap();
    let township = registry.children(&county).remove(0).code;
    registry.children(&township).remove(0).code.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_csv_registers_the_valid_households_and_reports_each_refused_row() {
    let t = spawn().await;
    // Someone already in an active household, registered one by one.
    let known = rid("52062419600101091");
    t.post("VILLAGE", "/v1/households", application(std::slice::from_ref(&known))).await.ok(201);

    let ids: Vec<String> = (1..=12).map(|i| rid(&format!("5206241980{i:02}10{:03}", 100 + i))).collect();
    let v = "520624101201";
    let rows = [
        // H1: valid (rows 2–3).
        format!(
            "H1,{v},2016,ordinary,illness,lack_of_skills,210000,张三,{},head,chronic_illness,1,420000,true",
            ids[0]
        ),
        format!("H1,,,,,,,李四,{},spouse,healthy,0,,", ids[1]),
        // H2: a bad check digit in row 5.
        format!("H2,{v},2016,ordinary,illness,,210000,王五,{},head,,,,", ids[2]),
        format!("H2,{v},2016,ordinary,illness,,210000,王六,{},child,,,,", wrong_check_digit(&ids[3])),
        // H3: an unknown village (row 6).
        format!("H3,520624101999,2016,ordinary,illness,,210000,赵七,{},head,,,,", ids[4]),
        // H4: no head (rows 7–8).
        format!("H4,{v},2016,ordinary,disability,,180000,孙八,{},spouse,,,,", ids[5]),
        format!("H4,{v},2016,ordinary,disability,,180000,孙九,{},child,,,,", ids[6]),
        // H5: the spouse of H1 again (row 9).
        format!("H5,{v},2016,ordinary,illness,,210000,李四,{},head,,,,", ids[1]),
        // H6: a village of another county (row 10).
        format!("H6,{},2016,ordinary,illness,,210000,周十,{},head,,,,", shiqian_village(), ids[7]),
        // H7: a person already in an active household: a suspected duplicate (row 11).
        format!("H7,{v},2016,ordinary,illness,,210000,吴一,{known},head,,,,"),
        // H8: valid (rows 12–13).
        format!(
            "H8,{v},2017,dibao,lack_of_labour,illness;disability,120000,郑二,{},head,disabled,1,240000,false",
            ids[8]
        ),
        format!("H8,{v},2017,dibao,lack_of_labour,illness;disability,120000,郑三,{},parent,,,,", ids[9]),
        // H1 again, after other households (row 14).
        format!("H1,{v},2016,ordinary,illness,,210000,钱五,{},head,,,,", ids[10]),
    ];
    let file = format!("\u{feff}{HEADER}\n{}\n", rows.join("\n"));

    let op = upload(&t, "SINAN", file.into_bytes(), "text/csv").await;
    let id = op["id"].as_str().unwrap().to_owned();
    let op = finished(&t, "SINAN", &id).await;
    assert_eq!(op["status"], "succeeded", "{op}");
    let (text, lines) = report(&t, "SINAN", &id).await;
    assert_eq!(
        (&op["rows_read"], &op["households_registered"], &op["households_suspected_duplicate"]),
        (&Value::from(13), &Value::from(2), &Value::from(1)),
        "{text}"
    );
    assert_eq!((&op["households_invalid"], &op["rows_invalid"]), (&Value::from(6), &Value::from(8)));

    let faults: BTreeSet<(i64, &str, &str)> =
        lines.iter().filter(|l| !l.2.is_empty()).map(|l| (l.0, l.1.as_str(), l.2.as_str())).collect();
    let expected: BTreeSet<(i64, &str, &str)> = [
        (5, "H2", "resident_id"),
        (6, "H3", "village"),
        (7, "H4", "relation"),
        (9, "H5", "resident_id"),
        (10, "H6", "village"),
        (14, "H1", "household_ref"),
    ]
    .into();
    assert_eq!(faults, expected, "{text}");
    let with_household: Vec<i64> = lines.iter().filter(|l| l.2.is_empty()).map(|l| l.0).collect();
    assert_eq!(with_household, [4, 8], "the other rows of refused households are listed too");
    assert!(lines.iter().any(|l| l.0 == 9 && l.3.contains("row 3")), "{text}");
    assert!(lines.iter().any(|l| l.0 == 10 && l.3.contains("jurisdiction")), "{text}");
    for i in ids.iter().chain([&known]) {
        assert!(!text.contains(i.as_str()) && !text.contains(&wrong_check_digit(i)), "no resident ID in the report");
    }

    // The registered households are there, with their cards.
    let tasks = t.get("SINAN", "/v1/tasks?kind=identification.household&division=520624&limit=500").await;
    let subjects: BTreeSet<String> =
        tasks.ok(200).as_array().unwrap().iter().map(|task| task["subject_id"].as_str().unwrap().to_owned()).collect();
    let mut names = vec![];
    for s in &subjects {
        let h = t.get("SINAN", &format!("/v1/households/{s}")).await.ok(200).clone();
        let members: Vec<String> =
            h["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_owned()).collect();
        if members == ["郑二", "郑三"] {
            assert_eq!(
                (&h["kind"], &h["year"], &h["status"]),
                (&Value::from("dibao"), &Value::from(2017), &Value::from("applied"))
            );
            assert_eq!(h["other_causes"], serde_json::json!(["illness", "disability"]));
            assert_eq!(h["card"]["income"]["wages_fen"], 240000);
            assert_eq!(h["card"]["drinking_water_safe"], false);
            assert_eq!(h["members"][0]["health"], "disabled");
            assert_eq!(h["members"][0]["dibao"], true);
        }
        names.push(members);
    }
    names.sort();
    let expected_names: Vec<Vec<String>> = vec![
        vec!["吴一".into()],
        vec!["张三".into(), "李四".into()],
        vec!["成员0".into()],
        vec!["郑二".into(), "郑三".into()],
    ];
    // H7 holds no procedure task until adjudicated; the earlier single registration does.
    let expected_names: Vec<Vec<String>> = expected_names.into_iter().filter(|n| n[0] != "吴一").collect();
    assert_eq!(names, expected_names);

    // H7 was filed for adjudication by the county.
    let duplicates = t.get("SINAN", "/v1/tasks?kind=identification.duplicate").await;
    let duplicates = duplicates.ok(200).as_array().unwrap().clone();
    assert_eq!(duplicates.len(), 1);
    let h7 = t.get("SINAN", &format!("/v1/households/{}", duplicates[0]["subject_id"].as_str().unwrap())).await;
    assert_eq!(h7.ok(200)["status"], "suspected_duplicate");
    assert_eq!(h7.body["members"][0]["name"], "吴一");

    // One audit entry for the import, with its counts.
    let audit = t.get("SINAN", "/v1/audit?service=identification&limit=500").await;
    let imports: Vec<Value> =
        audit.ok(200).as_array().unwrap().iter().filter(|e| e["action"] == "household.import").cloned().collect();
    assert_eq!(imports.len(), 1, "{}", audit.body);
    assert_eq!(
        (&imports[0]["actor"], &imports[0]["subject_id"]),
        (&Value::from("sinan-official"), &Value::from(id.as_str()))
    );
    let account = imports[0]["reason"].as_str().unwrap();
    assert!(account.starts_with("county.file ("), "{account}");
    assert!(
        account.contains("13 rows read; 2 households registered, 1 suspected duplicates, 6 refused (8 rows)"),
        "{account}"
    );

    // Another county cannot see it; a village operator below cannot either.
    t.get("SHIQIAN", &format!("/v1/imports/{id}")).await.problem(404, "not-found");
    t.get("VILLAGE", &format!("/v1/imports/{id}/errors")).await.problem(404, "not-found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_needs_the_operator_role_and_a_readable_file() {
    let t = spawn().await;
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/imports", t.base))
        .bearer_auth(t.token("GUIZHOU2"))
        .header("Content-Type", "text/csv")
        .body(format!("{HEADER}\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    // A header without the required columns fails the import and registers nothing.
    let op = upload(&t, "VILLAGE", b"household_ref,village\nH1,520624101201\n".to_vec(), "text/csv").await;
    let op = finished(&t, "VILLAGE", op["id"].as_str().unwrap()).await;
    assert_eq!(op["status"], "failed");
    assert!(op["failure"].as_str().unwrap().contains("resident_id"), "{op}");
    assert_eq!(op["households_registered"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_workbook_is_imported_the_same_way() {
    let t = spawn().await;
    let ids: Vec<String> = (1..=5).map(|i| rid(&format!("520624199{i}020203{i}"))).collect();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header: Vec<&str> = HEADER.split(',').collect();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let v = "520624101201";
    let rows: Vec<Vec<String>> = vec![
        vec!["A1", v, "2016", "ordinary", "illness", "", "210000", "甲", &ids[0], "head"],
        vec!["A1", "", "", "", "", "", "", "乙", &ids[1], "child"],
        vec!["A2", v, "2016", "ordinary", "illness", "", "210000", "丙", &wrong_check_digit(&ids[2]), "head"],
        vec!["A3", v, "2016", "ordinary", "disability", "", "150000", "丁", &ids[3], "head"],
        vec!["A4", v, "2016", "ordinary", "disability", "", "150000", "戊", &ids[4], "head"],
    ]
    .into_iter()
    .map(|r| r.into_iter().map(str::to_owned).collect())
    .collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // Numbers as Excel numbers, IDs and codes as text, as a county's sheet has them.
            // A4's ID was typed into a number-formatted column, where it loses its last digits.
            match (header[c], cell.parse::<f64>()) {
                ("year" | "per_capita_income_fen", Ok(n)) => sheet.write_number(r as u32 + 1, c as u16, n).unwrap(),
                ("resident_id", Ok(n)) if row[0] == "A4" => sheet.write_number(r as u32 + 1, c as u16, n).unwrap(),
                _ if cell.is_empty() => sheet,
                _ => sheet.write_string(r as u32 + 1, c as u16, cell).unwrap(),
            };
        }
    }
    let bytes = book.save_to_buffer().unwrap();

    let op = upload(&t, "VILLAGE", bytes, XLSX).await;
    let id = op["id"].as_str().unwrap().to_owned();
    let op = finished(&t, "VILLAGE", &id).await;
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(op["kind"], "xlsx");
    assert_eq!((&op["rows_read"], &op["households_registered"]), (&Value::from(5), &Value::from(2)));
    assert_eq!((&op["households_invalid"], &op["rows_invalid"]), (&Value::from(2), &Value::from(2)));
    let (text, lines) = report(&t, "VILLAGE", &id).await;
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!((lines[0].0, lines[0].1.as_str(), lines[0].2.as_str()), (4, "A2", "resident_id"));
    assert_eq!((lines[1].0, lines[1].1.as_str(), lines[1].2.as_str()), (6, "A4", "resident_id"));
    assert!(lines[1].3.contains("only 15 digits") && lines[1].3.contains("as text"), "{text}");
}

/// How many households the large-file test imports: `CHAIN_IMPORT_HOUSEHOLDS`, by default 2,000
/// (the suite runs it beside other tests); `deploy/dev/test.sh` runs it again alone with 100,000.
fn large_size() -> usize {
    std::env::var("CHAIN_IMPORT_HOUSEHOLDS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_with_one_percent_bad_rows_reports_exactly_those_rows() {
    let t = spawn().await;
    let n = large_size();
    let mut file = String::with_capacity(n * 3 * 90);
    file.push_str(HEADER);
    file.push('\n');
    let (mut row, mut person) = (1i64, 0usize);
    let mut bad_rows = BTreeSet::new();
    let mut bad_households = BTreeSet::new();
    let mut rows_of_bad = 0;
    let base = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
    for h in 0..n {
        let size = 1 + h % 3;
        let mut this_bad = false;
        let first = row + 1;
        for m in 0..size {
            row += 1;
            let birth = base + chrono::Days::new((person / 900) as u64);
            let mut id = rid(&format!("520624{}{:03}", birth.format("%Y%m%d"), person % 900 + 100));
            person += 1;
            if row % 100 == 0 {
                id = wrong_check_digit(&id);
                bad_rows.insert(row);
                this_bad = true;
            }
            let relation = if m == 0 { "head" } else { "child" };
            file.push_str(&format!("R{h},520624101201,2016,ordinary,illness,,210000,成员{m},{id},{relation},,,,\n"));
        }
        if this_bad {
            bad_households.insert(h);
            rows_of_bad += row - first + 1;
        }
    }
    let rows_total = row - 1;
    let bytes = file.into_bytes();
    let size = bytes.len();
    let started = Instant::now();
    let op = upload(&t, "VILLAGE", bytes, "text/csv").await;
    let id = op["id"].as_str().unwrap().to_owned();
    let op = finished(&t, "VILLAGE", &id).await;
    let took = started.elapsed();
    eprintln!(
        "imported {n} households ({rows_total} rows, {size} bytes) in {took:?}: {:.0} rows/s",
        rows_total as f64 / took.as_secs_f64()
    );
    assert_eq!(op["status"], "succeeded", "{op}");
    assert_eq!(op["rows_read"], rows_total);
    assert_eq!(op["households_invalid"], bad_households.len());
    assert_eq!(op["rows_invalid"], rows_of_bad);
    assert_eq!(op["households_registered"], n - bad_households.len());
    let (_, lines) = report(&t, "VILLAGE", &id).await;
    let reported: BTreeSet<i64> = lines.iter().filter(|l| !l.2.is_empty()).map(|l| l.0).collect();
    assert_eq!(reported, bad_rows, "exactly the bad rows are reported");
    assert!(lines.iter().filter(|l| !l.2.is_empty()).all(|l| l.2 == "resident_id"));
    assert_eq!(lines.len() as i64, rows_of_bad, "and the other rows of their households");
}

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
    let bus = chain_bus::Bus::connect(t.nats.as_ref().unwrap().url(), "chain").await.unwrap();
    let p = chain::demo::official("VILLAGE").principal();
    let start = StartImport {
        file_name: "retry.csv".into(),
        file_size: 10,
        kind: FileKind::Csv,
        idempotency_key: None,
        resume: None,
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
    let bus = chain_bus::Bus::connect(t.nats.as_ref().unwrap().url(), "chain").await.unwrap();
    let p = chain::demo::official("VILLAGE").principal();
    let start = StartImport {
        file_name: "county.csv".into(),
        file_size: file.len() as i64,
        kind: FileKind::Csv,
        idempotency_key: None,
        resume: None,
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
