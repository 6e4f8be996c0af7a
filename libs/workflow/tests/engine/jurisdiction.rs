//! Officials see and follow only what lies in their jurisdiction; the rest answers like missing.

use chain_api::ProblemKind;
use chain_api::workflow::{EventsQuery, TargetLevel, Targets, TaskQuery, TreeQuery};
use chain_domain::{Division, registry};
use chain_workflow::{Action, Clock};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officials_see_only_their_own_part_of_a_tree() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let city = approver("5206", 1);
    let issued = issue(
        &e,
        &city,
        directive("乡镇走访", Targets { divisions: None, level: Some(TargetLevel::Township) }, clock.now(), 20),
    )
    .await;
    let root = issued.task.id;
    let sinan = task_at(&t.db, root, "520624").await;
    let shiqian = task_at(&t.db, root, "520623").await;
    let tangtou = task_at(&t.db, root, "520624101").await;
    // Some changes in both counties.
    expect_ok(step(&e, &operator("520624101"), Action::Submit, tangtou.id, None, None).await);
    let shiqian_town = tasks_of(&t.db, root)
        .await
        .into_iter()
        .find(|r| r.division.starts_with("520623") && r.division.len() == 9)
        .unwrap();
    expect_ok(step(&e, &operator(&shiqian_town.division), Action::Start, shiqian_town.id, None, None).await);

    // Another county's official: everything of Sinan answers like missing, and so does the root.
    let stranger = approver("520623", 1);
    for id in [sinan.id, tangtou.id, root] {
        expect_problem(e.get(&stranger, id).await, ProblemKind::NotFound);
        expect_problem(
            e.tree(&stranger, TreeQuery { id: Some(id), ..Default::default() }).await,
            ProblemKind::NotFound,
        );
        expect_problem(e.events(&stranger, EventsQuery { id, after: None, limit: None }).await, ProblemKind::NotFound);
        expect_problem(step(&e, &stranger, Action::Cancel, id, Some("x"), None).await, ProblemKind::NotFound);
    }
    expect_problem(e.get(&stranger, uuid::Uuid::now_v7()).await, ProblemKind::NotFound);
    let listed = expect_ok(e.list(&stranger, &TaskQuery { limit: Some(500), ..Default::default() }).await);
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|t| t.division.starts_with("520623")), "a list holds only the caller's divisions");
    let probing =
        expect_ok(e.list(&stranger, &TaskQuery { division: Some("520624".into()), ..Default::default() }).await);
    assert!(probing.is_empty());

    // Sinan's official: the county task is the highest it can see; its tree is the county's.
    let county = approver("520624", 1);
    expect_problem(e.get(&county, root).await, ProblemKind::NotFound);
    expect_problem(e.get(&county, shiqian.id).await, ProblemKind::NotFound);
    assert_eq!(expect_ok(e.get(&stranger, shiqian.id).await).division, "520623");
    let townships = registry().children(&Division::parse("520624").unwrap()).len() as u64;
    let tree = expect_ok(e.tree(&county, TreeQuery { id: Some(sinan.id), ..Default::default() }).await);
    assert_eq!(tree.subtree.total, 1 + townships);
    assert_eq!(tree.subtree.submitted, 1);
    assert_eq!(tree.children.len() as u64, townships);
    assert!(tree.children.iter().all(|c| c.task.division.starts_with("520624")));
    let events = expect_ok(e.events(&county, EventsQuery { id: sinan.id, after: None, limit: Some(1000) }).await);
    assert!(!events.is_empty());
    assert!(events.iter().all(|ev| ev.division.starts_with("520624")), "{events:?}");
    assert!(events.iter().any(|ev| ev.task_id == tangtou.id && ev.change == "submitted"));
    assert!(events.iter().all(|ev| ev.task_id != shiqian_town.id));

    // The city sees the whole tree, both counties' changes, and can narrow to one county.
    let tree = expect_ok(e.tree(&city, TreeQuery { id: Some(root), ..Default::default() }).await);
    let counties = registry().children(&Division::parse("5206").unwrap()).len();
    assert_eq!(tree.children.len(), counties);
    let all = expect_ok(e.events(&city, EventsQuery { id: root, after: None, limit: Some(1000) }).await);
    assert!(all.iter().any(|ev| ev.task_id == shiqian_town.id));
    assert!(all.iter().any(|ev| ev.task_id == tangtou.id));
    let narrowed = expect_ok(
        e.tree(&city, TreeQuery { id: Some(root), division: Some("520624".into()), ..Default::default() }).await,
    );
    assert_eq!(narrowed.children.iter().map(|c| c.task.division.as_str()).collect::<Vec<_>>(), vec!["520624"]);
    assert_eq!(narrowed.subtree.total, 1 + townships);
    let elsewhere =
        expect_ok(e.tree(&city, TreeQuery { id: Some(root), division: Some("53".into()), ..Default::default() }).await);
    assert_eq!((elsewhere.subtree.total, elsewhere.children.len()), (0, 0));
    // A township official sees its own task and nothing above it.
    let town = operator("520624101");
    assert_eq!(expect_ok(e.get(&town, tangtou.id).await).division, "520624101");
    expect_problem(e.get(&town, sinan.id).await, ProblemKind::NotFound);
}
