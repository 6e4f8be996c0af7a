//! Payments to library projects: a county approver pays a project of the county from one of the
//! county's accounts of a fund the project names, while it is being carried out (a tranche, or
//! its management fee) or once accepted (the final payment). Each payment has a business key
//! within the project (`tranche`), and its transfer id is derived from the two, so the same
//! payment is never made twice — asked again with the same content it answers the first payment,
//! with other content it is a conflict — even without an `Idempotency-Key`. A payment never takes
//! the project past its budget, nor its management fee past the policy's cap; both are checked
//! by the conditional update that counts the payment, so concurrent payments cannot pass them.

use anyhow::Context;
use chain_api::projects::{PayProject, ProjectPayment, ProjectStatus};
use chain_api::step::Step;
use chain_api::{Principal, Problem};
use chain_domain::Money;
use chain_store::audit::{self, Entry};
use chain_store::text::parse_enum;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sha2::{Digest, Sha256};

use super::{county_approver, for_step};
use crate::domain::funds::Funds;
use crate::domain::projects as rules;
use crate::error::Result;
use crate::ledger::{self, EntryKind, Key, Transfer};
use crate::store::{project, project_payment};
use crate::{State, movement};

/// The transfer id of the payment `tranche` of project `id`: the same key, the same id.
pub fn transfer_id(id: Uuid, tranche: &str) -> Uuid {
    let digest = Sha256::digest(format!("chain/project-payment/{id}/{tranche}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A payment row in API form.
pub fn to_api(row: project_payment::Model) -> ProjectPayment {
    ProjectPayment {
        id: row.id,
        project_id: row.project_id,
        tranche: row.tranche,
        amount_fen: row.amount_fen,
        fund: row.fund,
        year: row.year,
        fee: row.fee,
        transfer_id: row.txn_id,
        paid_by: row.paid_by,
        created_at: row.created_at,
    }
}

/// `project.pay`: pays a project of the caller's county.
#[tracing::instrument(skip_all, fields(actor = %p.subject))]
pub async fn pay(s: State, p: Principal, req: Step<PayProject>) -> Result<ProjectPayment> {
    let tranche = chain_domain::text::clean(&req.body.tranche, chain_domain::text::Kind::Name)
        .map_err(|e| Problem::invalid("tranche", e.to_string()))?;
    let id = transfer_id(req.id, &tranche);
    let request = serde_json::json!({
        "verb": "project.pay",
        "by": p.jurisdiction.to_string(),
        "project_id": req.id,
        "tranche": tranche,
        "amount_fen": req.body.amount_fen,
        "fund": req.body.fund.trim(),
        "year": req.body.year,
        "fee": req.body.fee,
    })
    .to_string();
    // Whether the caller may pay this project is settled before the business key is looked up, so
    // an official of another county learns nothing from a key already paid (404, not 409).
    let (_, county) = for_step(&s.db, &p, req.id).await?;
    county_approver(&p, &county)?;
    let answer = movement::once(&s.db, id, &request, async |txn| {
        let (row, _) = for_step(txn, &p, req.id).await?;
        let sources: Vec<String> = row.fund_sources.split_whitespace().map(str::to_owned).collect();
        let valid = rules::validate_payment(&req.body, &sources)?;
        let status: ProjectStatus = parse_enum(&row.status).context("reading a project's status")?;
        rules::may_pay(status).map_err(Problem::transition)?;
        let x = valid.amount.fen();
        if row.paid_fen.saturating_add(x) > row.budget_fen {
            let left = Money::from_fen(row.budget_fen - row.paid_fen);
            return Err(Problem::invalid("amount_fen", format!("only {left} yuan of the budget is left to pay")).into());
        }
        if req.body.fee && row.fee_paid_fen.saturating_add(x) > row.fee_cap_fen {
            let detail = format!(
                "the management fee may total at most {} yuan (the policy's share of the budget); {} yuan is paid",
                Money::from_fen(row.fee_cap_fen),
                Money::from_fen(row.fee_paid_fen)
            );
            return Err(Problem::invalid("amount_fen", detail).into());
        }
        let fund = req.body.fund.trim();
        let from = Key::of(&row.county, fund, req.body.year);
        let to = Key { holder: ledger::project_holder(row.id), ..Key::of(&row.county, fund, req.body.year) };
        let (payment, at) = (Uuid::now_v7(), movement::now(&s));
        let transfer = Transfer {
            id,
            from_source: Funds::embedded().get(fund, req.body.year).is_some_and(|f| f.is_source(&row.county)),
            from,
            to,
            amount: valid.amount,
            kind: EntryKind::Project,
            ref_id: payment,
            request: request.clone(),
            by: p.subject.clone(),
            at,
        };
        ledger::transfer(txn, &transfer, false).await?;
        let fee = if req.body.fee { x } else { 0 };
        let counted = project::Entity::update_many()
            .col_expr(project::Column::PaidFen, Expr::col(project::Column::PaidFen).add(x))
            .col_expr(project::Column::FeePaidFen, Expr::col(project::Column::FeePaidFen).add(fee))
            .col_expr(project::Column::UpdatedAt, Expr::value(at))
            .col_expr(project::Column::Version, Expr::col(project::Column::Version).add(1))
            .filter(project::Column::Id.eq(row.id))
            .filter(project::Column::Status.eq(row.status.as_str()))
            .filter(project::Column::PaidFen.lte(row.budget_fen - x))
            .filter(project::Column::FeePaidFen.lte(row.fee_cap_fen - fee))
            .exec(txn)
            .await?;
        if counted.rows_affected != 1 {
            return Err(Problem::new(
                chain_api::ProblemKind::StaleVersion,
                "the project changed while being paid; read it again",
            )
            .into());
        }
        let paid = project_payment::ActiveModel {
            id: Set(payment),
            project_id: Set(row.id),
            tranche: Set(valid.tranche.clone()),
            amount_fen: Set(x),
            fund: Set(fund.to_owned()),
            year: Set(req.body.year),
            fee: Set(req.body.fee),
            txn_id: Set(id),
            paid_by: Set(p.subject.clone()),
            created_at: Set(at),
        }
        .insert(txn)
        .await?;
        let payload = serde_json::json!({
            "project_id": row.id, "tranche": paid.tranche, "amount_fen": x, "fund": paid.fund,
            "year": paid.year, "fee": paid.fee, "transfer_id": id,
        });
        audit::append(txn, s.now(), Entry::by(&p, "project.pay", &row.county).about(row.id).payload(&payload)).await?;
        let answer = to_api(paid);
        ledger::set_answer(txn, id, &answer).await?;
        tracing::info!(project = %row.id, amount = %valid.amount, "project paid");
        Ok(answer)
    })
    .await?;
    Ok(answer)
}
