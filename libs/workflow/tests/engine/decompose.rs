//! A task's own layer splitting it further down, sharing out its quota.

use std::collections::BTreeMap;

use chain_api::ProblemKind;
use chain_api::step::Step;
use chain_api::workflow::{Decompose, Quota, TaskState, TreeQuery};
use chain_workflow::{Action, Clock};
use chrono::Duration;

use crate::support::*;

fn parts(codes: &[&str], shares: Option<&[(&str, u64)]>) -> Decompose {
    Decompose {
        targets: divisions(codes),
        shares: shares.map(|s| s.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>()),
        due_date: None,
        due_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_splits_its_share_among_townships_which_then_sign_off_first() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let mut d = directive("识别任务分解", divisions(&["520624", "520623"]), clock.now(), 30);
    d.quota = Some(Quota { total: 1_001, shares: None });
    let issued = issue(&e, &approver("5206", 1), d).await;
    let sinan = task_at(&t.db, issued.task.id, "520624").await;
    // Equal weights: the leftover unit goes to the first target in code order.
    assert_eq!(sinan.quota, Some(500));
    assert_eq!(task_at(&t.db, issued.task.id, "520623").await.quota, Some(501));

    let step_of = |body: Decompose, v: Option<i64>| Step { id: sinan.id, expected_version: v, body };
    let towns = ["520624101", "520624102"];
    let shares = [("520624101", 3), ("520624102", 1)];
    // Only the county's own approver splits it, only below it, only with the quota's targets.
    expect_problem(
        e.decompose(&operator("520624"), step_of(parts(&towns, Some(&shares)), None)).await,
        ProblemKind::Forbidden,
    );
    expect_problem(
        e.decompose(&approver("5206", 1), step_of(parts(&towns, Some(&shares)), None)).await,
        ProblemKind::Forbidden,
    );
    expect_problem(
        e.decompose(&approver("520623", 1), step_of(parts(&towns, Some(&shares)), None)).await,
        ProblemKind::NotFound,
    );
    let county = approver("520624", 1);
    expect_problem(e.decompose(&county, step_of(parts(&["520623101"], None), None)).await, ProblemKind::Validation);
    expect_problem(
        e.decompose(&county, step_of(parts(&towns, Some(&[("520624101", 1)])), None)).await,
        ProblemKind::Validation,
    );
    let mut late = parts(&towns, None);
    late.due_at = Some(sinan.due_at.unwrap() + Duration::days(1));
    expect_problem(e.decompose(&county, step_of(late, None)).await, ProblemKind::Validation);
    expect_problem(
        e.decompose(&county, step_of(parts(&towns, None), Some(sinan.version + 1))).await,
        ProblemKind::PreconditionFailed,
    );

    let split = expect_ok(e.decompose(&county, step_of(parts(&towns, Some(&shares)), Some(sinan.version))).await);
    assert_eq!(split.opened, 2);
    assert_eq!(split.task.state, TaskState::InProgress);
    assert_eq!(split.task.version, sinan.version + 1);
    let a = task_at(&t.db, issued.task.id, "520624101").await;
    let b = task_at(&t.db, issued.task.id, "520624102").await;
    assert_eq!((a.quota, b.quota), (Some(375), Some(125)));
    assert_eq!((a.signer.as_str(), a.parent_id), ("520624", Some(sinan.id)));
    assert_eq!(a.due_at, sinan.due_at);
    assert_eq!(changes_of(&t.db, sinan.id).await, vec!["decomposed".to_owned()]);
    // A division gets one task per tree.
    expect_problem(e.decompose(&county, step_of(parts(&["520624101"], None), None)).await, ProblemKind::Conflict);

    // The county now waits for its townships.
    expect_problem(
        step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await,
        ProblemKind::InvalidTransition,
    );
    for town in [&a, &b] {
        expect_ok(step(&e, &operator(&town.division), Action::Submit, town.id, None, None).await);
        expect_ok(step(&e, &county, Action::SignOff, town.id, None, None).await);
    }
    let submitted = expect_ok(step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await);
    assert_eq!(submitted.state, TaskState::Submitted);
    // A submitted task is not split any more.
    expect_problem(
        e.decompose(&county, step_of(parts(&["520624103"], None), None)).await,
        ProblemKind::InvalidTransition,
    );

    let tree =
        expect_ok(e.tree(&approver("5206", 1), TreeQuery { id: Some(issued.task.id), ..Default::default() }).await);
    let levels: Vec<(String, u64)> = tree.levels.iter().map(|l| (l.level.clone(), l.counts.total)).collect();
    assert_eq!(levels, vec![("city".to_owned(), 1), ("county".to_owned(), 2), ("township".to_owned(), 2)]);
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}
