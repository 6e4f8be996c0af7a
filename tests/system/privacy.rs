//! No unmasked resident ID number reaches a log line, a span's fields, an error body, an audit
//! entry, a task or a public notice. The test drives the paths that handle IDs — registration,
//! invalid input, a suspected duplicate and its adjudication, the notices and objections of the
//! procedure, an unmasked read by a PII reader — then scans everything the process logged and
//! every answer it got (but the one unmasked read) for anything that parses as an ID.

use chain::demo::Official;
use chain_api::Role;
use chain_system_tests::{Answer, TestSystem, application, rid, spawn};
use serde_json::json;

const READER: Official = Official {
    var: "READER",
    subject: "records-reader",
    title: "Sinan county records office",
    jurisdiction: "520624",
    roles: &[Role::PiiReader],
};

/// Every token that is a valid resident ID number (18 characters, check digit, date), masked.
fn ids_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| t.len() == 18)
        .filter_map(|t| chain_domain::ResidentId::parse(t, chrono::NaiveDate::MAX).ok())
        .map(|id| id.masked())
        .collect()
}

struct Seen<'a> {
    t: &'a TestSystem,
    bodies: Vec<String>,
}

impl Seen<'_> {
    fn keep(&mut self, a: &Answer) -> serde_json::Value {
        self.bodies.push(a.body.to_string());
        a.body.clone()
    }

    async fn post(&mut self, who: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let a = self.t.post(who, path, body).await;
        self.keep(&a)
    }

    async fn get(&mut self, who: &str, path: &str) -> serde_json::Value {
        let a = self.t.get(who, path).await;
        self.keep(&a)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_unmasked_resident_id_reaches_a_log_an_error_an_audit_entry_or_a_notice() {
    let t = spawn().await;
    let mut seen = Seen { t: &t, bodies: vec![] };
    let ids = [rid("52062419630405001"), rid("52062419650607002")];

    let h = seen.post("VILLAGE", "/v1/households", application(&ids)).await;
    let id = h["id"].as_str().unwrap().to_owned();
    // Invalid input naming IDs: a wrong check digit, an impossible date, an ID twice.
    let mut typo = ids[0].clone();
    typo.replace_range(17.., if typo.ends_with('1') { "2" } else { "1" });
    seen.post("VILLAGE", "/v1/households", application(&[typo])).await;
    seen.post("VILLAGE", "/v1/households", application(&[ids[1].clone(), ids[1].clone()])).await;
    // A suspected duplicate and its adjudication.
    let dup = seen.post("VILLAGE", "/v1/households", application(&[rid("52062419900101003"), ids[0].clone()])).await;
    let dup_id = dup["id"].as_str().unwrap().to_owned();
    seen.get("SINAN", &format!("/v1/tasks?kind=identification.duplicate&subject_id={dup_id}")).await;
    seen.post(
        "SINAN",
        &format!("/v1/households/{dup_id}:adjudicate"),
        json!({ "decision": "duplicate", "reason": "重复" }),
    )
    .await;
    // The procedure with an objection, the notices read back.
    seen.post("VILLAGEHEAD", &format!("/v1/households/{id}:appraise"), json!({ "votes_for": 9, "votes_against": 1 }))
        .await;
    let v = seen.post("VILLAGEHEAD", &format!("/v1/households/{id}:verify"), json!({})).await;
    let notice = v["notice"]["id"].as_str().unwrap().to_owned();
    seen.get("TANGTOU", &format!("/v1/notices/{notice}")).await;
    seen.post("TANGTOU", &format!("/v1/notices/{notice}/objections"), json!({ "reason": "收入核实有误" })).await;
    seen.get("SINAN", &format!("/v1/tasks?subject_id={id}")).await;
    // An unmasked read: its answer holds the IDs by design and is not scanned; its audit entry is.
    let unmasked = t
        .send(reqwest::Method::GET, &format!("/v1/households/{id}?unmask=true"), &t.token_for(&READER), None, &[])
        .await;
    assert_eq!(unmasked.ok(200)["members"][0]["resident_id"], ids[0].as_str());
    seen.get("CENTRAL", "/v1/audit?service=identification&limit=1000").await;
    seen.get("SINAN", &format!("/v1/households/{id}")).await;

    let mut found = Vec::new();
    for body in &seen.bodies {
        found.extend(ids_in(body));
    }
    assert!(found.is_empty(), "unmasked IDs in answers: {found:?}");
    let logs = chain_telemetry::capture::captured();
    assert!(logs.contains("household registered"), "the scan sees the services' log lines");
    let in_logs = ids_in(&logs);
    assert!(in_logs.is_empty(), "unmasked IDs in the log: {in_logs:?}");
    // The scanner itself finds an ID when there is one.
    assert_eq!(ids_in(&format!("x {} y", ids[0])).len(), 1);
    t.stop().await;
}
