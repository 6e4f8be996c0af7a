//! The county project library (项目库). A village or township proposes a project; the county
//! reviews it into its library for the year (or rejects it); its plan is posted on the board of
//! the proposer (≥ 10 days, `funds.disclosure`); once the notice passes the county approves it,
//! starts it, accepts it on completion (验收) and closes it with its performance evaluated.
//! Review, disclosure and approval run as a procedure on the chain engine — the county's task
//! over the proposer's, whose notice must pass before it is submitted ([`notice`]). Money reaches
//! a project only through [`payments`], and only while it is being carried out or once accepted.

pub mod notice;
pub mod payments;
pub mod steps;

use anyhow::Context;
use chain_api::limits::page;
use chain_api::projects::{Evaluation, Project, ProjectPage, ProjectQuery, ProposeProject};
use chain_api::step::ById;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Layer, Level};
use chain_kit::query::{limit, scope};
use chain_store::audit::{self, Entry};
use chain_store::text::{enum_str, parse_enum};
use chain_workflow::{Action, ProcedureStep};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect, TransactionTrait};

use crate::State;
use crate::domain::projects::{self as rules, label};
use crate::domain::{DISCLOSURE_NOTICE, PROJECT_KIND};
use crate::error::Result;
use crate::store::project;

/// A project that does not exist or lies outside the caller's jurisdiction.
pub fn hidden() -> Problem {
    Problem::not_found("project")
}

/// The site as stored: codes between spaces, so that ` <prefix>` matches a village under it.
fn site(villages: &[Division]) -> String {
    let codes: Vec<String> = villages.iter().map(Division::to_string).collect();
    format!(" {} ", codes.join(" "))
}

/// A project row in API form.
pub fn to_api(row: project::Model) -> Result<Project> {
    let evaluation = match (row.targets_met, row.evaluation) {
        (Some(targets_met), Some(summary)) => Some(Evaluation { targets_met, summary }),
        _ => None,
    };
    Ok(Project {
        id: row.id,
        name: row.name,
        county: row.county,
        proposer: row.proposer,
        year: row.year,
        villages: row.villages.split_whitespace().map(str::to_owned).collect(),
        tasks: row.tasks,
        subsidy_standard: row.subsidy_standard,
        fund_sources: row.fund_sources.split_whitespace().map(str::to_owned).collect(),
        implementer: row.implementer,
        responsible_person: row.responsible_person,
        budget_fen: row.budget_fen,
        management_fee_fen: row.management_fee_fen,
        fee_cap_fen: row.fee_cap_fen,
        performance_targets: row.performance_targets,
        benefit: parse_enum(&row.benefit).context("reading a project's benefit")?,
        households: serde_json::from_str(&row.households).context("reading a project's households")?,
        beneficiaries: row.beneficiaries.max(0) as u32,
        status: parse_enum(&row.status).context("reading a project's status")?,
        paid_fen: row.paid_fen,
        fee_paid_fen: row.fee_paid_fen,
        evaluation,
        proposed_by: row.proposed_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

/// Whether `p` may read a project: its county, the proposer, or a village of its site lies in
/// the caller's jurisdiction.
pub fn visible(p: &Principal, row: &project::Model) -> bool {
    std::iter::once(row.county.as_str())
        .chain(std::iter::once(row.proposer.as_str()))
        .chain(row.villages.split_whitespace())
        .any(|d| Division::parse(d).is_ok_and(|d| p.covers(&d)))
}

/// Appends the audit entry of `action` on the project, inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: chrono::DateTime<chrono::Utc>,
    entry: Entry,
    row: &project::Model,
) -> Result<()> {
    let payload = serde_json::json!({ "project_id": row.id, "status": row.status, "version": row.version });
    audit::append(conn, at, entry.about(row.id).payload(&payload)).await?;
    Ok(())
}

/// `project.propose`: a village or township operator proposes a project for the county library.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn propose(s: State, p: Principal, req: ProposeProject) -> Result<Project> {
    let now = s.now();
    let valid = rules::validate(&req, now.year())?;
    let proposer = p.jurisdiction.division().cloned().filter(|d| matches!(d.level(), Level::Village | Level::Township));
    let Some(proposer) = proposer else {
        return Err(Problem::forbidden("projects are proposed by a village or a township").into());
    };
    p.require(&[Role::Operator, Role::Approver], p.layer(), &proposer, hidden())?;
    if let Some(i) = valid.villages.iter().position(|v| !proposer.contains(v)) {
        return Err(Problem::invalid(format!("villages/{i}"), "the site must lie in your village or township").into());
    }
    let [tasks, subsidy_standard, implementer, responsible_person, performance_targets] = valid.texts;
    let row = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(valid.name),
        county: Set(valid.county.to_string()),
        proposer: Set(proposer.to_string()),
        year: Set(req.year),
        villages: Set(site(&valid.villages)),
        tasks: Set(tasks),
        subsidy_standard: Set(subsidy_standard),
        fund_sources: Set(valid.funds.join(" ")),
        implementer: Set(implementer),
        responsible_person: Set(responsible_person),
        budget_fen: Set(valid.budget.fen()),
        management_fee_fen: Set(req.management_fee_fen),
        fee_cap_fen: Set(valid.fee_cap_fen),
        performance_targets: Set(performance_targets),
        benefit: Set(enum_str(&req.benefit)),
        households: Set(serde_json::to_string(&req.households).context("encoding the households")?),
        beneficiaries: Set(req.beneficiaries as i32),
        status: Set(label(chain_api::projects::ProjectStatus::Proposed).to_owned()),
        paid_fen: Set(0),
        fee_paid_fen: Set(0),
        targets_met: Set(None),
        evaluation: Set(None),
        proposed_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    let txn = s.db.begin().await?;
    let row = row.insert(&txn).await?;
    let steps = [
        ProcedureStep { division: row.county.clone(), notice_kind: None },
        ProcedureStep { division: row.proposer.clone(), notice_kind: Some(DISCLOSURE_NOTICE) },
    ];
    let title = format!("Project {}: {}", row.year, row.name);
    s.engine.open_procedure_steps(&txn, &p.subject, PROJECT_KIND, &title, row.id, &steps).await?;
    s.engine.advance(&txn, &p, PROJECT_KIND, row.id, &[(row.proposer.as_str(), Action::Start)], None).await?;
    record(&txn, now, Entry::by(&p, "project.propose", &row.proposer), &row).await?;
    txn.commit().await?;
    tracing::info!(project = %row.id, county = %row.county, "project proposed");
    to_api(row)
}

/// `project.get`: one project, if the caller may read it.
pub async fn get(s: State, p: Principal, req: ById) -> Result<Project> {
    let row = project::Entity::find_by_id(req.id).one(&s.db).await?.ok_or_else(hidden)?;
    if !visible(&p, &row) {
        return Err(hidden().into());
    }
    to_api(row)
}

/// `project.list`: projects whose county or a village of whose site lies under the prefix.
pub async fn list(s: State, p: Principal, q: ProjectQuery) -> Result<ProjectPage> {
    let size = limit(q.limit, 50, page::HOUSEHOLDS)?;
    let Some(prefix) = scope(&p, q.division.as_deref())? else {
        return Ok(ProjectPage { items: vec![], next_after: None });
    };
    let mut find = project::Entity::find();
    if !prefix.is_empty() {
        find = find.filter(
            Condition::any()
                .add(project::Column::County.starts_with(prefix.as_str()))
                .add(project::Column::Villages.contains(format!(" {prefix}").as_str())),
        );
    }
    if let Some(year) = q.year {
        find = find.filter(project::Column::Year.eq(year));
    }
    if let Some(status) = q.status {
        find = find.filter(project::Column::Status.eq(label(status)));
    }
    if let Some(after) = q.after {
        find = find.filter(project::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(project::Column::Id).limit(size + 1).all(&s.db).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    Ok(ProjectPage { items: rows.into_iter().map(to_api).collect::<Result<_>>()?, next_after })
}

/// The project a step is about, its county, read inside the step's transaction; hidden when
/// there is none or it lies outside the caller's jurisdiction.
pub async fn for_step<C: ConnectionTrait>(conn: &C, p: &Principal, id: Uuid) -> Result<(project::Model, Division)> {
    let row = project::Entity::find_by_id(id).one(conn).await?.ok_or_else(hidden)?;
    if !visible(p, &row) {
        return Err(hidden().into());
    }
    let county = Division::parse(&row.county).context("reading the project's county")?;
    Ok((row, county))
}

/// Refuses a step when the caller saw another version of the project than `row`'s.
pub fn expect_version(row: &project::Model, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != row.version => {
            let detail = format!("the project is at version {}, not {v}", row.version);
            Err(Problem::new(ProblemKind::PreconditionFailed, detail).into())
        }
        _ => Ok(()),
    }
}

/// Requires a county approver of the project's county; the caller already sees the project
/// ([`for_step`]), so an official of one of its villages is told the step is not theirs.
pub fn county_approver(p: &Principal, county: &Division) -> Result<()> {
    let not_yours = Problem::forbidden("this step is taken by an approver of the project's county");
    Ok(p.require(&[Role::Approver], Layer::County, county, not_yours)?)
}
