//! Importing a county's registry file, CSV or .xlsx: valid households registered, suspected
//! duplicates filed, every row of a refused household reported; who may import and what is
//! readable.

use std::collections::BTreeSet;

use chain_system_tests::{application, rid, spawn};
use serde_json::Value;

use super::support::{HEADER, finished, report, upload, wrong_check_digit};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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
