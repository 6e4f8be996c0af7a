//! A directive from the centre to every township of the country: 44,703 tasks in one
//! transaction, the tree's counts per level, and a quota split exactly at every level.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chain_api::workflow::{Quota, TargetLevel, Targets, TreeQuery};
use chain_domain::{Division, Level, registry};
use chain_workflow::Clock;
use chain_workflow::entity::{event, task};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_to_every_township_opens_every_layer_and_splits_the_quota_exactly() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let reg = registry();
    let expected: Vec<(&str, usize)> = vec![
        ("province", reg.count(Level::Province)),
        ("city", reg.count(Level::City)),
        ("county", reg.count(Level::County)),
        ("township", reg.count(Level::Township)),
    ];
    assert_eq!(expected.iter().map(|(_, n)| n).sum::<usize>(), 31 + 342 + 2_978 + 41_352);

    // Every township gets a weight; the total is divided by them.
    let mut townships = Vec::new();
    let mut frontier: Vec<Division> = reg.provinces().into_iter().map(|p| p.code).collect();
    while let Some(d) = frontier.pop() {
        if d.level() == Level::Township {
            townships.push(d);
        } else {
            frontier.extend(reg.children(&d).into_iter().map(|c| c.code));
        }
    }
    let shares: BTreeMap<String, u64> = townships
        .iter()
        .map(|d| (d.as_str().to_owned(), d.as_str().bytes().map(u64::from).sum::<u64>() % 9 + 1))
        .collect();
    const TOTAL: i64 = 10_000_000;

    let centre = approver("CN", 1);
    let mut d = directive(
        "全国乡镇帮扶责任落实情况核查",
        Targets { divisions: None, level: Some(TargetLevel::Township) },
        clock.now(),
        30,
    );
    d.quota = Some(Quota { total: TOTAL, shares: Some(shares.clone()) });
    let started = Instant::now();
    let issued = issue(&e, &centre, d).await;
    let answered = started.elapsed();
    // More than the inline limit: the directive answers at once and the sweep opens the tasks.
    assert!(!issued.complete);
    e.sweep().await.unwrap();
    let took = started.elapsed();
    println!(
        "[{}] a directive to {} townships: answered in {answered:.2?}, every task open after {took:.2?}",
        backend(),
        townships.len()
    );

    assert_eq!(issued.task.division, "CN");
    assert_eq!(issued.task.signer, "CN");
    assert_eq!(issued.task.state, chain_api::workflow::TaskState::InProgress);
    assert_eq!(issued.task.quota, Some(TOTAL));
    assert_eq!(issued.planned as usize, expected.iter().map(|(_, n)| n).sum::<usize>());
    let by_level: Vec<(String, u64)> = issued.by_level.iter().map(|l| (l.level.clone(), l.tasks)).collect();
    assert_eq!(by_level, expected.iter().map(|(l, n)| ((*l).to_owned(), *n as u64)).collect::<Vec<_>>());

    // The rows themselves: one per division, each under its parent division's task, signed by it,
    // and the quota summing exactly at every level.
    let rows = tasks_of(&t.db, issued.task.id).await;
    assert_eq!(rows.len(), issued.planned as usize + 1);
    let by_id: HashMap<uuid::Uuid, &task::Model> = rows.iter().map(|r| (r.id, r)).collect();
    let mut per_level: BTreeMap<usize, (usize, i64)> = BTreeMap::new();
    let mut child_sums: HashMap<uuid::Uuid, i64> = HashMap::new();
    for r in &rows {
        if r.division == "CN" {
            continue;
        }
        let parent = by_id[&r.parent_id.expect("every task below the root has a parent")];
        let parent_division = Division::parse(&r.division).unwrap().parent().map(|p| p.as_str().to_owned());
        assert_eq!(parent.division, parent_division.unwrap_or_else(|| "CN".into()), "{}", r.division);
        assert_eq!(r.signer, parent.division);
        assert_eq!(r.root_id, issued.task.id);
        assert_eq!(r.state, "open");
        let entry = per_level.entry(r.division.len()).or_default();
        entry.0 += 1;
        entry.1 += r.quota.expect("every task carries its share");
        *child_sums.entry(parent.id).or_default() += r.quota.unwrap();
        if r.division.len() == 9 {
            assert!(r.quota.unwrap() >= 0);
        }
    }
    for (len, (n, sum)) in &per_level {
        assert_eq!(*sum, TOTAL, "the quota at the {len}-digit level sums to the total ({n} tasks)");
    }
    for r in &rows {
        if let Some(sum) = child_sums.get(&r.id) {
            assert_eq!(r.quota, Some(*sum), "{} carries the sum of its children", r.division);
        }
    }
    // The largest-remainder split: every township's share is within one of its exact share.
    let weight_sum: u64 = shares.values().sum();
    for r in rows.iter().filter(|r| r.division.len() == 9) {
        let exact = TOTAL as f64 * shares[&r.division] as f64 / weight_sum as f64;
        assert!((r.quota.unwrap() as f64 - exact).abs() < 1.0, "{}: {} vs {exact}", r.division, r.quota.unwrap());
    }

    // The tree of the root: counts per level and the 31 provinces as children.
    let started = Instant::now();
    let tree = expect_ok(e.tree(&centre, TreeQuery { id: Some(issued.task.id), ..Default::default() }).await);
    println!("[{}] the root's tree took {:.2?}", backend(), started.elapsed());
    let levels: Vec<(String, u64, u64)> =
        tree.levels.iter().map(|l| (l.level.clone(), l.counts.total, l.counts.open)).collect();
    let mut want = vec![("central".to_owned(), 1, 0)];
    want.extend(expected.iter().map(|(l, n)| ((*l).to_owned(), *n as u64, *n as u64)));
    assert_eq!(levels, want);
    assert_eq!(tree.subtree.total, rows.len() as u64);
    assert_eq!(tree.subtree.in_progress, 1);
    assert_eq!(tree.children.len(), 31);
    assert_eq!(tree.next_after, None);
    let provinces: Vec<String> = reg.provinces().into_iter().map(|p| p.code.as_str().to_owned()).collect();
    assert_eq!(tree.children.iter().map(|c| c.task.division.clone()).collect::<Vec<_>>(), provinces);
    for child in &tree.children {
        let code = Division::parse(&child.task.division).unwrap();
        let below = rows.iter().filter(|r| r.division.starts_with(code.as_str())).count() as u64;
        assert_eq!(child.subtree.total, below, "subtree of {code}");
        assert_eq!(child.subtree.open, below);
    }
    let total_children: u64 = tree.children.iter().map(|c| c.subtree.total).sum();
    assert_eq!(total_children, issued.planned);

    // Paging the children.
    let page =
        expect_ok(e.tree(&centre, TreeQuery { id: Some(issued.task.id), limit: Some(10), ..Default::default() }).await);
    assert_eq!(page.children.len(), 10);
    assert_eq!(page.next_after.as_deref(), Some(provinces[9].as_str()));
    let rest = expect_ok(
        e.tree(
            &centre,
            TreeQuery {
                id: Some(issued.task.id),
                after: page.next_after.clone(),
                limit: Some(100),
                ..Default::default()
            },
        )
        .await,
    );
    assert_eq!(rest.children.len(), 21);

    // A province's tree shows its cities, and its own counts per level.
    let guizhou = task_at(&t.db, issued.task.id, "52").await;
    let tree = expect_ok(e.tree(&approver("52", 1), TreeQuery { id: Some(guizhou.id), ..Default::default() }).await);
    let cities: Vec<String> =
        reg.children(&Division::parse("52").unwrap()).into_iter().map(|c| c.code.as_str().to_owned()).collect();
    assert_eq!(tree.children.iter().map(|c| c.task.division.clone()).collect::<Vec<_>>(), cities);
    let counties = rows.iter().filter(|r| r.division.len() == 6 && r.division.starts_with("52")).count() as u64;
    let towns = rows.iter().filter(|r| r.division.len() == 9 && r.division.starts_with("52")).count() as u64;
    let levels: Vec<(String, u64)> = tree.levels.iter().map(|l| (l.level.clone(), l.counts.total)).collect();
    assert_eq!(
        levels,
        vec![
            ("province".to_owned(), 1),
            ("city".to_owned(), cities.len() as u64),
            ("county".to_owned(), counties),
            ("township".to_owned(), towns)
        ]
    );
    assert_eq!(
        tree.task.quota,
        Some(
            rows.iter()
                .filter(|r| r.division.len() == 9 && r.division.starts_with("52"))
                .map(|r| r.quota.unwrap())
                .sum()
        )
    );
    // The province sees nothing of the root itself.
    expect_problem(e.get(&approver("52", 1), issued.task.id).await, chain_api::ProblemKind::NotFound);

    // Audit entries for the directive and its completion, and one `decomposed` per parent.
    assert_audit_intact(&t.db).await;
    let events = count_rows::<event::Entity>(&t.db).await;
    let parents = 1 + 31 + 342 + 2_978;
    assert_eq!(
        events,
        parents as u64 + 1,
        "`opened` and (once the background opened its tasks) `decomposed` for the root, one `decomposed` per other parent"
    );
    assert_event_versions_increase(&t.db).await;

    // Withdrawing the directive withdraws every task of it, in one step.
    let started = Instant::now();
    let cancelled = expect_ok(
        step(
            &e,
            &centre,
            chain_workflow::Action::Cancel,
            issued.task.id,
            Some("并入年度考核"),
            Some(task_at(&t.db, issued.task.id, "CN").await.version),
        )
        .await,
    );
    println!("[{}] cancelling the whole directive took {:.2?}", backend(), started.elapsed());
    assert_eq!(cancelled.state, chain_api::workflow::TaskState::Cancelled);
    let tree = expect_ok(e.tree(&centre, TreeQuery { id: Some(issued.task.id), ..Default::default() }).await);
    assert_eq!((tree.subtree.total, tree.subtree.cancelled), (rows.len() as u64, rows.len() as u64));
    assert_eq!(count_rows::<event::Entity>(&t.db).await, events + rows.len() as u64);
    assert_event_versions_increase(&t.db).await;
    assert_eq!(
        assert_audit_intact(&t.db).await,
        3,
        "the directive, its tasks opened in the background, its withdrawal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_directive_answers_at_once_and_opens_its_tasks_in_the_background() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    // Sinan county's villages, with a low inline limit so the background path is taken.
    let e = t.engine(&clock).with_inline_limit(10);
    let sinan = Division::parse("520624").unwrap();
    let county = official("sinan-approver", "520624", &[chain_api::Role::Approver]);
    let mut d = directive(
        "Verify every village's list",
        Targets { divisions: None, level: Some(TargetLevel::Village) },
        clock.now(),
        30,
    );
    d.quota = Some(Quota { total: 1_000, shares: None });
    let issued = issue(&e, &county, d).await;
    assert!(!issued.complete);
    assert_eq!(issued.opened, 0);
    let townships = registry().children(&sinan);
    let villages: usize = townships.iter().map(|t| registry().children(&t.code).len()).sum();
    assert_eq!(issued.planned as usize, townships.len() + villages);
    assert_eq!(tasks_of(&t.db, issued.task.id).await.len(), 1, "only the root exists before the sweep");

    e.sweep().await.unwrap();
    let all = tasks_of(&t.db, issued.task.id).await;
    assert_eq!(all.len(), 1 + townships.len() + villages);
    let root = all.iter().find(|r| r.id == issued.task.id).unwrap();
    assert_eq!(root.version, 2);
    let quota: i64 = all.iter().filter(|r| r.division.len() == 12).filter_map(|r| r.quota).sum();
    assert_eq!(quota, 1_000);
    assert_eq!(changes_of(&t.db, root.id).await, vec!["opened", "decomposed"]);
    // A second sweep finds nothing left to open.
    e.sweep().await.unwrap();
    assert_eq!(tasks_of(&t.db, issued.task.id).await.len(), all.len());
    let tree = expect_ok(e.tree(&county, TreeQuery { id: Some(root.id), ..Default::default() }).await);
    assert_eq!(tree.subtree.total as usize, all.len());
    assert_audit_intact(&t.db).await;
}
