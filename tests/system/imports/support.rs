//! What the import tests share: the registry file's header, uploading a file, waiting for the
//! import to finish, reading its error report, and spoiling a resident ID's check digit.

use std::time::{Duration, Instant};

use chain_system_tests::TestSystem;
use serde_json::Value;

pub(super) const HEADER: &str = "household_ref,village,year,kind,main_cause,other_causes,per_capita_income_fen,name,resident_id,relation,health,dibao,wages_fen,drinking_water_safe";

/// Uploads a file; answers the operation.
pub(super) async fn upload(t: &TestSystem, who: &str, body: Vec<u8>, content_type: &str) -> Value {
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
pub(super) async fn finished(t: &TestSystem, who: &str, id: &str) -> Value {
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
pub(super) async fn report(t: &TestSystem, who: &str, id: &str) -> (String, Vec<(i64, String, String, String)>) {
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

pub(super) fn wrong_check_digit(id: &str) -> String {
    let last = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &id[..17])
}
