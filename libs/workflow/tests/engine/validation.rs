//! What a directive must be to be issued, and what refusals leave behind (nothing).

use std::collections::BTreeMap;

use chain_api::workflow::{AuditQuery, Quota, Service, TargetLevel, Targets, TaskQuery};
use chain_api::{ProblemKind, Role};
use chain_workflow::entity::{event, task};
use chain_workflow::{Action, Clock, NewTask};
use chrono::{Duration, NaiveDate};
use sea_orm::TransactionTrait;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_or_unauthorised_directives_are_refused_and_open_nothing() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let now = clock.now();
    let good = || directive("核查", divisions(&["520624"]), now, 10);
    let province = approver("52", 1);

    expect_problem(e.issue(&operator("52"), good()).await, ProblemKind::Forbidden);
    expect_problem(e.issue(&official("aud", "52", &[Role::Auditor]), good()).await, ProblemKind::Forbidden);
    let mut d = good();
    d.service = Service::Funding;
    expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    let mut d = good();
    d.kind = "Bad Kind".into();
    d.title = " ".into();
    d.required_approvals = Some(6);
    let p = expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    let mut fields: Vec<&str> = p.errors.iter().map(|f| f.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, vec!["kind", "required_approvals", "title"]);
    let mut d = good();
    d.due_at = Some(now - Duration::minutes(1));
    expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    let mut d = good();
    d.due_date = Some(NaiveDate::from_ymd_opt(2099, 1, 1).unwrap());
    expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    let mut d = good();
    d.due_at = None;
    expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    // Targets: outside, above, nested, unknown, both forms, none.
    for targets in [
        divisions(&["530102"]),
        divisions(&["52"]),
        divisions(&["5206", "520624"]),
        divisions(&["529999"]),
        divisions(&[]),
        divisions(&["520624", "520624"]),
        Targets { divisions: Some(vec!["520624".into()]), level: Some(TargetLevel::County) },
        Targets::default(),
        Targets { divisions: None, level: Some(TargetLevel::Province) },
    ] {
        let mut d = good();
        d.targets = targets.clone();
        expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    }
    // Quotas: positive, with a share for every target and only for targets.
    for quota in [
        Quota { total: 0, shares: None },
        Quota { total: 10, shares: Some(BTreeMap::from([("520623".to_owned(), 1)])) },
        Quota { total: 10, shares: Some(BTreeMap::from([("520624".to_owned(), 0)])) },
    ] {
        let mut d = good();
        d.quota = Some(quota);
        expect_problem(e.issue(&province, d).await, ProblemKind::Validation);
    }
    assert_eq!(count_rows::<task::Entity>(&t.db).await, 0);
    assert_eq!(count_rows::<event::Entity>(&t.db).await, 0);
    assert_eq!(assert_audit_intact(&t.db).await, 0);

    // A due date is the end of that day in Beijing.
    let mut d = good();
    d.due_at = None;
    let day = chain_domain::calendar::beijing_date(now) + Duration::days(9);
    d.due_date = Some(day);
    let issued = issue(&e, &province, d).await;
    assert_eq!(issued.task.due_at, Some(chain_domain::calendar::end_of_day_beijing(day)));

    // A reason has a limit.
    let sinan = task_at(&t.db, issued.task.id, "520624").await;
    expect_ok(step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await);
    let long = "长".repeat(2001);
    expect_problem(
        step(&e, &approver("5206", 1), Action::Return, sinan.id, Some(&long), None).await,
        ProblemKind::Validation,
    );
    expect_ok(step(&e, &approver("5206", 1), Action::Return, sinan.id, Some(&"长".repeat(2000)), None).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_filter_within_the_jurisdiction_and_auditors_read_the_trail() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let issued =
        issue(&e, &approver("52", 1), directive("清单", divisions(&["520624", "520102"]), clock.now(), 5)).await;
    // A task a service opens about one of its records, with no deadline.
    let subject = uuid::Uuid::now_v7();
    let txn = t.db.begin().await.unwrap();
    let opened = e
        .open(
            &txn,
            "op-520624",
            NewTask {
                kind: "plan.household",
                title: "制定帮扶计划".into(),
                division: "520624101201".into(),
                assignee_role: Role::Operator,
                subject_id: Some(subject),
                due_at: None,
                body: serde_json::Value::Null,
                signer: None,
                notice_kind: None,
            },
        )
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let county = approver("520624", 1);
    let all = expect_ok(e.list(&county, &TaskQuery::default()).await);
    assert_eq!(all.iter().map(|t| t.division.as_str()).collect::<Vec<_>>(), vec!["520624", "520624101201"]);
    let by_subject = expect_ok(e.list(&county, &TaskQuery { subject_id: Some(subject), ..Default::default() }).await);
    assert_eq!(by_subject.len(), 1);
    assert_eq!(by_subject[0].id, opened.id);
    let by_kind =
        expect_ok(e.list(&county, &TaskQuery { kind: Some("supervision.check".into()), ..Default::default() }).await);
    assert_eq!(by_kind.len(), 1);

    clock.advance(Duration::days(6));
    let late = expect_ok(e.list(&county, &TaskQuery { overdue: Some(true), ..Default::default() }).await);
    assert_eq!(late.iter().map(|t| t.division.as_str()).collect::<Vec<_>>(), vec!["520624"]);
    let on_time = expect_ok(e.list(&county, &TaskQuery { overdue: Some(false), ..Default::default() }).await);
    assert_eq!(
        on_time.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![opened.id],
        "a task without a deadline is never late"
    );
    let centre = expect_ok(
        e.list(&approver("CN", 1), &TaskQuery { overdue: Some(true), limit: Some(500), ..Default::default() }).await,
    );
    assert_eq!(centre.len(), 5);

    // The trail: auditors only, within their jurisdiction.
    expect_problem(e.audit(&county, AuditQuery::default()).await, ProblemKind::Forbidden);
    let auditor = official("aud-52", "52", &[Role::Auditor]);
    let entries = expect_ok(e.audit(&auditor, AuditQuery::default()).await);
    assert!(entries.iter().any(|a| a.action == "directive.issue" && a.subject_id == Some(issued.task.id)));
    let local = expect_ok(e.audit(&official("aud-520624", "520624", &[Role::Auditor]), AuditQuery::default()).await);
    assert!(local.iter().all(|a| a.division.starts_with("520624")));
    assert!(local.iter().any(|a| a.subject_id == Some(opened.id)));
    let other = expect_ok(e.audit(&auditor, AuditQuery { service: Some(Service::Exit), ..Default::default() }).await);
    assert!(other.is_empty());
}
