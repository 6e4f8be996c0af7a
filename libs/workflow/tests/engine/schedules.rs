//! Recurring reports: a schedule generates a directive at each period start, by the engine's clock.

use chain_api::ProblemKind;
use chain_api::workflow::{Cadence, NewSchedule, Service, TargetLevel, TaskQuery};
use chain_domain::calendar::{Period, beijing_date, period_label, start_instant};
use chain_domain::{Division, Level, registry};
use chain_workflow::Clock;
use chrono::Duration;

use crate::support::*;

fn monthly() -> NewSchedule {
    NewSchedule {
        service: Service::Planning,
        kind: "supervision.monthly".into(),
        title: "月度帮扶工作报告".into(),
        cadence: Cadence::Monthly,
        level: TargetLevel::County,
        due_days: 10,
        first_run: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monthly_schedule_issues_a_report_to_every_county_at_each_period_start() {
    let t = TestDb::fresh().await;
    let clock = Clock::adjustable();
    let e = t.engine(&clock);
    let province = approver("52", 1);

    expect_problem(e.create_schedule(&operator("52"), monthly()).await, ProblemKind::Forbidden);
    let mut too_high = monthly();
    too_high.level = TargetLevel::Province;
    expect_problem(e.create_schedule(&province, too_high).await, ProblemKind::Validation);
    let mut no_days = monthly();
    no_days.due_days = 0;
    expect_problem(e.create_schedule(&province, no_days).await, ProblemKind::Validation);

    let schedule = expect_ok(e.create_schedule(&province, monthly()).await);
    assert_eq!((schedule.issuer.as_str(), schedule.runs), ("52", 0));
    assert!(schedule.next_run_at >= start_instant(beijing_date(clock.now())));
    assert_eq!(expect_ok(e.schedules(&province).await).len(), 1);
    assert_eq!(expect_ok(e.schedules(&approver("53", 1)).await).len(), 0);
    assert_eq!(expect_ok(e.schedules(&approver("CN", 1)).await).len(), 1);

    // Until the period starts, nothing is generated.
    let start = schedule.next_run_at;
    if start > clock.now() {
        assert_eq!(e.sweep().await.unwrap().reports, 0);
        clock.advance(start - clock.now() + Duration::hours(1));
    }
    let swept = e.sweep().await.unwrap();
    assert_eq!(swept.reports, 1);
    assert_eq!(e.sweep().await.unwrap().reports, 0, "one directive per period");

    let label = period_label(Period::Monthly, beijing_date(start));
    let tasks = expect_ok(
        e.list(
            &province,
            &TaskQuery { kind: Some("supervision.monthly".into()), limit: Some(500), ..Default::default() },
        )
        .await,
    );
    let roots: Vec<_> = tasks.iter().filter(|t| t.parent_id.is_none()).collect();
    assert_eq!(roots.len(), 1);
    let root = roots[0];
    assert_eq!(root.division, "52");
    assert!(root.title.contains(&label), "{} should name the period {label}", root.title);
    assert_eq!(root.due_at, Some(start + Duration::days(10)));
    let guizhou = Division::parse("52").unwrap();
    let reg = registry();
    let cities = reg.children(&guizhou);
    let counties: Vec<String> =
        cities.iter().flat_map(|c| reg.children(&c.code)).map(|c| c.code.as_str().to_owned()).collect();
    let mut got: Vec<String> =
        tasks.iter().filter(|t| t.division.len() == Level::County.digits()).map(|t| t.division.clone()).collect();
    got.sort();
    assert_eq!(got, counties);
    assert_eq!(tasks.len(), 1 + cities.len() + counties.len());
    assert!(tasks.iter().all(|t| t.root_id == root.id && t.title == root.title));

    let after = expect_ok(e.schedules(&province).await);
    assert_eq!(after[0].runs, 1);
    assert!(after[0].next_run_at > start + Duration::days(27));

    // The next month brings the next report.
    clock.advance(after[0].next_run_at - clock.now() + Duration::hours(1));
    assert_eq!(e.sweep().await.unwrap().reports, 1);
    let tasks = expect_ok(
        e.list(
            &province,
            &TaskQuery { kind: Some("supervision.monthly".into()), limit: Some(500), ..Default::default() },
        )
        .await,
    );
    assert_eq!(tasks.iter().filter(|t| t.parent_id.is_none()).count(), 2);
    assert_audit_intact(&t.db).await;
}
