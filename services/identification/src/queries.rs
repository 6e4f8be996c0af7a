//! Reading the register: one household, households by division and filters, counts per division
//! by status, and the village's public notice board. Every query is a range scan over village codes (a division
//! prefix is the range `P000…` to `P999…`, which an ordinary B-tree index serves under any
//! collation) intersected with the caller's jurisdiction, plus at most one query for the members
//! of the rows found — never one query per row.

use std::collections::HashMap;

use chain_api::identification::{Household, HouseholdStatus, ReadHousehold};
use chain_api::queries::{
    BoardHousehold, BoardNotice, BoardQuery, BoardState, CountsQuery, DivisionCounts, GroupBy, HouseholdPage,
    HouseholdQuery, HouseholdSummary, StatusCounts,
};
use chain_api::workflow::NoticeState;
use chain_api::{Principal, Problem};
use chain_domain::{Division, Level, PovertyCause, registry};
use chain_kit::query::{limit, range, scope};
use chain_workflow::entity::{notice, task};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};

use crate::State;
use crate::domain::household::label as status_label;
use crate::error::Result;
use crate::household::{self, PROCEDURE, hidden};
use crate::store::households::{self, household as household_row, member};
use crate::store::{enum_str, parse_enum};

/// Reads a household inside the caller's jurisdiction, its personal data unmasked when asked
/// (and allowed).
pub async fn get(s: State, p: Principal, req: ReadHousehold) -> Result<Household> {
    let mut h = household::load(&s, req.id).await?;
    let village = households::division(&h.village)?;
    if !p.covers(&village) {
        return Err(hidden().into());
    }
    if req.unmask {
        crate::personal::unmask(&s, &p, &mut h).await?;
    }
    Ok(h)
}

/// Head name and size of each household among `ids`, in one query.
async fn heads<C: ConnectionTrait>(conn: &C, ids: Vec<Uuid>) -> Result<HashMap<Uuid, (String, u32)>> {
    let rows: Vec<(Uuid, String, String)> = member::Entity::find()
        .select_only()
        .column(member::Column::HouseholdId)
        .column(member::Column::Relation)
        .column(member::Column::Name)
        .filter(member::Column::HouseholdId.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<Uuid, (String, u32)> = HashMap::new();
    for (id, relation, name) in rows {
        let entry = out.entry(id).or_default();
        entry.1 += 1;
        if relation == "head" {
            entry.0 = name;
        }
    }
    Ok(out)
}

/// `household.list`: households in the caller's jurisdiction and the prefix, filtered, in id order.
pub async fn list(s: State, p: Principal, q: HouseholdQuery) -> Result<HouseholdPage> {
    let limit = limit(q.limit, 50, chain_api::limits::page::HOUSEHOLDS)?;
    let cause = match &q.cause {
        Some(c) => Some(c.parse::<PovertyCause>().map_err(|_| Problem::invalid("cause", "unknown poverty cause"))?),
        None => None,
    };
    let Some(prefix) = scope(&p, q.division.as_deref())? else {
        return Ok(HouseholdPage { items: vec![], next_after: None });
    };
    let (lo, hi) = range(&prefix);
    let mut find = household_row::Entity::find().filter(household_row::Column::Village.between(lo, hi));
    if let Some(status) = q.status {
        find = find.filter(household_row::Column::Status.eq(status_label(status)));
    }
    if let Some(c) = cause {
        find = find.filter(household_row::Column::MainCause.eq(c.to_string()));
    }
    if let Some(year) = q.year {
        find = find.filter(household_row::Column::Year.eq(year));
    }
    if let Some(after) = q.after {
        find = find.filter(household_row::Column::Id.gt(after));
    }
    let mut rows = find.order_by_asc(household_row::Column::Id).limit(limit + 1).all(&s.db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let heads = heads(&s.db, rows.iter().map(|r| r.id).collect()).await?;
    let items = rows
        .iter()
        .map(|h| {
            let (head, members) = heads.get(&h.id).cloned().unwrap_or_default();
            Ok(HouseholdSummary {
                id: h.id,
                village: h.village.clone(),
                year: h.year,
                kind: parse_enum(&h.kind)?,
                main_cause: h.main_cause.clone(),
                status: parse_enum(&h.status)?,
                head,
                members,
                per_capita_income_fen: h.per_capita_income_fen,
                version: h.version,
                updated_at: h.updated_at,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let next_after = if more { rows.last().map(|r| r.id) } else { None };
    Ok(HouseholdPage { items, next_after })
}

/// Which column of [`StatusCounts`] a status counts in.
fn bucket(counts: &mut StatusCounts, status: HouseholdStatus) -> &mut u64 {
    match status {
        // A household proposed for removal stays on the register until the county decides.
        HouseholdStatus::Identified
        | HouseholdStatus::RemovalFirstNotice
        | HouseholdStatus::RemovalAwaitingTownship
        | HouseholdStatus::RemovalSecondNotice
        | HouseholdStatus::RemovalAwaitingCounty
        | HouseholdStatus::RemovalObjected => &mut counts.identified,
        HouseholdStatus::Exited => &mut counts.exited,
        HouseholdStatus::Rejected | HouseholdStatus::Removed => &mut counts.rejected,
        _ => &mut counts.in_procedure,
    }
}

/// `household.counts`: households and members per division at the grouping level, by status —
/// one grouped query over the range.
pub async fn counts(s: State, p: Principal, q: CountsQuery) -> Result<Vec<DivisionCounts>> {
    let group = q.group_by.unwrap_or_default();
    let digits: i32 = match group {
        GroupBy::County => 6,
        GroupBy::Township => 9,
        GroupBy::Village => 12,
    };
    if let Some(d) = &q.division
        && d.len() > digits as usize
    {
        return Err(Problem::invalid("group_by", "must not be above the division's own level").into());
    }
    let Some(prefix) = scope(&p, q.division.as_deref())? else {
        return Ok(vec![]);
    };
    let (lo, hi) = range(&prefix);
    let village = Expr::col((household_row::Entity, household_row::Column::Village));
    let at_level = Func::cust("substr").arg(village.clone()).arg(1).arg(digits);
    let mut select = Query::select();
    select
        .expr_as(at_level, Alias::new("grouped_division"))
        .column((household_row::Entity, household_row::Column::Status))
        .expr(Func::count_distinct(Expr::col((household_row::Entity, household_row::Column::Id))))
        .expr(Func::count(Expr::col((member::Entity, member::Column::Id))))
        .from(household_row::Entity)
        .left_join(
            member::Entity,
            Expr::col((member::Entity, member::Column::HouseholdId))
                .equals((household_row::Entity, household_row::Column::Id)),
        )
        .and_where(village.between(lo, hi))
        // By the output name: PostgreSQL would not match two copies of `substr` whose arguments
        // are separate bind parameters.
        .add_group_by([
            Expr::col(Alias::new("grouped_division")),
            Expr::col((household_row::Entity, household_row::Column::Status)),
        ]);
    if let Some(year) = q.year {
        select.and_where(Expr::col((household_row::Entity, household_row::Column::Year)).eq(year));
    }
    let rows = s.db.query_all(&select).await?;
    let mut by_division: std::collections::BTreeMap<String, DivisionCounts> = Default::default();
    for row in rows {
        let division: String = row.try_get_by_index(0)?;
        let status: String = row.try_get_by_index(1)?;
        let households: i64 = row.try_get_by_index(2)?;
        let members: i64 = row.try_get_by_index(3)?;
        let status: HouseholdStatus = parse_enum(&status)?;
        let entry = by_division.entry(division.clone()).or_insert_with(|| DivisionCounts {
            name: Division::parse(&division).ok().and_then(|d| registry().name(&d).map(str::to_owned)),
            division,
            households: StatusCounts::default(),
            members: StatusCounts::default(),
        });
        *bucket(&mut entry.households, status) += households as u64;
        *bucket(&mut entry.members, status) += members as u64;
    }
    Ok(by_division.into_values().collect())
}

/// `board.list`: what the village's notice board shows — the procedure's notices about its
/// households (the village's first notice and the township's second), with only the facts a
/// public notice carries. Readable by any official whose jurisdiction covers the village;
/// others get 404, as for a village that does not exist.
pub async fn board(s: State, p: Principal, q: BoardQuery) -> Result<Vec<BoardNotice>> {
    let village = match Division::parse(&q.village) {
        Ok(d) if d.level() == Level::Village && registry().exists(&d) => d,
        _ => return Err(Problem::invalid("village", "must be a 12-digit village code in the division registry").into()),
    };
    if !p.covers(&village) {
        return Err(Problem::not_found("village").into());
    }
    let limit = limit(q.limit, 100, chain_api::limits::page::BOARD)?;
    let states: Vec<String> = match q.state.unwrap_or_default() {
        BoardState::Open => vec![label(NoticeState::Open)],
        BoardState::Passed => vec![label(NoticeState::Passed), label(NoticeState::Interrupted)],
        BoardState::All => vec![label(NoticeState::Open), label(NoticeState::Passed), label(NoticeState::Interrupted)],
    };
    let n = |c: notice::Column| Expr::col((notice::Entity, c));
    let mut select = Query::select();
    select
        .columns([
            (notice::Entity, notice::Column::Id),
            (notice::Entity, notice::Column::Kind),
            (notice::Entity, notice::Column::State),
            (notice::Entity, notice::Column::Division),
            (notice::Entity, notice::Column::OpenedAt),
            (notice::Entity, notice::Column::ClosesAt),
        ])
        .columns([
            (household_row::Entity, household_row::Column::Id),
            (household_row::Entity, household_row::Column::MainCause),
            (household_row::Entity, household_row::Column::Year),
        ])
        .from(household_row::Entity)
        .inner_join(
            task::Entity,
            Expr::col((task::Entity, task::Column::SubjectId))
                .equals((household_row::Entity, household_row::Column::Id)),
        )
        .inner_join(notice::Entity, n(notice::Column::TaskId).equals((task::Entity, task::Column::Id)))
        .and_where(Expr::col((household_row::Entity, household_row::Column::Village)).eq(village.as_str()))
        .and_where(Expr::col((task::Entity, task::Column::Kind)).eq(PROCEDURE))
        .and_where(n(notice::Column::State).is_in(states))
        .order_by((notice::Entity, notice::Column::OpenedAt), Order::Desc)
        .order_by((notice::Entity, notice::Column::Id), Order::Desc)
        .limit(limit);
    let rows = s.db.query_all(&select).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let state: String = row.try_get_by_index(2)?;
        found.push((
            row.try_get_by_index::<Uuid>(0)?,
            row.try_get_by_index::<String>(1)?,
            parse_enum::<NoticeState>(&state)?,
            row.try_get_by_index::<String>(3)?,
            row.try_get_by_index::<DateTimeUtc>(4)?,
            row.try_get_by_index::<DateTimeUtc>(5)?,
            row.try_get_by_index::<Uuid>(6)?,
            row.try_get_by_index::<String>(7)?,
            row.try_get_by_index::<i32>(8)?,
        ));
    }
    let heads = heads(&s.db, found.iter().map(|f| f.6).collect()).await?;
    let village_name = registry().name(&village).map(str::to_owned);
    Ok(found
        .into_iter()
        .map(|(id, kind, state, posted_by, opened_at, closes_at, household, main_cause, year)| {
            let (head, size) = heads.get(&household).cloned().unwrap_or_default();
            BoardNotice {
                id,
                kind,
                state,
                posted_by,
                opened_at,
                closes_at,
                household: BoardHousehold {
                    id: household,
                    village: village.to_string(),
                    village_name: village_name.clone(),
                    head,
                    size,
                    main_cause,
                    year,
                },
            }
        })
        .collect())
}

fn label(s: NoticeState) -> String {
    enum_str(&s)
}
