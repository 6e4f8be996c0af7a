//! Return-to-poverty monitoring on the engine (DOMAIN.md §7): a signal opens a case and a
//! `monitoring.household` procedure (county → township → village); the village visits, asks
//! consent, appraises and posts its notice, the county matches the data, the township reviews and
//! the county decides, within the policy's days of the first signal (the county's task falls due
//! then, and the deadline ladder escalates it when missed). Included households get measures; the
//! county may remove the risk after half a year, never for a household without labour, and may
//! reinstate it. Every change is audited in the transaction that makes it.

use chain_api::identification::{Appraisal, DataMatch};
use chain_api::monitoring::{
    Consent, HomeVisit, MonitoringCase, MonitoringDecision, MonitoringQuery, MonitoringStatus, NewMeasure,
    OpenMonitoringCase, Reason, RemoveRisk,
};
use chain_api::step::{ById, Decision, Step as StepReq};
use chain_api::{FieldError, Principal, Problem, ProblemKind, Role};
use chain_bus::Endpoints;
use chain_bus::service::internal;
use chain_domain::{Division, Layer, Level, PovertyLines, ResidentId, registry};
use chain_store::text::enum_str;
use chain_workflow::{Action, ProcedureStep};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect, TransactionTrait};

use crate::handlers::layers;
use crate::monitoring_domain::{self as rules, Policies, Step};
use crate::monitoring_flow::{Guard, record, step, tasks};
use crate::monitoring_store::{self as store, case, measure};
use crate::{State, store as households};

/// Kind of the tasks of a monitoring case.
pub const PROCEDURE: &str = "monitoring.household";

/// Adds the monitoring verbs to the service's endpoints.
pub fn endpoints(eps: Endpoints<State>) -> Endpoints<State> {
    eps.handle("monitoring.open", open)
        .handle("monitoring.get", get)
        .handle("monitoring.list", list)
        .handle("monitoring.visit", visit)
        .handle("monitoring.consent", consent)
        .handle("monitoring.match", match_data)
        .handle("monitoring.appraise", appraise)
        .handle("monitoring.post-notice", post_notice)
        .handle("monitoring.review", review)
        .handle("monitoring.decide", decide)
        .handle("monitoring.add-measure", add_measure)
        .handle("monitoring.remove-risk", remove_risk)
        .handle("monitoring.reinstate", reinstate)
}

pub(crate) fn hidden() -> Problem {
    Problem::not_found("monitoring case")
}

fn policies() -> &'static Policies {
    Policies::embedded()
}

/// Statuses in which a case is closed; a household has at most one case in any other.
pub(crate) const CLOSED: [MonitoringStatus; 3] =
    [MonitoringStatus::Declined, MonitoringStatus::NotIncluded, MonitoringStatus::RiskRemoved];

/// The key that makes "one open case per household" a unique index: the household's id, or the
/// head's blind index for a household not in the register. `NULL` once the case is closed.
pub(crate) fn open_key(household_id: Option<Uuid>, head_index: Option<&str>) -> Option<String> {
    household_id.map(|h| format!("household:{h}")).or_else(|| head_index.map(|ix| format!("head:{ix}")))
}

/// The refusal when a household already has an open case.
pub(crate) fn already_open() -> Problem {
    Problem::new(ProblemKind::Conflict, "this household already has an open monitoring case")
}

fn bad(errors: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    errors.push(FieldError { field: field.into(), message: message.into() });
}

/// Opens a case from a signal: checked against the range first, so nothing out of range is stored.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
async fn open(s: State, p: Principal, req: OpenMonitoringCase) -> Result<MonitoringCase, Problem> {
    let now = s.engine.clock().now();
    let today = chain_domain::calendar::beijing_date(now);
    let mut errors = Vec::new();
    let village = match Division::parse(&req.village) {
        Ok(d) if d.level() == Level::Village && registry().exists(&d) => Some(d),
        Ok(_) => {
            bad(&mut errors, "village", "must be the 12-digit code of a village in the registry");
            None
        }
        Err(e) => {
            bad(&mut errors, "village", e.to_string());
            None
        }
    };
    if !(2014..=today.year()).contains(&req.year) {
        bad(&mut errors, "year", format!("must be between 2014 and {}", today.year()));
    }
    if req.signal_date > today || req.signal_date.year() < 2014 {
        bad(&mut errors, "signal_date", "must be a date since 2014 and not in the future");
    }
    let mut head_id = None;
    if req.household_id.is_none() {
        let name = req.head_name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() || name.chars().count() > 50 {
            bad(&mut errors, "head_name", "a household not in the register needs its head's name (1–50 characters)");
        }
        match req.head_resident_id.as_deref().map(|id| ResidentId::parse(id, today)) {
            Some(Ok(id)) => head_id = Some(id),
            Some(Err(e)) => bad(&mut errors, "head_resident_id", e.to_string()),
            None => bad(&mut errors, "head_resident_id", "a household not in the register needs its head's ID"),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let village = village.expect("checked");
    let policy = policies().for_division(&village);
    let line = PovertyLines::default_table()
        .line_for(req.year, &village)
        .ok_or_else(|| Problem::invalid("year", "no poverty line for that year"))?;
    let ceiling = rules::ceiling(line, policy);
    let facts = rules::Facts {
        income_fen: req.per_capita_income_fen,
        previous_income_fen: req.previous_income_fen,
        rigid_spending_fen: req.rigid_spending_fen,
        rigid_reason_given: req.rigid_spending_reason.is_some(),
    };
    let reasons = rules::range(&facts, ceiling, policy)?;
    if !p.covers(&village) {
        return Err(Problem::forbidden("the village is outside your jurisdiction"));
    }
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("recording a monitoring signal needs the operator role"));
    }
    if let Some(h) = req.household_id {
        let found = households::household::Entity::find_by_id(h).one(&s.db).await.map_err(internal)?;
        if found.is_none_or(|row| row.village != village.as_str()) {
            return Err(Problem::invalid("household_id", "no such household in this village"));
        }
    }
    let index = head_id.as_ref().map(|id| s.pii.blind_index(id));
    if let Some(ix) = &index
        && let Some(held) = households::active_id::Entity::find_by_id(ix.clone()).one(&s.db).await.map_err(internal)?
    {
        // The duplicate check of every entry path: this person is in the register already.
        let visible = households::household::Entity::find_by_id(held.household_id)
            .one(&s.db)
            .await
            .map_err(internal)?
            .and_then(|h| Division::parse(&h.village).ok())
            .is_some_and(|v| p.covers(&v));
        let message = if visible {
            format!("belongs to active household {}; record the signal against its household_id", held.household_id)
        } else {
            "belongs to an active household in the register (outside your jurisdiction)".to_owned()
        };
        return Err(Problem {
            errors: vec![chain_api::FieldError { field: "head_resident_id".into(), message }],
            ..Problem::new(
                chain_api::ProblemKind::DuplicateResidentId,
                "the head's resident ID number already belongs to an active household",
            )
        });
    }
    let id = Uuid::now_v7();
    let txn = s.db.begin().await.map_err(internal)?;
    let due = rules::decision_due(req.signal_date, policy);
    case::ActiveModel {
        id: Set(id),
        village: Set(village.to_string()),
        household_id: Set(req.household_id),
        head_name: Set(req.household_id.is_none().then(|| req.head_name.as_deref().unwrap_or_default().trim().into())),
        head_id_masked: Set(head_id.as_ref().map(ResidentId::masked)),
        open_key: Set(open_key(req.household_id, index.as_deref())),
        head_id_index: Set(index),
        group_name: Set(enum_str(&req.group)),
        channel: Set(enum_str(&req.channel)),
        signal_date: Set(req.signal_date),
        year: Set(req.year),
        income_fen: Set(req.per_capita_income_fen),
        previous_income_fen: Set(req.previous_income_fen),
        rigid_spending_fen: Set(req.rigid_spending_fen),
        rigid_reason: Set(req.rigid_spending_reason.as_ref().map(enum_str)),
        reasons: Set(serde_json::to_string(&reasons).map_err(internal)?),
        ceiling_fen: Set(ceiling),
        has_labour: Set(req.has_labour),
        status: Set(enum_str(&MonitoringStatus::Alerted)),
        decision_due_at: Set(due),
        decided_at: Set(None),
        monitored_since: Set(None),
        risk_removed_at: Set(None),
        version: Set(1),
        created_by: Set(p.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| if chain_store::is_unique_violation(&e) { already_open() } else { internal(e) })?;
    record(&txn, &p, "monitoring.open", &village, id, None, MonitoringStatus::Alerted).await?;
    let [county, township, village_code] = layers(&village)?;
    let steps = [
        ProcedureStep { division: county.clone(), notice_kind: None },
        ProcedureStep { division: township, notice_kind: None },
        ProcedureStep { division: village_code.clone(), notice_kind: Some(policy.notice_kind.as_str()) },
    ];
    let title = format!("Return-to-poverty monitoring case {id}");
    s.engine.open_procedure_steps(&txn, &p.subject, PROCEDURE, &title, id, &steps).await.map_err(internal)?;
    // The county decides within the policy's days of the first signal, whoever holds the case.
    s.engine.set_due(&txn, PROCEDURE, id, &county, due).await.map_err(internal)?;
    tasks(&s.engine, &txn, &p, id, &[(&village_code, Action::Start)], None).await?;
    txn.commit().await.map_err(internal)?;
    s.outbox.wake();
    tracing::info!(case = %id, village = %village, "monitoring case opened");
    load(&s, id).await
}

pub(crate) async fn load(s: &State, id: Uuid) -> Result<MonitoringCase, Problem> {
    let (_, mut c) = store::load(&s.db, id).await.map_err(internal)?.ok_or_else(hidden)?;
    c.notice = s.engine.open_notice_about(&s.db, PROCEDURE, id).await.map_err(internal)?;
    Ok(c)
}

/// Reads a case inside the caller's jurisdiction.
async fn get(s: State, p: Principal, req: ById) -> Result<MonitoringCase, Problem> {
    let c = load(&s, req.id).await?;
    if !chain_workflow::rules::covers(&p, &c.village) {
        return Err(hidden());
    }
    Ok(c)
}

/// Lists cases inside the caller's jurisdiction (at most 500, oldest first).
async fn list(s: State, p: Principal, q: MonitoringQuery) -> Result<Vec<MonitoringCase>, Problem> {
    let mut find = case::Entity::find().filter(case::Column::Village.starts_with(chain_workflow::rules::prefix_of(&p)));
    if let Some(d) = &q.division {
        let d = Division::parse(d).map_err(|e| Problem::invalid("division", e.to_string()))?;
        find = find.filter(case::Column::Village.starts_with(d.as_str()));
    }
    if let Some(g) = q.group {
        find = find.filter(case::Column::GroupName.eq(enum_str(&g)));
    }
    if let Some(st) = q.status {
        find = find.filter(case::Column::Status.eq(enum_str(&st)));
    }
    let rows = find
        .order_by_asc(case::Column::CreatedAt)
        .order_by_asc(case::Column::Id)
        .limit(500)
        .all(&s.db)
        .await
        .map_err(internal)?;
    let measures = measure::Entity::find()
        .filter(measure::Column::CaseId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(measure::Column::Id)
        .all(&s.db)
        .await
        .map_err(internal)?;
    rows.iter()
        .map(|r| {
            let mine = measures
                .iter()
                .filter(|m| m.case_id == r.id)
                .map(|m| chain_api::monitoring::Measure {
                    description: m.description.clone(),
                    recorded_by: m.recorded_by.clone(),
                    recorded_at: m.recorded_at,
                })
                .collect();
            store::to_api(r, mine).map_err(internal)
        })
        .collect()
}

fn note(n: &Option<String>) -> Result<Option<String>, Problem> {
    let n = n.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if n.is_some_and(|n| n.chars().count() > 2000) {
        return Err(Problem::invalid("note", "at most 2000 characters"));
    }
    Ok(n.map(str::to_owned))
}

const ANY: &[Role] = &[Role::Operator, Role::Approver];
const APPROVER: &[Role] = &[Role::Approver];

/// The village's home visit (village operator or approver); may correct the labour capacity.
async fn visit(s: State, p: Principal, req: StepReq<HomeVisit>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?;
    let extra = req.body.has_labour.map(|l| vec![(case::Column::HasLabour, Expr::value(l))]).unwrap_or_default();
    let g = Guard { roles: ANY, layer: Some(Layer::Village), step: Step::Visit, action: "monitoring.visit" };
    step(&s, &p, &req, g, n, |_, _| Ok(extra)).await
}

/// The household's consent (village); without it the case is closed.
async fn consent(s: State, p: Principal, req: StepReq<Consent>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?;
    let st = Step::Consent { given: req.body.given };
    let g = Guard { roles: ANY, layer: Some(Layer::Village), step: st, action: "monitoring.consent" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The county's data matching (county operator or approver); facts not confirmed close the case.
async fn match_data(s: State, p: Principal, req: StepReq<DataMatch>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?;
    let st = Step::Match { passed: req.body.passed };
    let g = Guard { roles: ANY, layer: Some(Layer::County), step: st, action: "monitoring.match" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The village's democratic appraisal (village approver): a majority of the votes cast.
async fn appraise(s: State, p: Principal, req: StepReq<Appraisal>) -> Result<MonitoringCase, Problem> {
    let a = &req.body;
    let cast = a.votes_for.saturating_add(a.votes_against);
    if cast == 0 || cast > 10_000 {
        return Err(Problem::invalid("votes_for", "the votes cast (for + against) number 1 to 10000"));
    }
    let remark = note(&a.note)?.map(|n| format!("; {n}")).unwrap_or_default();
    let n = Some(format!("democratic appraisal: {} for, {} against{remark}", a.votes_for, a.votes_against));
    let st = Step::Appraise { passed: a.votes_for > a.votes_against };
    let g = Guard { roles: APPROVER, layer: Some(Layer::Village), step: st, action: "monitoring.appraise" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The village posts its notice (village approver); after an objection, once it is resolved.
async fn post_notice(s: State, p: Principal, req: StepReq<Decision>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?;
    let g = Guard {
        roles: APPROVER,
        layer: Some(Layer::Village),
        step: Step::PostNotice,
        action: "monitoring.post-notice",
    };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The township's review once the notice has passed (township approver).
async fn review(s: State, p: Principal, req: StepReq<Decision>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?;
    let g = Guard { roles: APPROVER, layer: Some(Layer::Township), step: Step::Review, action: "monitoring.review" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The county's decision (county approver): included households are monitored from now on.
async fn decide(s: State, p: Principal, req: StepReq<MonitoringDecision>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?;
    let include = req.body.include;
    let st = Step::Decide { include };
    let g = Guard { roles: APPROVER, layer: Some(Layer::County), step: st, action: "monitoring.decide" };
    step(&s, &p, &req, g, n, |_, now| {
        let mut extra = vec![(case::Column::DecidedAt, Expr::value(Some(now)))];
        if include {
            extra.push((case::Column::MonitoredSince, Expr::value(Some(now))));
        }
        Ok(extra)
    })
    .await
}

/// Records an assistance measure (operator or approver of any layer over the village).
async fn add_measure(s: State, p: Principal, req: StepReq<NewMeasure>) -> Result<MonitoringCase, Problem> {
    let d = req.body.description.trim().to_owned();
    if d.is_empty() || d.chars().count() > 500 {
        return Err(Problem::invalid("description", "1–500 characters"));
    }
    let g = Guard { roles: ANY, layer: None, step: Step::AddMeasure, action: "monitoring.add-measure" };
    step(&s, &p, &req, g, Some(d), |_, _| Ok(vec![])).await
}

/// The county removes the risk (county approver) when the rules allow it.
async fn remove_risk(s: State, p: Principal, req: StepReq<RemoveRisk>) -> Result<MonitoringCase, Problem> {
    let n = note(&req.body.note)?.unwrap_or_default();
    let b = req.body.clone();
    let text = format!("income {} fen, stable since {}{}", b.per_capita_income_fen, b.stable_since, suffix(&n));
    let g =
        Guard { roles: APPROVER, layer: Some(Layer::County), step: Step::RemoveRisk, action: "monitoring.remove-risk" };
    step(&s, &p, &req, g, Some(text), move |row, now| {
        let policy = policies().for_division(&Division::parse(&row.case.village).map_err(internal)?);
        let since = row.case.monitored_since.ok_or_else(Problem::internal)?;
        let removal = rules::Removal {
            has_labour: row.case.has_labour,
            measures: row.measures,
            monitored_since: chain_domain::calendar::beijing_date(since),
            today: chain_domain::calendar::beijing_date(now),
            income_fen: b.per_capita_income_fen,
            stable_since: b.stable_since,
            ceiling_fen: row.case.ceiling_fen,
        };
        rules::may_remove(&removal, policy)?;
        Ok(vec![(case::Column::RiskRemovedAt, Expr::value(Some(now)))])
    })
    .await
}

/// The county puts a household whose risk was removed back under monitoring (county approver),
/// with its reason; the half year of monitoring starts again.
async fn reinstate(s: State, p: Principal, req: StepReq<Reason>) -> Result<MonitoringCase, Problem> {
    let r = req.body.reason.trim().to_owned();
    if r.is_empty() || r.chars().count() > 2000 {
        return Err(Problem::invalid("reason", "1–2000 characters"));
    }
    let g =
        Guard { roles: APPROVER, layer: Some(Layer::County), step: Step::Reinstate, action: "monitoring.reinstate" };
    step(&s, &p, &req, g, Some(r), |_, now| {
        Ok(vec![
            (case::Column::MonitoredSince, Expr::value(Some(now))),
            (case::Column::RiskRemovedAt, Expr::value(Option::<DateTime<Utc>>::None)),
        ])
    })
    .await
}

fn suffix(n: &str) -> String {
    if n.is_empty() { String::new() } else { format!("; {n}") }
}

pub use crate::monitoring_flow::on_notice;
