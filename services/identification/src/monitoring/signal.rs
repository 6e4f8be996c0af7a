//! Opening a monitoring case from a signal — checked against the monitoring range first, so
//! nothing out of range is stored — and reading cases.

use anyhow::Context;
use chain_api::monitoring::{Measure, MonitoringCase, MonitoringQuery, MonitoringStatus, OpenMonitoringCase};
use chain_api::step::ById;
use chain_api::{Principal, Problem, Role};
use chain_domain::{Division, PovertyLines, ResidentId};
use chain_store::text::enum_str;
use chain_workflow::{Action, ProcedureStep};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect, TransactionTrait};

use super::case::{self, PROCEDURE, already_open, hidden, open_key, policies};
use crate::State;
use crate::domain::monitoring as rules;
use crate::error::{self, Result};
use crate::store::households::household;
use crate::store::monitoring::{self as cases, case as case_row, measure};
use crate::tasks::layers;

/// Opens a case from a signal: checked against the range first, so nothing out of range is stored.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn open(s: State, p: Principal, req: OpenMonitoringCase) -> Result<MonitoringCase> {
    let now = s.now();
    let valid = rules::signal(&req, chain_domain::calendar::beijing_date(now))?;
    let village = valid.village;
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
        return Err(Problem::forbidden("the village is outside your jurisdiction").into());
    }
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("recording a monitoring signal needs the operator role").into());
    }
    if let Some(h) = req.household_id {
        let found = household::Entity::find_by_id(h).one(&s.db).await?;
        if found.is_none_or(|row| row.village != village.as_str()) {
            return Err(Problem::invalid("household_id", "no such household in this village").into());
        }
    }
    let index = valid.head_id.as_ref().map(|id| s.pii.blind_index(id));
    if let Some(ix) = &index
        && let Some((held, visible)) = crate::active_ids::holder(&s.db, &p, ix).await?
    {
        // The duplicate check of every entry path: this person is in the register already.
        let message = if visible {
            format!("belongs to active household {held}; record the signal against its household_id")
        } else {
            "belongs to an active household in the register (outside your jurisdiction)".to_owned()
        };
        let detail = "the head's resident ID number already belongs to an active household";
        return Err(error::duplicate_id(detail, "head_resident_id", message).into());
    }
    let id = Uuid::now_v7();
    let txn = s.db.begin().await?;
    let due = rules::decision_due(req.signal_date, policy);
    let inserted = case_row::ActiveModel {
        id: Set(id),
        village: Set(village.to_string()),
        household_id: Set(req.household_id),
        head_name: Set(req.household_id.is_none().then(|| req.head_name.as_deref().unwrap_or_default().trim().into())),
        head_id_masked: Set(valid.head_id.as_ref().map(ResidentId::masked)),
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
        reasons: Set(serde_json::to_string(&reasons).context("encoding the range reasons")?),
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
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if chain_store::is_unique_violation(&e) => return Err(already_open().into()),
        Err(e) => return Err(e.into()),
    };
    case::record(&txn, now, &p, "monitoring.open", &row, None, MonitoringStatus::Alerted).await?;
    let [county, township, village_code] = layers(&village)?;
    let steps = [
        ProcedureStep { division: county.clone(), notice_kind: None },
        ProcedureStep { division: township, notice_kind: None },
        ProcedureStep { division: village_code.clone(), notice_kind: Some(policy.notice_kind.as_str()) },
    ];
    let title = format!("Return-to-poverty monitoring case {id}");
    s.engine.open_procedure_steps(&txn, &p.subject, PROCEDURE, &title, id, &steps).await?;
    // The county decides within the policy's days of the first signal, whoever holds the case.
    s.engine.set_due(&txn, PROCEDURE, id, &county, due).await?;
    s.engine.advance(&txn, &p, PROCEDURE, id, &[(&village_code, Action::Start)], None).await?;
    txn.commit().await?;
    s.outbox.wake();
    tracing::info!(case = %id, village = %village, "monitoring case opened");
    case::load(&s, id).await
}

/// Reads a case inside the caller's jurisdiction.
pub async fn get(s: State, p: Principal, req: ById) -> Result<MonitoringCase> {
    let c = case::load(&s, req.id).await?;
    if !chain_workflow::rules::covers(&p, &c.village) {
        return Err(hidden().into());
    }
    Ok(c)
}

/// Lists cases inside the caller's jurisdiction (at most 500, oldest first).
pub async fn list(s: State, p: Principal, q: MonitoringQuery) -> Result<Vec<MonitoringCase>> {
    let mut find =
        case_row::Entity::find().filter(case_row::Column::Village.starts_with(chain_workflow::rules::prefix_of(&p)));
    if let Some(d) = &q.division {
        let d = Division::parse(d).map_err(|e| Problem::invalid("division", e.to_string()))?;
        find = find.filter(case_row::Column::Village.starts_with(d.as_str()));
    }
    if let Some(g) = q.group {
        find = find.filter(case_row::Column::GroupName.eq(enum_str(&g)));
    }
    if let Some(st) = q.status {
        find = find.filter(case_row::Column::Status.eq(enum_str(&st)));
    }
    let rows =
        find.order_by_asc(case_row::Column::CreatedAt).order_by_asc(case_row::Column::Id).limit(500).all(&s.db).await?;
    let measures = measure::Entity::find()
        .filter(measure::Column::CaseId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(measure::Column::Id)
        .all(&s.db)
        .await?;
    let cases = rows.iter().map(|r| {
        let mine = measures
            .iter()
            .filter(|m| m.case_id == r.id)
            .map(|m| Measure {
                description: m.description.clone(),
                recorded_by: m.recorded_by.clone(),
                recorded_at: m.recorded_at,
            })
            .collect();
        cases::to_api(r, mine)
    });
    Ok(cases.collect::<Result<_, DbErr>>()?)
}
