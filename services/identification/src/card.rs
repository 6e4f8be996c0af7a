//! The household file card (建档立卡) as stored with the household row — the bank account
//! masked, the helpers kept apart — and its helper history (帮扶责任人): a county or township
//! official records a new helper, the previous one's assignment ending the day before.

use anyhow::Context;
use chain_api::card::{AssignHelper, BankAccount, Card, CardInput, HelperAssignment, IncomeSummary};
use chain_api::identification::Household;
use chain_api::step::Step;
use chain_api::{Principal, Problem, Role};
use chain_domain::{Invalid, Layer};
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use sea_orm::entity::prelude::*;

use crate::State;
use crate::domain::card::{self as rules, mask_account, net_income};
use crate::domain::household::holds_ids;
use crate::error::Result;
use crate::household::{self, hidden};
use crate::store::households::household as household_row;

/// The card as stored with the household row: the bank account masked, helpers kept apart.
pub fn stored(input: &CardInput) -> Card {
    Card {
        standard: input.standard,
        income: input.income.map(|i| IncomeSummary { by_type: i, net_fen: net_income(&i) }),
        housing: input.housing.clone(),
        drinking_water_safe: input.drinking_water_safe,
        electricity: input.electricity,
        distance_to_market_km: input.distance_to_market_km,
        bank_account: input
            .bank_account
            .as_ref()
            .map(|b| BankAccount { bank: b.bank.trim().to_owned(), number: mask_account(&b.number) }),
        helper: None,
        helpers: vec![],
    }
}

/// The helper history an application starts with: its helper, if it names one.
pub fn first_helper(input: &CardInput, p: &Principal, now: DateTime<Utc>) -> Vec<HelperAssignment> {
    input.helper.iter().map(|h| assignment(h, p, now)).collect()
}

fn assignment(h: &AssignHelper, p: &Principal, now: DateTime<Utc>) -> HelperAssignment {
    HelperAssignment {
        name: h.name.trim().to_owned(),
        unit: h.unit.trim().to_owned(),
        since: h.since,
        until: None,
        assigned_by: p.subject.clone(),
        recorded_at: now,
    }
}

/// A county or township official records a new helper for the household; the previous one's
/// assignment ends the day before.
pub async fn assign_helper(s: State, p: Principal, req: Step<AssignHelper>) -> Result<Household> {
    let helper = rules::helper(&req.body)?;
    let txn = s.db.begin().await?;
    let (row, current) = household::read(&txn, req.id).await?;
    let village = household::village_of(&row)?;
    p.require_within(&[Role::Operator, Role::Approver], &village, hidden())?;
    if !matches!(p.layer(), Layer::County | Layer::Township) {
        return Err(Problem::forbidden("helpers are assigned by the county or the township").into());
    }
    household::check_version(&row, req.expected_version)?;
    if !holds_ids(current.status) {
        return Err(Problem::transition("a household that was turned down or has exited gets no new helper").into());
    }
    let mut helpers = current.card.helpers.clone();
    if let Some(last) = helpers.last_mut().filter(|h| h.until.is_none()) {
        if helper.since <= last.since {
            let why = format!("must be after {}, when the current helper started", last.since);
            return Err(Invalid::field("since", why).into());
        }
        last.until = helper.since.pred_opt();
    }
    let now = s.now();
    helpers.push(assignment(&helper, &p, now));
    let helpers = serde_json::to_string(&helpers).context("encoding the helper history")?;
    household::update(&txn, &row, now, vec![(household_row::Column::Helpers, Expr::value(helpers))]).await?;
    let note = format!("helper {} ({}) from {}", helper.name, helper.unit, helper.since);
    household::record(&txn, now, &p, "household.assign-helper", &row.village, row.id, Some(&note)).await?;
    txn.commit().await?;
    household::load(&s, req.id).await
}
