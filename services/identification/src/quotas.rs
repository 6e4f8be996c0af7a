//! Scale control (规模控制): a county's identification quota for a year, broken down to its
//! villages, and the check at county approval that keeps each village within its places.
//!
//! Rules, decided here:
//! - no quota set for the county and year → approvals there are not limited (usage is still
//!   counted, so a quota set later starts from the truth);
//! - a county quota set, a village left out of the breakdown → the village has no places, and
//!   its approvals are refused until the county allots some;
//! - a place is used by every household approved in the village for the year; an exit later
//!   does not give it back (the quota limits how many are identified in the year);
//! - the breakdown never exceeds the county's total, and no village gets fewer places than it
//!   has already used.
//!
//! Every change is audited with the values before and after and the official's reason. The
//! approval takes its place with a conditional `UPDATE … SET used = used + 1 WHERE used < quota`
//! inside the approval's transaction, so two approvals racing for the last place cannot both win.

use std::collections::BTreeMap;

use anyhow::Context;
use chain_api::quotas::{Quota, QuotaRequest, SetCountyQuota, SetVillageQuotas, VillageQuota};
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::{Division, Invalid, Level, registry};
use chain_store::audit::{self, Entry};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, TransactionTrait};

use crate::State;
use crate::domain::{quota as rules, remarks};
use crate::error::{self, Result};
use crate::store::quotas::{county_quota, village_quota};

/// The county from a path, or 404.
fn county_of(code: &str) -> Result<Division, Problem> {
    match Division::parse(code) {
        Ok(d) if d.level() == Level::County && registry().exists(&d) => Ok(d),
        _ => Err(Problem::not_found("county")),
    }
}

/// Setting a quota is the county approver's, or an approver of the city, province or centre
/// above it; anyone else outside gets 403 (setting is creating in that division).
fn may_set(p: &Principal, county: &Division) -> Result<(), Problem> {
    p.require_within(&[Role::Approver], county, Problem::forbidden("the county is outside your jurisdiction"))
}

/// `quota.get`: the county's quota, breakdown and use, for anyone whose jurisdiction covers the
/// county; a township or village inside it sees the county's figures and its own villages' places.
pub async fn get(s: State, p: Principal, req: QuotaRequest<()>) -> Result<Quota> {
    let county = county_of(&req.county)?;
    let inside = p.jurisdiction.division().is_some_and(|d| county.contains(d));
    if !p.covers(&county) && !inside {
        return Err(Problem::not_found("county").into());
    }
    rules::year(req.year, s.now().year())?;
    let mut quota = read(&s.db, &county, req.year).await?;
    if !p.covers(&county) {
        quota.villages.retain(|v| Division::parse(&v.village).is_ok_and(|d| p.covers(&d)));
    }
    Ok(quota)
}

async fn read<C: ConnectionTrait>(conn: &C, county: &Division, year: i32) -> Result<Quota> {
    let row = county_quota::Entity::find_by_id((county.to_string(), year)).one(conn).await?;
    let villages = village_quota::Entity::find()
        .filter(village_quota::Column::County.eq(county.as_str()))
        .filter(village_quota::Column::Year.eq(year))
        .order_by_asc(village_quota::Column::Village)
        .all(conn)
        .await?;
    let villages: Vec<VillageQuota> = villages
        .into_iter()
        .filter(|v| v.quota.is_some() || v.used > 0)
        .map(|v| VillageQuota {
            name: Division::parse(&v.village).ok().and_then(|d| registry().name(&d).map(str::to_owned)),
            village: v.village,
            quota: v.quota,
            used: v.used,
        })
        .collect();
    Ok(Quota {
        county: county.to_string(),
        year,
        total: row.as_ref().map(|r| r.total),
        allotted: villages.iter().filter_map(|v| v.quota).sum(),
        used: villages.iter().map(|v| v.used).sum(),
        villages,
        version: row.as_ref().map_or(0, |r| r.version),
        updated_at: row.map(|r| r.updated_at),
    })
}

/// `quota.set`: sets or changes the county's total. It may not fall below the places already
/// allotted to villages, nor below the households already approved.
pub async fn set(s: State, p: Principal, req: QuotaRequest<SetCountyQuota>) -> Result<Quota> {
    let county = county_of(&req.county)?;
    may_set(&p, &county)?;
    let now = s.now();
    rules::year(req.year, now.year())?;
    let reason = &remarks::reason(&req.body.reason)?;
    let total = req.body.total;
    rules::total(total)?;
    let txn = s.db.begin().await?;
    let key = (county.to_string(), req.year);
    // Lock the row first (PostgreSQL holds the update's row lock to commit), so a concurrent
    // breakdown or change of the total waits and then sees this one.
    let bumped = county_quota::Entity::update_many()
        .col_expr(county_quota::Column::Version, Expr::col(county_quota::Column::Version).add(1))
        .filter(county_quota::Column::County.eq(county.as_str()))
        .filter(county_quota::Column::Year.eq(req.year))
        .exec(&txn)
        .await?;
    let before = if bumped.rows_affected == 1 {
        county_quota::Entity::find_by_id(key.clone()).one(&txn).await?.map(|r| r.total)
    } else {
        None
    };
    let current = read(&txn, &county, req.year).await?;
    let floor = std::cmp::max(current.allotted, current.used);
    if total < floor {
        let why = format!(
            "{} places are allotted to villages and {} households approved; lower the breakdown first",
            current.allotted, current.used
        );
        return Err(Invalid::field("total", why).into());
    }
    if before == Some(total) {
        // A repeated PUT changes nothing: the version bump above is rolled back, nothing audited.
        txn.rollback().await?;
        return read(&s.db, &county, req.year).await;
    }
    if before.is_some() {
        county_quota::Entity::update_many()
            .col_expr(county_quota::Column::Total, Expr::value(total))
            .col_expr(county_quota::Column::UpdatedAt, Expr::value(now))
            .filter(county_quota::Column::County.eq(county.as_str()))
            .filter(county_quota::Column::Year.eq(req.year))
            .exec(&txn)
            .await?;
    } else {
        let inserted = county_quota::ActiveModel {
            county: Set(key.0.clone()),
            year: Set(req.year),
            total: Set(total),
            version: Set(1),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await;
        if let Err(e) = inserted {
            return Err(if chain_store::is_unique_violation(&e) { error::stale("quota").into() } else { e.into() });
        }
    }
    let change = match before {
        Some(b) => format!("total {b} → {total}"),
        None => format!("total set to {total}"),
    };
    let payload = serde_json::json!({ "county": county.as_str(), "year": req.year, "before": before, "after": total });
    record(&txn, now, &p, "quota.set", &county, &format!("{reason} [{} {change}]", req.year), &payload).await?;
    let answer = read(&txn, &county, req.year).await?;
    txn.commit().await?;
    tracing::info!(county = %county, year = req.year, %change, "county quota changed");
    Ok(answer)
}

/// `quota.allot`: replaces the county's breakdown to its villages.
pub async fn allot(s: State, p: Principal, req: QuotaRequest<SetVillageQuotas>) -> Result<Quota> {
    let county = county_of(&req.county)?;
    may_set(&p, &county)?;
    let now = s.now();
    rules::year(req.year, now.year())?;
    let reason = &remarks::reason(&req.body.reason)?;
    rules::breakdown(&county, &req.body.villages)?;
    let txn = s.db.begin().await?;
    // Lock the county's row: a concurrent change of the total or the breakdown waits for us.
    let bumped = county_quota::Entity::update_many()
        .col_expr(county_quota::Column::Version, Expr::col(county_quota::Column::Version).add(1))
        .col_expr(county_quota::Column::UpdatedAt, Expr::value(now))
        .filter(county_quota::Column::County.eq(county.as_str()))
        .filter(county_quota::Column::Year.eq(req.year))
        .exec(&txn)
        .await?;
    if bumped.rows_affected != 1 {
        let why = format!("county {county} has no quota for {}; set its total first", req.year);
        return Err(Problem::new(ProblemKind::Conflict, why).into());
    }
    let current = read(&txn, &county, req.year).await?;
    let total = current.total.unwrap_or_default();
    let sum: i64 = req.body.villages.values().sum();
    if sum > total {
        let why = format!("the breakdown allots {sum} places; the county has {total}");
        return Err(Invalid::field("villages", why).into());
    }
    // Every row, including villages a past breakdown left without places (and none used), so
    // that giving them places again updates their row rather than inserting a second one.
    let rows = village_quota::Entity::find()
        .filter(village_quota::Column::County.eq(county.as_str()))
        .filter(village_quota::Column::Year.eq(req.year))
        .all(&txn)
        .await?;
    let before: BTreeMap<&str, (Option<i64>, i64)> =
        rows.iter().map(|v| (v.village.as_str(), (v.quota, v.used))).collect();
    let mut bad = Invalid::new();
    for (village, (_, used)) in &before {
        let given = req.body.villages.get(*village).copied().unwrap_or(0);
        if *used > given {
            let why = format!("{used} households are already approved here; allot at least {used} places");
            bad.push(format!("villages/{village}"), why);
        }
    }
    bad.or(())?;
    let mut changes = Vec::new();
    for (village, (quota, _)) in &before {
        let after = req.body.villages.get(*village).copied();
        if after != *quota {
            changes.push(((*village).to_owned(), *quota, after));
            let updated = village_quota::Entity::update_many()
                .col_expr(village_quota::Column::Quota, Expr::value(after))
                .filter(village_quota::Column::Village.eq(*village))
                .filter(village_quota::Column::Year.eq(req.year))
                .filter(village_quota::Column::Used.lte(after.unwrap_or(0)))
                .exec(&txn)
                .await?;
            if updated.rows_affected != 1 {
                return Err(error::stale("quota").into());
            }
        }
    }
    for (village, places) in req.body.villages.iter().filter(|(v, _)| !before.contains_key(v.as_str())) {
        changes.push((village.clone(), None, Some(*places)));
        let inserted = village_quota::ActiveModel {
            village: Set(village.clone()),
            year: Set(req.year),
            county: Set(county.to_string()),
            quota: Set(Some(*places)),
            used: Set(0),
        }
        .insert(&txn)
        .await;
        if let Err(e) = inserted {
            return Err(if chain_store::is_unique_violation(&e) { error::stale("quota").into() } else { e.into() });
        }
    }
    if changes.is_empty() {
        // A repeated PUT changes nothing: the version bump above is rolled back, nothing audited.
        txn.rollback().await?;
        return read(&s.db, &county, req.year).await;
    }
    let show = |q: Option<i64>| q.map_or("none".to_owned(), |q| q.to_string());
    let summary =
        changes.iter().map(|(v, b, a)| format!("{v}: {} → {}", show(*b), show(*a))).collect::<Vec<_>>().join(", ");
    let payload = serde_json::json!({
        "county": county.as_str(), "year": req.year,
        "changes": changes.iter().map(|(v, b, a)| serde_json::json!({ "village": v, "before": b, "after": a })).collect::<Vec<_>>(),
    });
    record(&txn, now, &p, "quota.allot", &county, &format!("{reason} [{} {summary}]", req.year), &payload).await?;
    let answer = read(&txn, &county, req.year).await?;
    txn.commit().await?;
    tracing::info!(county = %county, year = req.year, changed = changes.len(), "village quotas changed");
    Ok(answer)
}

/// Audits a change of the county's quota or breakdown, with the values before and after.
async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    p: &Principal,
    action: &str,
    county: &Division,
    reason: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    audit::append(conn, at, Entry::by(p, action, county.as_str()).reason(Some(reason)).payload(payload)).await?;
    Ok(())
}

/// Takes one of the village's places for a household the county is approving, inside the
/// approval's transaction; refuses (409 `quota-exceeded`) when none is left. Without a county
/// quota for the year the approval is not limited, but still counted.
pub async fn take_place<C: ConnectionTrait>(conn: &C, village: &Division, year: i32) -> Result<()> {
    let county = village.ancestor_at(Level::County).context("a village's county")?;
    let limited = county_quota::Entity::find_by_id((county.to_string(), year)).one(conn).await?.is_some();
    if !limited {
        let row = village_quota::ActiveModel {
            village: Set(village.to_string()),
            year: Set(year),
            county: Set(county.to_string()),
            quota: Set(None),
            used: Set(1),
        };
        village_quota::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([village_quota::Column::Village, village_quota::Column::Year])
                    .value(
                        village_quota::Column::Used,
                        Expr::col((village_quota::Entity, village_quota::Column::Used)).add(1),
                    )
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        return Ok(());
    }
    // The row lock taken by this update makes a concurrent approval wait and then re-check
    // `used < quota` against the committed count: exactly one takes the last place.
    let taken = village_quota::Entity::update_many()
        .col_expr(village_quota::Column::Used, Expr::col(village_quota::Column::Used).add(1))
        .filter(village_quota::Column::Village.eq(village.as_str()))
        .filter(village_quota::Column::Year.eq(year))
        .filter(Expr::col(village_quota::Column::Used).lt(Expr::col(village_quota::Column::Quota)))
        .exec(conn)
        .await?;
    if taken.rows_affected == 1 {
        return Ok(());
    }
    let row = village_quota::Entity::find_by_id((village.to_string(), year)).one(conn).await?;
    let detail = match row {
        Some(village_quota::Model { quota: Some(q), used, .. }) => format!(
            "village {village} has used {used} of its {q} places for {year}; the county must raise the village's quota before approving more"
        ),
        _ => format!(
            "county {county} has a quota for {year} but allots no places to village {village}; the county must allot places to it first"
        ),
    };
    Err(Problem::new(ProblemKind::QuotaExceeded, detail).into())
}
