//! Sign-offs climbing the chain, layer by layer, with every refusal on the way.

use chain_api::ProblemKind;
use chain_api::workflow::{EventsQuery, TaskState, TreeQuery};
use chain_workflow::{Action, Clock};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_offs_climb_from_the_counties_to_the_province() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let province = approver("52", 1);
    let mut d = directive("贵州省县级帮扶计划复核", divisions(&["520624", "520102"]), clock.now(), 20);
    d.required_approvals = Some(2);
    let issued = issue(&e, &province, d).await;
    assert_eq!(issued.opened, 4);
    let root = issued.task.clone();
    assert_eq!((root.division.as_str(), root.signer.as_str(), root.state), ("52", "52", TaskState::InProgress));
    let sinan = task_at(&t.db, root.id, "520624").await;
    let tongren = task_at(&t.db, root.id, "5206").await;
    let nanming = task_at(&t.db, root.id, "520102").await;
    let guiyang = task_at(&t.db, root.id, "5201").await;
    assert_eq!((sinan.signer.as_str(), sinan.parent_id), ("5206", Some(tongren.id)));
    assert_eq!((tongren.signer.as_str(), tongren.parent_id), ("52", Some(root.id)));
    assert_eq!(nanming.signer, "5201");
    assert_eq!(sinan.required_approvals, 2);

    // Nothing is signed before it is submitted, and a parent waits for its children.
    expect_problem(
        step(&e, &approver("5206", 1), Action::SignOff, sinan.id, None, None).await,
        ProblemKind::InvalidTransition,
    );
    expect_problem(
        step(&e, &operator("5206"), Action::Submit, tongren.id, None, None).await,
        ProblemKind::InvalidTransition,
    );
    expect_problem(step(&e, &province, Action::Submit, root.id, None, None).await, ProblemKind::InvalidTransition);
    // Only the owning layer starts and submits; only the layer above signs.
    expect_problem(step(&e, &operator("5206"), Action::Start, sinan.id, None, None).await, ProblemKind::Forbidden);
    expect_problem(step(&e, &operator("520624101"), Action::Start, sinan.id, None, None).await, ProblemKind::NotFound);
    expect_problem(step(&e, &operator("520623"), Action::Start, sinan.id, None, None).await, ProblemKind::NotFound);
    let auditor = official("audit-520624", "520624", &[chain_api::Role::Auditor]);
    expect_problem(step(&e, &auditor, Action::Start, sinan.id, None, None).await, ProblemKind::Forbidden);

    let county_op = operator("520624");
    let started = expect_ok(step(&e, &county_op, Action::Start, sinan.id, None, Some(1)).await);
    assert_eq!((started.state, started.version), (TaskState::InProgress, 2));
    expect_problem(step(&e, &county_op, Action::Start, sinan.id, None, None).await, ProblemKind::InvalidTransition);
    let submitted = expect_ok(step(&e, &county_op, Action::Submit, sinan.id, Some("done"), None).await);
    assert_eq!((submitted.state, submitted.submitted_by.as_deref()), (TaskState::Submitted, Some("op-520624")));

    // The wrong layers and roles cannot sign it.
    expect_problem(step(&e, &province, Action::SignOff, sinan.id, None, None).await, ProblemKind::Forbidden);
    expect_problem(
        step(&e, &approver("520624", 1), Action::SignOff, sinan.id, None, None).await,
        ProblemKind::Forbidden,
    );
    expect_problem(step(&e, &operator("5206"), Action::SignOff, sinan.id, None, None).await, ProblemKind::Forbidden);
    expect_problem(step(&e, &approver("5201", 1), Action::SignOff, sinan.id, None, None).await, ProblemKind::NotFound);

    // Returned with a reason, recorded against the county; a return needs the reason.
    let city1 = approver("5206", 1);
    let city2 = approver("5206", 2);
    let p = expect_problem(step(&e, &city1, Action::Return, sinan.id, None, None).await, ProblemKind::Validation);
    assert_eq!(p.errors[0].field, "reason");
    expect_problem(step(&e, &city1, Action::Return, sinan.id, Some("   "), None).await, ProblemKind::Validation);
    let returned =
        expect_ok(step(&e, &city1, Action::Return, sinan.id, Some("台账不全"), Some(submitted.version)).await);
    assert_eq!(returned.state, TaskState::Returned);
    let records = accountability_rows(&t.db).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].division.as_str(), records[0].kind.as_str(), records[0].escalated_to.as_str()),
        ("520624", "returned", "5206")
    );

    // Resubmitted, this time by the county's approver.
    let county_ap = approver("520624", 1);
    let resubmitted = expect_ok(step(&e, &county_ap, Action::Submit, sinan.id, None, None).await);
    assert_eq!(resubmitted.submitted_by.as_deref(), Some("ap1-520624"));
    assert!(resubmitted.approvals.is_empty());

    // Two distinct approvers of the city are needed.
    let first = expect_ok(step(&e, &city1, Action::SignOff, sinan.id, None, Some(resubmitted.version)).await);
    assert_eq!(first.state, TaskState::Submitted);
    assert_eq!(first.approvals, vec!["ap1-5206".to_owned()]);
    expect_problem(step(&e, &city1, Action::SignOff, sinan.id, None, None).await, ProblemKind::Conflict);
    expect_problem(
        step(&e, &city2, Action::SignOff, sinan.id, None, Some(resubmitted.version)).await,
        ProblemKind::PreconditionFailed,
    );
    let signed = expect_ok(step(&e, &city2, Action::SignOff, sinan.id, None, Some(first.version)).await);
    assert_eq!(signed.state, TaskState::SignedOff);
    assert_eq!(signed.approvals, vec!["ap1-5206".to_owned(), "ap2-5206".to_owned()]);
    expect_problem(
        step(&e, &city1, Action::Return, sinan.id, Some("late"), None).await,
        ProblemKind::InvalidTransition,
    );
    expect_problem(
        step(&e, &city1, Action::Cancel, sinan.id, Some("late"), None).await,
        ProblemKind::InvalidTransition,
    );

    // Tongren can now submit; Guiyang still waits for Nanming.
    let tongren_op = operator("5206");
    let tongren_sub = expect_ok(step(&e, &tongren_op, Action::Submit, tongren.id, None, None).await);
    expect_problem(
        step(&e, &operator("5201"), Action::Submit, guiyang.id, None, None).await,
        ProblemKind::InvalidTransition,
    );
    expect_ok(step(&e, &operator("520102"), Action::Submit, nanming.id, None, None).await);
    expect_ok(step(&e, &approver("5201", 1), Action::SignOff, nanming.id, None, None).await);
    expect_ok(step(&e, &approver("5201", 2), Action::SignOff, nanming.id, None, None).await);
    expect_ok(step(&e, &operator("5201"), Action::Submit, guiyang.id, None, None).await);

    // The province signs both cities; its root waits for them.
    expect_problem(step(&e, &province, Action::Submit, root.id, None, None).await, ProblemKind::InvalidTransition);
    let p2 = approver("52", 2);
    let p3 = approver("52", 3);
    expect_ok(step(&e, &province, Action::SignOff, tongren.id, None, Some(tongren_sub.version)).await);
    expect_ok(step(&e, &p2, Action::SignOff, tongren.id, None, None).await);
    expect_ok(step(&e, &province, Action::SignOff, guiyang.id, None, None).await);
    expect_ok(step(&e, &p2, Action::SignOff, guiyang.id, None, None).await);

    // The root is the province's own: it signs it itself, but never by whoever submitted it.
    let root_sub = expect_ok(step(&e, &province, Action::Submit, root.id, None, None).await);
    assert_eq!(root_sub.submitted_by.as_deref(), Some("ap1-52"));
    expect_problem(step(&e, &province, Action::SignOff, root.id, None, None).await, ProblemKind::Forbidden);
    expect_problem(step(&e, &approver("CN", 1), Action::SignOff, root.id, None, None).await, ProblemKind::Forbidden);
    expect_ok(step(&e, &p2, Action::SignOff, root.id, None, None).await);
    let done = expect_ok(step(&e, &p3, Action::SignOff, root.id, None, None).await);
    assert_eq!(done.state, TaskState::SignedOff);

    // Every task is signed off, its versions only grew, the tree says so, the log tells it.
    for row in tasks_of(&t.db, root.id).await {
        assert_eq!(row.state, "signed_off", "{}", row.division);
    }
    let tree = expect_ok(e.tree(&province, TreeQuery { id: Some(root.id), ..Default::default() }).await);
    assert_eq!((tree.subtree.total, tree.subtree.signed_off), (5, 5));
    let events = expect_ok(e.events(&province, EventsQuery { id: root.id, after: None, limit: Some(1000) }).await);
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    let sinan_log: Vec<(String, TaskState)> =
        events.iter().filter(|ev| ev.task_id == sinan.id).map(|ev| (ev.change.clone(), ev.state)).collect();
    assert_eq!(
        sinan_log,
        vec![
            ("started".to_owned(), TaskState::InProgress),
            ("submitted".to_owned(), TaskState::Submitted),
            ("returned".to_owned(), TaskState::Returned),
            ("submitted".to_owned(), TaskState::Submitted),
            ("approved".to_owned(), TaskState::Submitted),
            ("signed_off".to_owned(), TaskState::SignedOff),
        ]
    );
    assert!(events.iter().any(|ev| ev.change == "returned" && ev.reason.as_deref() == Some("台账不全")));
    // Paging by sequence.
    let later =
        expect_ok(e.events(&province, EventsQuery { id: root.id, after: Some(events[3].seq), limit: Some(2) }).await);
    assert_eq!(later.iter().map(|ev| ev.seq).collect::<Vec<_>>(), vec![events[4].seq, events[5].seq]);
    assert_event_versions_increase(&t.db).await;
    let entries = assert_audit_intact(&t.db).await;
    // The directive, then every step that changed something.
    assert_eq!(
        entries as usize,
        1 + events.iter().filter(|ev| ev.change != "opened" && ev.change != "decomposed").count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_withdraws_the_unfinished_subtree_only() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let province = approver("52", 1);
    let issued =
        issue(&e, &province, directive("撤回测试", divisions(&["520624", "520623", "520102"]), clock.now(), 20)).await;
    let root = issued.task.id;
    let sinan = task_at(&t.db, root, "520624").await;
    let shiqian = task_at(&t.db, root, "520623").await;
    let tongren = task_at(&t.db, root, "5206").await;
    expect_ok(step(&e, &operator("520624"), Action::Submit, sinan.id, None, None).await);
    expect_ok(step(&e, &approver("5206", 1), Action::SignOff, sinan.id, None, None).await);

    // Cancel needs the signing layer, a reason, and the approver or admin role.
    expect_problem(
        step(&e, &approver("5206", 1), Action::Cancel, tongren.id, Some("x"), None).await,
        ProblemKind::Forbidden,
    );
    expect_problem(
        step(&e, &operator("52"), Action::Cancel, tongren.id, Some("x"), None).await,
        ProblemKind::Forbidden,
    );
    expect_problem(step(&e, &province, Action::Cancel, tongren.id, None, None).await, ProblemKind::Validation);
    let admin = official("admin-52", "52", &[chain_api::Role::Admin]);
    let cancelled = expect_ok(step(&e, &admin, Action::Cancel, tongren.id, Some("撤并"), Some(tongren.version)).await);
    assert_eq!(cancelled.state, TaskState::Cancelled);
    let after = tasks_of(&t.db, root).await;
    let state = |d: &str| after.iter().find(|r| r.division == d).unwrap().clone();
    assert_eq!(state("520624").state, "signed_off", "a finished task stays finished");
    assert_eq!(state("520624").version, sinan.version + 2);
    assert_eq!(state("520623").state, "cancelled");
    assert_eq!(state("520623").version, shiqian.version + 1);
    assert_eq!(state("520623").next_timer_at, None);
    assert_eq!(state("5201").state, "open");
    assert_eq!(state("520102").state, "open");
    assert_eq!(changes_of(&t.db, shiqian.id).await, vec!["cancelled".to_owned()]);
    // A cancelled child no longer holds its parent back.
    expect_ok(step(&e, &operator("520102"), Action::Submit, state("520102").id, None, None).await);
    expect_ok(step(&e, &approver("5201", 1), Action::SignOff, state("520102").id, None, None).await);
    expect_ok(step(&e, &operator("5201"), Action::Submit, state("5201").id, None, None).await);
    expect_ok(step(&e, &province, Action::SignOff, state("5201").id, None, None).await);
    expect_ok(step(&e, &operator("52"), Action::Submit, root, None, None).await);
    // Cancelling the root now withdraws nothing but itself.
    expect_ok(step(&e, &province, Action::Cancel, root, Some("改由年度考核"), None).await);
    let finals: Vec<String> = tasks_of(&t.db, root).await.into_iter().map(|r| r.state).collect();
    assert_eq!(finals, vec!["cancelled", "signed_off", "signed_off", "cancelled", "cancelled", "signed_off"]);
    assert_event_versions_increase(&t.db).await;
    assert_audit_intact(&t.db).await;
}
