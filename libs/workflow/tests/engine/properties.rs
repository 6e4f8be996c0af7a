//! Random sequences of steps by random officials on a small tree, with clock advances and sweeps,
//! checked against the rules: each answer is the one the rules give (in their order of checks),
//! refused steps change nothing, nothing is signed off unsubmitted or above unfinished work,
//! versions only grow, and the audit chain stays intact.

use std::collections::BTreeMap;

use chain_api::workflow::TaskState;
use chain_api::{Principal, ProblemKind, Role};
use chain_store::text::parse_enum;
use chain_workflow::entity::{accountability, event, task};
use chain_workflow::{Action, Clock};
use chrono::Duration;
use proptest::prelude::*;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::support::*;

/// The layers officials come from: the tree's own, one above it, one beside it.
const LAYERS: [&str; 8] = ["CN", "52", "5201", "5206", "520102", "520623", "520624", "53"];
/// The role sets officials hold.
const ROLES: [&[Role]; 5] =
    [&[Role::Operator], &[Role::Approver], &[Role::Admin], &[Role::Operator, Role::Approver], &[Role::Auditor]];

#[derive(Debug, Clone, Copy)]
enum Version {
    Absent,
    Current,
    Stale,
}

/// Whose official acts: the layer the step belongs to, the task's own layer, its signing layer,
/// or any layer at all.
#[derive(Debug, Clone, Copy)]
enum Who {
    Fitting,
    Owner,
    Signer,
    Any(usize),
}

/// Which roles the official holds: those the step needs, or any of [`ROLES`].
#[derive(Debug, Clone, Copy)]
enum Roles {
    Fitting,
    Set(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Step { who: Who, roles: Roles, person: u8, task: usize, action: Action, reason: bool, version: Version },
    Advance { hours: i64 },
    Sweep,
}

fn op() -> impl Strategy<Value = Op> {
    let who = prop_oneof![
        6 => Just(Who::Fitting),
        1 => Just(Who::Owner),
        1 => Just(Who::Signer),
        1 => (0..LAYERS.len()).prop_map(Who::Any),
    ];
    let roles = prop_oneof![4 => Just(Roles::Fitting), 1 => (0..ROLES.len()).prop_map(Roles::Set)];
    let action = prop_oneof![
        2 => Just(Action::Start),
        4 => Just(Action::Submit),
        5 => Just(Action::SignOff),
        2 => Just(Action::Return),
        1 => Just(Action::Cancel),
    ];
    let step = (
        who,
        roles,
        0u8..3,
        // Tasks in division order: the root 52, Guiyang 5201, Nanming 520102, Tongren 5206,
        // Shiqian 520623, Sinan 520624. Lower layers come up more often, as work climbs from them.
        prop_oneof![1 => Just(0usize), 2 => Just(1), 3 => Just(2), 2 => Just(3), 3 => Just(4), 3 => Just(5)],
        action,
        prop::bool::weighted(0.8),
        prop_oneof![4 => Just(Version::Absent), 3 => Just(Version::Current), 1 => Just(Version::Stale)],
    )
        .prop_map(|(who, roles, person, task, action, reason, version)| Op::Step {
            who,
            roles,
            person,
            task,
            action,
            reason,
            version,
        });
    prop_oneof![
        12 => step,
        1 => (1i64..120).prop_map(|hours| Op::Advance { hours }),
        1 => Just(Op::Sweep),
    ]
}

fn principal(who: Who, roles: Roles, person: u8, action: Action, row: &task::Model) -> Principal {
    let owners_step = matches!(action, Action::Start | Action::Submit);
    let layer = match who {
        Who::Fitting if owners_step => row.division.as_str(),
        Who::Fitting => row.signer.as_str(),
        Who::Owner => row.division.as_str(),
        Who::Signer => row.signer.as_str(),
        Who::Any(i) => LAYERS[i],
    };
    let roles: &[Role] = match roles {
        Roles::Fitting if owners_step && person.is_multiple_of(2) => &[Role::Operator],
        Roles::Fitting => &[Role::Approver],
        Roles::Set(i) => ROLES[i],
    };
    official(&format!("u{person}-{layer}"), layer, roles)
}

fn covers(p: &Principal, division: &str) -> bool {
    p.jurisdiction.division().is_none_or(|d| division.starts_with(d.as_str()))
}

fn state(t: &task::Model) -> TaskState {
    parse_enum(&t.state).unwrap()
}

fn approvals(t: &task::Model) -> Vec<String> {
    serde_json::from_str(&t.approvals).unwrap()
}

/// What the rules answer to a step, given the tasks as they are: the problem, or the state after.
fn expected(
    p: &Principal,
    action: Action,
    row: &task::Model,
    rows: &[task::Model],
    reason: bool,
    version: Version,
) -> Result<TaskState, ProblemKind> {
    if !covers(p, &row.division) {
        return Err(ProblemKind::NotFound);
    }
    let layer = p.jurisdiction.to_string();
    let allowed = match action {
        Action::Start | Action::Submit => (p.has(Role::Operator) || p.has(Role::Approver)) && layer == row.division,
        Action::SignOff | Action::Return => p.has(Role::Approver) && layer == row.signer,
        Action::Cancel => (p.has(Role::Approver) || p.has(Role::Admin)) && layer == row.signer,
    };
    if !allowed {
        return Err(ProblemKind::Forbidden);
    }
    if matches!(action, Action::Return | Action::Cancel) && !reason {
        return Err(ProblemKind::Validation);
    }
    let s = state(row);
    let next = match (s, action) {
        (TaskState::Open | TaskState::Returned, Action::Start) => TaskState::InProgress,
        (TaskState::Open | TaskState::InProgress | TaskState::Returned, Action::Submit) => TaskState::Submitted,
        (TaskState::Submitted, Action::SignOff) => TaskState::SignedOff,
        (TaskState::Submitted, Action::Return) => TaskState::Returned,
        (TaskState::Open | TaskState::InProgress | TaskState::Submitted | TaskState::Returned, Action::Cancel) => {
            TaskState::Cancelled
        }
        _ => return Err(ProblemKind::InvalidTransition),
    };
    if action == Action::Submit && rows.iter().any(|c| c.parent_id == Some(row.id) && !state(c).is_final()) {
        return Err(ProblemKind::InvalidTransition);
    }
    let mut next = next;
    if action == Action::SignOff {
        if row.submitted_by.as_deref() == Some(p.subject.as_str()) {
            return Err(ProblemKind::Forbidden);
        }
        let mut a = approvals(row);
        if a.contains(&p.subject) {
            return Err(ProblemKind::Conflict);
        }
        a.push(p.subject.clone());
        if (a.len() as i32) < row.required_approvals {
            next = TaskState::Submitted;
        }
    }
    if matches!(version, Version::Stale) {
        return Err(ProblemKind::PreconditionFailed);
    }
    Ok(next)
}

/// Everything a refused step must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tasks: BTreeMap<Uuid, task::Model>,
    events: u64,
    audit: u64,
    accountability: u64,
    outbox: u64,
}

async fn snapshot(t: &TestDb) -> Snapshot {
    let tasks = task::Entity::find().all(&t.db).await.unwrap().into_iter().map(|r| (r.id, r)).collect();
    Snapshot {
        tasks,
        events: event::Entity::find().count(&t.db).await.unwrap(),
        audit: chain_store::audit::Entity::find().count(&t.db).await.unwrap()
            + chain_store::audit::unsealed(&t.db).await.unwrap(),
        accountability: accountability::Entity::find().count(&t.db).await.unwrap(),
        outbox: chain_store::outbox::Entity::find().count(&t.db).await.unwrap(),
    }
}

/// The invariants that hold after every operation.
async fn check_invariants(t: &TestDb) {
    let rows = tasks_of_all(t).await;
    for r in &rows {
        if matches!(state(r), TaskState::Submitted | TaskState::SignedOff) {
            for c in rows.iter().filter(|c| c.parent_id == Some(r.id)) {
                assert!(
                    state(c).is_final(),
                    "{} is {} while its child {} is {}",
                    r.division,
                    r.state,
                    c.division,
                    c.state
                );
            }
        }
        if r.state == "signed_off" {
            let a = approvals(r);
            assert!(a.len() as i32 >= r.required_approvals, "{} signed off with approvals {a:?}", r.division);
            assert!(
                r.submitted_by.as_ref().is_some_and(|s| !a.contains(s)),
                "{}: submitter among approvers",
                r.division
            );
        }
    }
    // In the log, a sign-off always directly follows the task's submission round.
    let mut last_state: BTreeMap<Uuid, String> = BTreeMap::new();
    for e in all_events(&t.db).await {
        if e.change == "signed_off" {
            assert_eq!(
                last_state.get(&e.task_id).map(String::as_str),
                Some("submitted"),
                "sign-off of an unsubmitted task"
            );
        }
        last_state.insert(e.task_id, e.state.clone());
    }
    assert_event_versions_increase(&t.db).await;
}

async fn tasks_of_all(t: &TestDb) -> Vec<task::Model> {
    task::Entity::find().all(&t.db).await.unwrap()
}

async fn run(ops: Vec<Op>, required_approvals: u32) {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let mut d = directive("随机操作", divisions(&["520624", "520623", "520102"]), clock.now(), 10);
    d.required_approvals = Some(required_approvals);
    let issued = issue(&e, &approver("52", 1), d).await;
    let ids: Vec<Uuid> = tasks_of(&t.db, issued.task.id).await.into_iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 6);

    for (i, op) in ops.into_iter().enumerate() {
        let before = snapshot(&t).await;
        match op {
            Op::Step { who, roles, person, task, action, reason, version } => {
                let row = before.tasks[&ids[task]].clone();
                let p = principal(who, roles, person, action, &row);
                let rows: Vec<task::Model> = before.tasks.values().cloned().collect();
                let want = expected(&p, action, &row, &rows, reason, version);
                let expected_version = match version {
                    Version::Absent => None,
                    Version::Current => Some(row.version),
                    Version::Stale => Some(row.version - 1),
                };
                let got = step(&e, &p, action, row.id, reason.then_some("理由"), expected_version).await;
                let what = format!("op {i}: {} {action:?} on {} ({})", p.subject, row.division, row.state);
                match (want, got) {
                    (Err(kind), Err(problem)) => {
                        assert!(problem.is(kind), "{what}: expected {}, got {problem:?}", kind.slug());
                        assert_eq!(snapshot(&t).await, before, "{what}: a refused step changed something");
                    }
                    (Ok(next), Ok(task)) => {
                        assert_eq!(task.state, next, "{what}");
                        // A late submission first records the deadline steps the sweep had not
                        // reached yet, each at its own version.
                        if action == Action::Submit {
                            assert!(task.version > row.version, "{what}");
                        } else {
                            assert_eq!(task.version, row.version + 1, "{what}");
                        }
                        let after = snapshot(&t).await;
                        assert_eq!(after.tasks[&row.id].version, task.version);
                        assert!(after.events > before.events && after.audit > before.audit, "{what}: not recorded");
                        if action == Action::Submit {
                            assert_eq!(task.submitted_by.as_deref(), Some(p.subject.as_str()));
                            assert!(task.approvals.is_empty());
                        }
                        if action == Action::SignOff {
                            assert_eq!(task.approvals.last(), Some(&p.subject));
                        }
                        for (id, old) in &before.tasks {
                            if *id == row.id {
                                continue;
                            }
                            let new = &after.tasks[id];
                            let below = old.root_id == row.root_id
                                && old.division.starts_with(&row.division)
                                && !state(old).is_final();
                            if action == Action::Cancel && below {
                                assert_eq!((new.state.as_str(), new.version), ("cancelled", old.version + 1), "{what}");
                            } else {
                                assert_eq!(new, old, "{what}: another task changed");
                            }
                        }
                    }
                    (want, got) => panic!("{what}: expected {want:?}, got {got:?}"),
                }
            }
            Op::Advance { hours } => clock.advance(Duration::hours(hours)),
            Op::Sweep => {
                e.sweep().await.expect("sweep");
                let after = snapshot(&t).await;
                for (id, old) in &before.tasks {
                    let new = &after.tasks[id];
                    assert_eq!(new.state, old.state, "a sweep changes no state");
                    let (o, n): (chain_api::workflow::DeadlineStage, chain_api::workflow::DeadlineStage) =
                        (parse_enum(&old.deadline_stage).unwrap(), parse_enum(&new.deadline_stage).unwrap());
                    assert!(n >= o, "the ladder only climbs");
                    if !state(old).awaits_owner() {
                        assert_eq!(n, o, "{}: a task not with its owner does not climb the ladder", old.division);
                    }
                    assert!(new.version >= old.version);
                    assert_eq!(new.version > old.version, n > o, "{}: a version for each climb", old.division);
                }
                assert_eq!(
                    e.sweep().await.expect("sweep"),
                    chain_workflow::Swept::default(),
                    "a second sweep fires nothing"
                );
            }
        }
        check_invariants(&t).await;
    }
    assert_audit_intact(&t.db).await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_steps_keep_the_chain_consistent(ops in prop::collection::vec(op(), 1..100), approvals in 1u32..=2) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(ops, approvals));
    }
}
