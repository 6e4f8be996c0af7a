//! Two approvers of the signing layer acting on the same task at the same moment.

use chain_api::ProblemKind;
use chain_api::workflow::TaskState;
use chain_workflow::{Action, Clock};

use crate::support::*;

/// The counties of Tongren (5206), each one a task to race on.
const TONGREN: [&str; 10] =
    ["520602", "520603", "520621", "520622", "520623", "520624", "520625", "520626", "520627", "520628"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvers_signing_at_once_sign_it_once() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let issued = issue(&e, &approver("52", 1), directive("并发签字", divisions(&TONGREN), clock.now(), 20)).await;
    let (a, b) = (approver("5206", 1), approver("5206", 2));
    let mut stale = 0;
    for code in TONGREN {
        let row = task_at(&t.db, issued.task.id, code).await;
        let sub = expect_ok(step(&e, &operator(code), Action::Submit, row.id, None, None).await);
        let (ra, rb) = tokio::join!(
            step(&e, &a, Action::SignOff, row.id, None, Some(sub.version)),
            step(&e, &b, Action::SignOff, row.id, None, Some(sub.version)),
        );
        let (won, lost) = match (ra, rb) {
            (Ok(w), Err(l)) | (Err(l), Ok(w)) => (w, l),
            (ra, rb) => panic!("{code}: expected exactly one sign-off, got {ra:?} and {rb:?}"),
        };
        assert_eq!(won.state, TaskState::SignedOff);
        assert_eq!(won.version, sub.version + 1);
        assert_eq!(lost.status, 409, "{code}: {lost:?}");
        assert!(lost.is(ProblemKind::InvalidTransition) || lost.is(ProblemKind::StaleVersion), "{lost:?}");
        if lost.is(ProblemKind::StaleVersion) {
            stale += 1;
        }
        let now = task_at(&t.db, issued.task.id, code).await;
        assert_eq!(now.version, sub.version + 1);
        assert_eq!(now.approvals.matches("ap").count(), 1, "exactly one approval recorded: {}", now.approvals);
        assert_eq!(changes_of(&t.db, row.id).await, vec!["submitted".to_owned(), "signed_off".to_owned()]);
    }
    println!("[{}] lost races answered stale-version {stale} times of {}", backend(), TONGREN.len());
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_and_second_approvals_never_lose_one() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let mut d = directive("双人签字并发", divisions(&TONGREN), clock.now(), 20);
    d.required_approvals = Some(2);
    let issued = issue(&e, &approver("52", 1), d).await;
    let (a, b) = (approver("5206", 1), approver("5206", 2));
    for code in TONGREN {
        let row = task_at(&t.db, issued.task.id, code).await;
        let sub = expect_ok(step(&e, &operator(code), Action::Submit, row.id, None, None).await);
        // Without If-Match: either both count (one after the other) or the slower one is told the
        // task changed under it; an approval is never silently lost.
        let (ra, rb) = tokio::join!(
            step(&e, &a, Action::SignOff, row.id, None, None),
            step(&e, &b, Action::SignOff, row.id, None, None)
        );
        let now = task_at(&t.db, issued.task.id, code).await;
        let approvals: Vec<String> = serde_json::from_str(&now.approvals).unwrap();
        match (&ra, &rb) {
            (Ok(_), Ok(_)) => {
                assert_eq!(now.state, "signed_off");
                assert_eq!(approvals.len(), 2);
                assert_eq!(now.version, sub.version + 2);
            }
            (Ok(_), Err(p)) | (Err(p), Ok(_)) => {
                assert!(p.is(ProblemKind::StaleVersion), "{p:?}");
                assert_eq!(now.state, "submitted");
                assert_eq!(approvals.len(), 1);
                assert_eq!(now.version, sub.version + 1);
            }
            _ => panic!("{code}: both approvals refused: {ra:?} {rb:?}"),
        }
    }
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_subtree_while_its_counties_act_leaves_a_consistent_tree() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    for round in 0..5 {
        let issued = issue(&e, &approver("52", 1), directive("并发撤回", divisions(&TONGREN), clock.now(), 20)).await;
        let city = task_at(&t.db, issued.task.id, "5206").await;
        let mut counties = Vec::new();
        for code in TONGREN {
            counties.push(task_at(&t.db, issued.task.id, code).await);
        }
        // Half the counties are already submitted, so the city's approvers race the cancellation.
        for c in counties.iter().step_by(2) {
            expect_ok(step(&e, &operator(&c.division), Action::Submit, c.id, None, None).await);
        }
        let mut set = tokio::task::JoinSet::new();
        {
            let e = e.clone();
            set.spawn(async move {
                ("cancel".to_owned(), step(&e, &approver("52", 1), Action::Cancel, city.id, Some("撤回"), None).await)
            });
        }
        for (i, c) in counties.iter().enumerate() {
            let e = e.clone();
            let (id, code) = (c.id, c.division.clone());
            set.spawn(async move {
                let r = if i % 2 == 0 {
                    step(&e, &approver("5206", 1), Action::SignOff, id, None, None).await
                } else {
                    step(&e, &operator(&code), Action::Submit, id, None, None).await
                };
                (code, r)
            });
        }
        // Another directive issued at the same moment shares the audit chain.
        {
            let e = e.clone();
            let now = clock.now();
            set.spawn(async move {
                let r = e
                    .issue(&approver("52", 2), directive("同时下达", divisions(&["520102"]), now, 20))
                    .await
                    .map(|i| i.task);
                ("issue".to_owned(), r)
            });
        }
        let mut cancelled_ok = false;
        while let Some(joined) = set.join_next().await {
            let (what, r) = joined.expect("no panic");
            match r {
                Ok(_) => cancelled_ok |= what == "cancel",
                Err(p) => assert!(
                    p.is(ProblemKind::InvalidTransition) || p.is(ProblemKind::StaleVersion),
                    "round {round}, {what}: {p:?}"
                ),
            }
        }
        assert!(cancelled_ok, "round {round}: the cancellation goes through whatever lands first");
        for row in tasks_of(&t.db, issued.task.id).await {
            if row.division.starts_with("5206") {
                assert!(row.state == "cancelled" || row.state == "signed_off", "{} is {}", row.division, row.state);
            }
        }
    }
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}
