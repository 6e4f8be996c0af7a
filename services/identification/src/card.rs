//! The household file card (建档立卡) as stored with the household row — the bank account
//! masked, the helpers kept apart — and its helper history (帮扶责任人), the one record of who
//! helps a household: a county or township official records a new helper, the previous one's
//! assignment ending the day before, and planning hears of it.

use anyhow::Context;
use chain_api::card::{AssignHelper, BankAccount, Card, CardInput, IncomeSummary};
use chain_api::events::{HELPER_CHANGED, HelperChanged};
use chain_api::identification::{Household, HouseholdStatus};
use chain_api::step::Step;
use chain_api::{Principal, Problem, Role};
use chain_domain::cadre::mask_phone;
use chain_domain::calendar::beijing_date;
use chain_domain::{Invalid, Layer};
use chain_store::outbox;
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use crate::State;
use crate::domain::card::{mask_account, net_income};
use crate::domain::helper as rules;
use crate::domain::household::holds_ids;
use crate::error::Result;
use crate::household::{self, hidden};
use crate::store::helpers::{self, helper as helper_row};

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

/// A county or township official records a new helper for the household — also an exited one,
/// which keeps its assistance. The previous assignment ends the day before; a cadre helps at most
/// the policy's number of households at once; `identification.helper-changed` tells planning.
pub async fn assign_helper(s: State, p: Principal, req: Step<AssignHelper>) -> Result<Household> {
    let now = s.now();
    let helper = rules::helper(&req.body, beijing_date(now))?;
    let txn = s.db.begin().await?;
    let (row, current) = household::read(&txn, req.id).await?;
    let village = household::village_of(&row)?;
    p.require_within(&[Role::Operator, Role::Approver], &village, hidden())?;
    if !matches!(p.layer(), Layer::County | Layer::Township) {
        return Err(Problem::forbidden("helpers are assigned by the county or the township").into());
    }
    household::check_version(&row, req.expected_version)?;
    if !holds_ids(current.status) && current.status != HouseholdStatus::Exited {
        return Err(Problem::transition("a household that was turned down or removed gets no new helper").into());
    }
    let index = s.pii.blind_index_text(&helper.phone);
    let history = helpers::history(&txn, row.id).await?;
    let previous = history.last().filter(|h| h.until.is_none());
    if let Some(last) = previous {
        if helper.since <= last.since {
            let why = format!("must be after {}, when the current helper started", last.since);
            return Err(Invalid::field("since", why).into());
        }
        if last.phone_index.as_deref() == Some(index.as_str()) {
            return Err(Invalid::field("phone", "this cadre is the household's helper already").into());
        }
    }
    helpers::lock_cadre(&txn, &index).await?;
    let cap = s.helpers.for_year(helper.since.year(), &village).max_households;
    if helpers::load_of(&txn, &index).await? >= u64::from(cap) {
        let why =
            format!("this cadre helps {cap} households already, the most the {} policy allows", helper.since.year());
        return Err(Invalid::field("phone", why).into());
    }
    let previous_until = helper.since.pred_opt();
    if let Some(last) = previous {
        let mut ended: helper_row::ActiveModel = last.clone().into();
        ended.until = Set(previous_until);
        ended.update(&txn).await?;
    }
    let masked = mask_phone(&helper.phone);
    helper_row::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(row.id),
        village: Set(row.village.clone()),
        position: Set(i32::try_from(history.len()).unwrap_or(i32::MAX)),
        name: Set(helper.name.clone()),
        unit: Set(helper.unit.clone()),
        unit_layer: Set(Some(helper.unit_layer.as_str().to_owned())),
        unit_division: Set(Some(helper.unit_division.clone())),
        phone_cipher: Set(Some(s.pii.encrypt_text(&helper.phone)?)),
        phone_masked: Set(Some(masked.clone())),
        phone_index: Set(Some(index)),
        since: Set(helper.since),
        until: Set(None),
        assigned_by: Set(p.subject.clone()),
        recorded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    household::update(&txn, &row, now, vec![]).await?;
    let note = format!("helper {} ({}) from {}", helper.name, helper.unit, helper.since);
    household::record(&txn, now, &p, "household.assign-helper", &row.village, row.id, Some(&note)).await?;
    let changed = HelperChanged {
        household_id: row.id,
        village: row.village.clone(),
        name: helper.name,
        unit: helper.unit,
        unit_layer: helper.unit_layer.as_str().to_owned(),
        unit_division: helper.unit_division,
        phone: masked,
        since: helper.since,
        previous_until: previous.and(previous_until),
    };
    let payload = serde_json::to_value(changed).context("encoding the helper change")?;
    let event = s.engine.event(HELPER_CHANGED, &row.village, row.id, &p.subject, payload);
    outbox::enqueue(&txn, s.bus.root(), &event).await?;
    txn.commit().await?;
    s.outbox.wake();
    household::load(&s, req.id).await
}
