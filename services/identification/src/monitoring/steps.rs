//! The steps of a monitoring case after its signal, each through [`super::flow::step`]: the
//! village's visit, consent, appraisal and notice, the county's data matching, the township's
//! review, the county's decision, and the measures, risk removal and reinstatement that follow.

use anyhow::Context;
use chain_api::identification::{Appraisal, DataMatch};
use chain_api::monitoring::{Consent, HomeVisit, MonitoringCase, MonitoringDecision, NewMeasure, Reason, RemoveRisk};
use chain_api::step::{Decision, Step as StepReq};
use chain_api::{Principal, Role};
use chain_domain::{Invalid, Layer};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use super::case::policies;
use super::flow::{Guard, step};
use crate::State;
use crate::domain::monitoring::{self as rules, Step};
use crate::domain::remarks;
use crate::error::Result;
use crate::store::households::division;
use crate::store::monitoring::case;

/// A step's optional note, trimmed and bounded.
fn note(n: &Option<String>) -> Result<Option<String>> {
    Ok(remarks::note(n.as_deref())?)
}

const ANY: &[Role] = &[Role::Operator, Role::Approver];
const APPROVER: &[Role] = &[Role::Approver];

/// The village's home visit (village operator or approver); may correct the labour capacity.
pub async fn visit(s: State, p: Principal, req: StepReq<HomeVisit>) -> Result<MonitoringCase> {
    let n = note(&req.body.note)?;
    let extra = req.body.has_labour.map(|l| vec![(case::Column::HasLabour, Expr::value(l))]).unwrap_or_default();
    let g = Guard { roles: ANY, layer: Some(Layer::Village), step: Step::Visit, action: "monitoring.visit" };
    step(&s, &p, &req, g, n, |_, _| Ok(extra)).await
}

/// The household's consent (village); without it the case is closed.
pub async fn consent(s: State, p: Principal, req: StepReq<Consent>) -> Result<MonitoringCase> {
    let n = note(&req.body.note)?;
    let st = Step::Consent { given: req.body.given };
    let g = Guard { roles: ANY, layer: Some(Layer::Village), step: st, action: "monitoring.consent" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The county's data matching (county operator or approver); facts not confirmed close the case.
pub async fn match_data(s: State, p: Principal, req: StepReq<DataMatch>) -> Result<MonitoringCase> {
    let n = note(&req.body.note)?;
    let st = Step::Match { passed: req.body.passed };
    let g = Guard { roles: ANY, layer: Some(Layer::County), step: st, action: "monitoring.match" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The village's democratic appraisal (village approver): a majority of the votes cast.
pub async fn appraise(s: State, p: Principal, req: StepReq<Appraisal>) -> Result<MonitoringCase> {
    let a = &req.body;
    let passed = remarks::appraisal(a)?;
    let n = Some(remarks::appraisal_note(a, remarks::note(a.note.as_deref())?.as_deref()));
    let st = Step::Appraise { passed };
    let g = Guard { roles: APPROVER, layer: Some(Layer::Village), step: st, action: "monitoring.appraise" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The village posts its notice (village approver); after an objection, once it is resolved.
pub async fn post_notice(s: State, p: Principal, req: StepReq<Decision>) -> Result<MonitoringCase> {
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
pub async fn review(s: State, p: Principal, req: StepReq<Decision>) -> Result<MonitoringCase> {
    let n = note(&req.body.note)?;
    let g = Guard { roles: APPROVER, layer: Some(Layer::Township), step: Step::Review, action: "monitoring.review" };
    step(&s, &p, &req, g, n, |_, _| Ok(vec![])).await
}

/// The county's decision (county approver): included households are monitored from now on.
pub async fn decide(s: State, p: Principal, req: StepReq<MonitoringDecision>) -> Result<MonitoringCase> {
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
pub async fn add_measure(s: State, p: Principal, req: StepReq<NewMeasure>) -> Result<MonitoringCase> {
    let d = req.body.description.trim().to_owned();
    if d.is_empty() || d.chars().count() > chain_api::limits::MEASURE_CHARS {
        return Err(Invalid::field("description", "1–500 characters").into());
    }
    let g = Guard { roles: ANY, layer: None, step: Step::AddMeasure, action: "monitoring.add-measure" };
    step(&s, &p, &req, g, Some(d), |_, _| Ok(vec![])).await
}

/// The county removes the risk (county approver) when the rules allow it.
pub async fn remove_risk(s: State, p: Principal, req: StepReq<RemoveRisk>) -> Result<MonitoringCase> {
    let n = note(&req.body.note)?.unwrap_or_default();
    let b = req.body.clone();
    let text =
        format!("income {} fen, stable since {}{}", b.per_capita_income_fen, b.stable_since, remarks::suffix(Some(&n)));
    let g =
        Guard { roles: APPROVER, layer: Some(Layer::County), step: Step::RemoveRisk, action: "monitoring.remove-risk" };
    step(&s, &p, &req, g, Some(text), move |row, now| {
        let policy = policies().for_division(&division(&row.case.village)?);
        let since = row.case.monitored_since.context("the monitoring an included case is under")?;
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
pub async fn reinstate(s: State, p: Principal, req: StepReq<Reason>) -> Result<MonitoringCase> {
    let r = remarks::reason(&req.body.reason)?.to_owned();
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
