//! Reading plans: the current revision, an earlier one as it was, and the cause → measure rules.

use chain_api::planning::{CauseRule, KindBatch, MeasureKind, Plan, PlanRules, RevisionRef, RulesQuery};
use chain_api::step::ById;
use chain_api::{Principal, Problem};
use chain_domain::calendar::beijing_date;
use chain_domain::{Division, Invalid, Level, PovertyCause};
use chrono::Datelike;

use super::answer::{self, hidden, village_of};
use crate::State;
use crate::error::Result;
use crate::store::{helper, plan};

/// Reads a plan's current revision inside the caller's jurisdiction, or for the unit of the
/// household's helper.
pub async fn get(s: State, p: Principal, req: ById) -> Result<Plan> {
    let row = answer::row(&s.db, req.id).await?;
    if !p.covers(&village_of(&row)?) && !helper::sent_by(&s.db, row.household_id, &p).await? {
        return Err(hidden().into());
    }
    answer::answer(&s.db, &s, &row).await
}

/// Reads a revision of a plan: the current one as it is, an earlier one as it was when the next
/// replaced it.
pub async fn revision(s: State, p: Principal, req: RevisionRef) -> Result<Plan> {
    let row = answer::row(&s.db, req.id).await?;
    if !p.covers(&village_of(&row)?) && !helper::sent_by(&s.db, row.household_id, &p).await? {
        return Err(hidden().into());
    }
    if req.revision == row.revision {
        return answer::answer(&s.db, &s, &row).await;
    }
    plan::earlier(&s.db, row.id, req.revision).await?.ok_or_else(|| Problem::not_found("revision").into())
}

/// The rules in force for a year (default this year) and, optionally, a province.
pub async fn rules(s: State, _p: Principal, req: RulesQuery) -> Result<PlanRules> {
    let year = req.year.unwrap_or_else(|| beijing_date(s.now()).year());
    let mut bad = Invalid::new();
    if !(chain_api::limits::FIRST_YEAR..=2100).contains(&year) {
        bad.push("year", "must be between 2014 and 2100");
    }
    let province = match req.province.as_deref().map(Division::parse) {
        None => None,
        Some(Ok(d)) if d.level() == Level::Province => Some(d),
        Some(_) => {
            bad.push("province", "a 2-digit province code");
            None
        }
    };
    bad.or(())?;
    let code = province.as_ref().map(|p| p.to_string());
    let causes = PovertyCause::ALL
        .into_iter()
        .map(|cause| CauseRule {
            cause: cause.to_string(),
            kinds: s.rules.allowed_in(year, code.as_deref(), cause).kinds(),
        })
        .collect();
    let batches =
        MeasureKind::ALL.into_iter().map(|kind| KindBatch { kind, batch: s.rules.batch(year, kind) }).collect();
    Ok(PlanRules { year, province: province.map(|p| p.to_string()), causes, batches })
}
