//! The deadline ladder by the injected clock, across a restart of the engine.

use chain_api::workflow::{AccountabilityQuery, DeadlineStage, TaskQuery, TaskState, TreeQuery};
use chain_workflow::{Action, Clock, Engine, Swept};
use chrono::Duration;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_deadlines_remind_then_escalate_even_across_a_restart() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let province = approver("52", 1);
    let issued = issue(&e, &province, directive("季度走访", divisions(&["520624", "520623"]), clock.now(), 10)).await;
    let root = issued.task.clone();
    let due = root.due_at.unwrap();
    let sinan = task_at(&t.db, root.id, "520624").await;
    let shiqian = task_at(&t.db, root.id, "520623").await;
    let tongren = task_at(&t.db, root.id, "5206").await;
    assert_eq!(sinan.remind_at, Some(due - Duration::hours(72)));
    assert_eq!(sinan.escalate_at, Some(due + Duration::hours(72)));
    assert_eq!(sinan.next_timer_at, sinan.remind_at);

    assert_eq!(expect_sweep(&e).await, Swept::default(), "nothing is due yet");

    // Past the reminder: every task still with its owner is reminded, once.
    clock.advance(Duration::days(7) + Duration::hours(1));
    let swept = expect_sweep(&e).await;
    assert_eq!(swept.deadlines, 4);
    assert_eq!(expect_sweep(&e).await, Swept::default());
    for row in tasks_of(&t.db, root.id).await {
        assert_eq!(row.deadline_stage, "reminded", "{}", row.division);
        assert_eq!(row.next_timer_at, row.due_at);
    }
    assert_eq!(changes_of(&t.db, sinan.id).await, vec!["reminded".to_owned()]);
    let entries_before = assert_audit_intact(&t.db).await;

    // Shiqian submits before the due date.
    expect_ok(step(&e, &operator("520623"), Action::Submit, shiqian.id, None, None).await);

    // The service stops; time passes the due date and the grace period while it is down.
    drop(e);
    clock.advance(Duration::days(6) + Duration::hours(1));
    assert!(clock.now() > due + Duration::hours(72));
    let e = Engine::new(t.reconnect().await, SERVICE, clock.clone(), "chain");
    let swept = expect_sweep(&e).await;
    assert_eq!(swept.deadlines, 6, "overdue and escalated for the root, Tongren and Sinan");
    assert_eq!(expect_sweep(&e).await, Swept::default());

    let rows = tasks_of(&t.db, root.id).await;
    let stage = |d: &str| rows.iter().find(|r| r.division == d).unwrap().deadline_stage.clone();
    assert_eq!(stage("520624"), "escalated");
    assert_eq!(stage("5206"), "escalated");
    assert_eq!(stage("52"), "escalated");
    assert_eq!(stage("520623"), "reminded", "submitted in time: never overdue");
    assert!(rows.iter().all(|r| r.next_timer_at.is_none()));
    assert_eq!(
        changes_of(&t.db, sinan.id).await,
        vec!["reminded".to_owned(), "overdue".to_owned(), "escalated".to_owned()]
    );
    assert_eq!(changes_of(&t.db, shiqian.id).await, vec!["reminded".to_owned(), "submitted".to_owned()]);

    // Escalation is recorded against the responsible division, answered to the layer above.
    let records = expect_ok(e.accountability(&province, AccountabilityQuery::default()).await);
    let mut against: Vec<(String, String, String)> =
        records.iter().map(|r| (r.division.clone(), r.kind.clone(), r.escalated_to.clone())).collect();
    against.sort();
    assert_eq!(
        against,
        vec![
            ("52".to_owned(), "overdue".to_owned(), "CN".to_owned()),
            ("5206".to_owned(), "overdue".to_owned(), "52".to_owned()),
            ("520624".to_owned(), "overdue".to_owned(), "5206".to_owned()),
        ]
    );
    let county = expect_ok(e.accountability(&approver("520624", 1), AccountabilityQuery::default()).await);
    assert_eq!(county.len(), 1);
    assert_eq!(county[0].task_id, sinan.id);
    assert!(county[0].detail.contains("季度走访"));

    // The tracker counts them.
    let tree = expect_ok(e.tree(&province, TreeQuery { id: Some(root.id), ..Default::default() }).await);
    assert_eq!(
        (tree.subtree.total, tree.subtree.overdue, tree.subtree.escalated, tree.subtree.submitted),
        (4, 3, 3, 1)
    );
    let city = &tree.children[0];
    assert_eq!(city.task.division, "5206");
    assert_eq!((city.subtree.total, city.subtree.overdue, city.subtree.escalated), (3, 2, 2));
    let county_level = tree.levels.iter().find(|l| l.level == "county").unwrap();
    assert_eq!((county_level.counts.overdue, county_level.counts.escalated), (1, 1));
    let late = expect_ok(
        e.tree(&province, TreeQuery { id: Some(tongren.id), overdue: Some(true), ..Default::default() }).await,
    );
    assert_eq!(late.children.iter().map(|c| c.task.division.as_str()).collect::<Vec<_>>(), vec!["520624"]);
    let overdue = expect_ok(e.list(&province, &TaskQuery { overdue: Some(true), ..Default::default() }).await);
    assert_eq!(overdue.len(), 3);
    let api = expect_ok(e.get(&province, sinan.id).await);
    assert_eq!(api.deadline, DeadlineStage::Escalated);
    assert_eq!(api.state, TaskState::Open);

    // Escalation was audited (reminders are not); the log's versions only grew.
    let entries_after = assert_audit_intact(&t.db).await;
    assert_eq!(entries_after - entries_before, 1 + 6, "the submission and six ladder steps");
    assert_event_versions_increase(&t.db).await;

    // Late work can still be done; the ladder stays where it was.
    expect_ok(step(&e, &approver("5206", 1), Action::SignOff, shiqian.id, None, None).await);
    expect_ok(step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await);
    clock.advance(Duration::days(30));
    assert_eq!(expect_sweep(&e).await, Swept::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_submitted_before_its_reminder_is_never_reminded() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let issued = issue(&e, &approver("5206", 1), directive("及时提交", divisions(&["520624"]), clock.now(), 5)).await;
    let sinan = task_at(&t.db, issued.task.id, "520624").await;
    expect_ok(step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await);
    clock.advance(Duration::days(40));
    let swept = expect_sweep(&e).await;
    assert_eq!(swept.deadlines, 3, "only the root is still with its owner");
    let row = task_at(&t.db, issued.task.id, "520624").await;
    assert_eq!((row.deadline_stage.as_str(), row.version), ("on_time", sinan.version + 1));
    // Returned after the deadline, it is with its owner again and late.
    expect_ok(step(&e, &approver("5206", 2), Action::Return, sinan.id, Some("补充材料"), None).await);
    let swept = expect_sweep(&e).await;
    assert_eq!(swept.deadlines, 3);
    assert_eq!(task_at(&t.db, issued.task.id, "520624").await.deadline_stage, "escalated");
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}

async fn expect_sweep(e: &Engine) -> Swept {
    e.sweep().await.expect("sweep")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sweeping_at_once_fire_each_step_once() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let issued = issue(
        &e,
        &approver("52", 1),
        directive(
            "双副本",
            chain_api::workflow::Targets { divisions: None, level: Some(chain_api::workflow::TargetLevel::County) },
            clock.now(),
            4,
        ),
    )
    .await;
    let tasks = issued.opened as usize + 1;
    let other = Engine::new(t.reconnect().await, SERVICE, clock.clone(), "chain");
    clock.advance(Duration::days(30));
    let (a, b) = tokio::join!(e.sweep(), other.sweep());
    let (a, b) = (a.expect("sweep"), b.expect("sweep"));
    assert_eq!(a.deadlines + b.deadlines, 3 * tasks, "{a:?} {b:?}");
    let events = all_events(&t.db).await;
    for change in ["reminded", "overdue", "escalated"] {
        assert_eq!(events.iter().filter(|e| e.change == change).count(), tasks, "{change}");
    }
    assert_eq!(accountability_rows(&t.db).await.len(), tasks);
    assert_event_versions_increase(&t.db).await;
    assert_eq!(assert_audit_intact(&t.db).await as usize, 1 + 2 * tasks);
    assert!(tasks_of(&t.db, issued.task.id).await.iter().all(|r| r.deadline_stage == "escalated" && r.version == 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_handed_in_late_is_on_record_as_late_even_before_a_sweep() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let province = approver("52", 1);
    let issued = issue(&e, &province, directive("季度走访", divisions(&["520624", "520623"]), clock.now(), 10)).await;
    let due = issued.task.due_at.unwrap();
    let sinan = task_at(&t.db, issued.task.id, "520624").await;
    let shiqian = task_at(&t.db, issued.task.id, "520623").await;

    // A day late, with no sweep in between: the submission itself records the lateness first.
    clock.advance(Duration::days(11));
    assert!(clock.now() > due && clock.now() < due + Duration::hours(72));
    let late = expect_ok(step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await);
    assert_eq!((late.state, late.deadline), (TaskState::Submitted, DeadlineStage::Overdue));
    assert_eq!(changes_of(&t.db, sinan.id).await, vec!["overdue".to_owned(), "submitted".to_owned()]);

    // Past the grace period too: escalated, and held accountable, on submission.
    clock.advance(Duration::days(3));
    let later = expect_ok(step(&e, &operator("520623"), Action::Submit, shiqian.id, None, None).await);
    assert_eq!(later.deadline, DeadlineStage::Escalated);
    let records = expect_ok(
        e.accountability(&approver("5206", 1), AccountabilityQuery { division: Some("520623".into()), limit: None })
            .await,
    );
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].escalated_to, "5206");
    assert_audit_intact(&t.db).await;
}
