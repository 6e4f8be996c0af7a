//! Public-notice windows on a task: objections interrupt them, only a clean window lets the task
//! be submitted.

use chain_api::step::Step;
use chain_api::workflow::{LodgeObjection, NoticeState, ObjectionState, OpenNotice, ResolveObjection, TaskState};
use chain_api::{ProblemKind, Role};
use chain_workflow::{Action, Clock};
use chrono::Duration;

use crate::support::*;

const VILLAGE: &str = "520624101201";

fn objection(reason: &str) -> LodgeObjection {
    LodgeObjection { reason: reason.into(), lodged_for: Some("村民张某".into()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objection_interrupts_the_notice_and_only_a_clean_window_allows_submission() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let county = approver("520624", 1);
    let mut d = directive("贫困户识别公示", divisions(&[VILLAGE]), clock.now(), 40);
    d.notice_kind = Some("identification.village".into());
    let issued = issue(&e, &county, d).await;
    let village = task_at(&t.db, issued.task.id, VILLAGE).await;
    let township = task_at(&t.db, issued.task.id, "520624101").await;
    assert_eq!(village.notice_kind.as_deref(), Some("identification.village"));
    assert_eq!(township.notice_kind, None, "only the targets post the notice");
    assert_eq!(issued.task.notice_kind, None);

    let v_op = operator(VILLAGE);
    let v_ap = approver(VILLAGE, 1);
    expect_problem(step(&e, &v_op, Action::Submit, village.id, None, None).await, ProblemKind::InvalidTransition);

    // Only the owning layer posts it.
    let open = |id| Step { id, expected_version: None, body: OpenNotice::default() };
    expect_problem(e.open_notice(&operator("520624101"), open(village.id)).await, ProblemKind::Forbidden);
    expect_problem(e.open_notice(&operator("520623"), open(village.id)).await, ProblemKind::NotFound);
    let notice = expect_ok(e.open_notice(&v_op, open(village.id)).await);
    assert_eq!((notice.days, notice.state, notice.kind.as_str()), (7, NoticeState::Open, "identification.village"));
    assert_eq!(notice.closes_at - notice.opened_at, Duration::days(7));
    expect_problem(e.open_notice(&v_op, open(village.id)).await, ProblemKind::Conflict);
    assert_eq!(expect_ok(e.get(&v_op, village.id).await).state, TaskState::InProgress);
    expect_problem(step(&e, &v_op, Action::Submit, village.id, None, None).await, ProblemKind::InvalidTransition);

    // An objection from outside the village's chain is not even heard; from inside it interrupts.
    let lodge = |id, who: &str| Step { id, expected_version: None, body: objection(who) };
    expect_problem(e.object(&operator("520623"), lodge(notice.id, "别县")).await, ProblemKind::NotFound);
    expect_problem(e.notice(&operator("520623"), notice.id).await, ProblemKind::NotFound);
    let empty =
        Step { id: notice.id, expected_version: None, body: LodgeObjection { reason: " ".into(), lodged_for: None } };
    expect_problem(e.object(&v_op, empty).await, ProblemKind::Validation);
    let township_official = official("tt-101", "520624101", &[Role::Operator]);
    let lodged = expect_ok(e.object(&township_official, lodge(notice.id, "收入超标")).await);
    assert_eq!(lodged.state, ObjectionState::Open);
    let seen = expect_ok(e.notice(&v_op, notice.id).await);
    assert_eq!(seen.state, NoticeState::Interrupted);
    assert_eq!(seen.objections.len(), 1);
    assert_eq!(expect_ok(e.get(&v_op, village.id).await).state, TaskState::Returned);
    expect_problem(e.object(&v_op, lodge(notice.id, "再次")).await, ProblemKind::InvalidTransition);
    expect_problem(step(&e, &v_op, Action::Submit, village.id, None, None).await, ProblemKind::InvalidTransition);

    // The review concludes before the notice is posted again.
    expect_problem(e.open_notice(&v_op, open(village.id)).await, ProblemKind::InvalidTransition);
    let resolve = |who: &str| Step {
        id: lodged.id,
        expected_version: Some(lodged.version),
        body: ResolveObjection { upheld: false, reason: who.into() },
    };
    expect_problem(e.resolve(&v_op, resolve("核实")).await, ProblemKind::Forbidden);
    expect_problem(e.resolve(&approver("520624101", 1), resolve("核实")).await, ProblemKind::Forbidden);
    let resolved = expect_ok(e.resolve(&v_ap, resolve("经核实收入未超标")).await);
    assert_eq!(resolved.state, ObjectionState::Dismissed);
    assert_eq!(resolved.resolved_by.as_deref(), Some("ap1-520624101201"));
    expect_problem(e.resolve(&v_ap, resolve("again")).await, ProblemKind::InvalidTransition);

    // Posted again; the window runs out; the sweep passes it.
    let again = expect_ok(e.open_notice(&v_op, open(village.id)).await);
    clock.advance(Duration::days(6));
    assert_eq!(e.sweep().await.unwrap().notices, 0);
    expect_problem(step(&e, &v_op, Action::Submit, village.id, None, None).await, ProblemKind::InvalidTransition);
    clock.advance(Duration::days(1) + Duration::minutes(1));
    // Past the window, objections are too late even before the sweep closes it.
    expect_problem(e.object(&v_op, lodge(again.id, "太晚")).await, ProblemKind::InvalidTransition);
    assert_eq!(e.sweep().await.unwrap().notices, 1);
    assert_eq!(expect_ok(e.notice(&v_ap, again.id).await).state, NoticeState::Passed);
    expect_problem(e.object(&v_op, lodge(again.id, "太晚")).await, ProblemKind::InvalidTransition);

    let submitted = expect_ok(step(&e, &v_op, Action::Submit, village.id, None, None).await);
    assert_eq!(submitted.state, TaskState::Submitted);
    // The township signs the village off and submits its own task without a notice of its own.
    expect_ok(step(&e, &approver("520624101", 1), Action::SignOff, village.id, None, None).await);
    expect_ok(step(&e, &operator("520624101"), Action::Submit, township.id, None, None).await);

    assert_eq!(
        changes_of(&t.db, village.id).await,
        vec![
            "notice_opened",
            "objection_lodged",
            "objection_resolved",
            "notice_opened",
            "notice_passed",
            "submitted",
            "signed_off"
        ]
    );
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notice_lengths_come_from_the_policy_table() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let mut d = directive("返贫监测公示", divisions(&[VILLAGE]), clock.now(), 40);
    d.notice_kind = Some("monitoring.village".into());
    let issued = issue(&e, &approver("520624101", 1), d).await;
    let village = task_at(&t.db, issued.task.id, VILLAGE).await;
    let notice = expect_ok(
        e.open_notice(
            &operator(VILLAGE),
            Step { id: village.id, expected_version: Some(village.version), body: OpenNotice::default() },
        )
        .await,
    );
    assert_eq!(notice.days, 5);
    // An unknown kind is refused when issuing.
    let mut bad = directive("未知公示", divisions(&[VILLAGE]), clock.now(), 40);
    bad.notice_kind = Some("no.such.notice".into());
    expect_problem(e.issue(&approver("520624101", 1), bad).await, ProblemKind::Validation);
    // A task without a required notice may still post one of a named kind, but not of none.
    let plain =
        issue(&e, &approver("520624101", 1), directive("普通", divisions(&["520624101202"]), clock.now(), 40)).await;
    let other = task_at(&t.db, plain.task.id, "520624101202").await;
    expect_problem(
        e.open_notice(
            &operator("520624101202"),
            Step { id: other.id, expected_version: None, body: OpenNotice::default() },
        )
        .await,
        ProblemKind::Validation,
    );
}
