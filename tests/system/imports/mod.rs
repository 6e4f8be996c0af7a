//! Bulk import of households from a county's registry file (CSV and .xlsx): valid households are
//! registered through the single-registration path, suspected duplicates are filed, and every
//! row of a refused household is reported with its row number, reference, column and message.

mod batches;
mod files;
mod support;

use std::collections::BTreeSet;
use std::time::Instant;

use chain_system_tests::{rid, spawn};

use support::{HEADER, finished, report, upload, wrong_check_digit};

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
