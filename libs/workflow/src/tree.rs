//! Tracking: a task's subtree with roll-up counts per level and per child, and the change log
//! below a task. Within one tree every division has at most one task, and every task below a task
//! lies inside its division, so "the subtree of T" is "the tasks of T's tree whose division starts
//! with T's division" — one indexed range, no recursion.

use std::collections::BTreeMap;

use chain_api::workflow::{
    EventsQuery, LevelRollup, Rollup, Task, TaskEvent, TaskState, TaskTree, TreeNode, TreeQuery,
};
use chain_api::{Principal, Problem};
use chain_store::text::{enum_str, parse_enum};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};

use crate::directive::level_name;
use crate::engine::{Engine, internal, statement, to_api, visible_task};
use crate::entity::{event, task};
use crate::rules::prefix_of;
use crate::steps::overdue_condition;

/// The division prefix that bounds a subtree: the task's own division (empty for the centre),
/// narrowed by the caller's jurisdiction and the filter. `None` when they do not overlap.
fn bound(task_division: &str, jurisdiction: &str, filter: Option<&str>) -> Option<String> {
    let own = if task_division == "CN" { "" } else { task_division };
    let mut best = own.to_owned();
    for other in [Some(jurisdiction), filter].into_iter().flatten() {
        if other.starts_with(&best) {
            best = other.to_owned();
        } else if !best.starts_with(other) {
            return None;
        }
    }
    Some(best)
}

fn add(r: &mut Rollup, state: TaskState, overdue: bool, escalated: bool, n: u64) {
    r.total += n;
    match state {
        TaskState::Open => r.open += n,
        TaskState::InProgress => r.in_progress += n,
        TaskState::Submitted => r.submitted += n,
        TaskState::SignedOff => r.signed_off += n,
        TaskState::Returned => r.returned += n,
        TaskState::Cancelled => r.cancelled += n,
    }
    if overdue {
        r.overdue += n;
    }
    if escalated {
        r.escalated += n;
    }
}

impl Engine {
    /// Counts over the tasks of `root` under `prefix`, grouped by the first `head` characters of
    /// the division (or by its length when `head` is `None`).
    async fn rollups<C: ConnectionTrait>(
        &self,
        conn: &C,
        root: Uuid,
        prefix: &str,
        head: Option<usize>,
        now: DateTime<Utc>,
    ) -> Result<BTreeMap<String, Rollup>, DbErr> {
        let backend = conn.get_database_backend();
        let key = match head {
            Some(n) => format!("SUBSTR(division, 1, {n})"),
            None => "CAST(LENGTH(division) AS TEXT)".to_owned(),
        };
        let min_len = head.map(|n| format!(" AND LENGTH(division) >= {n}")).unwrap_or_default();
        let sql = format!(
            "SELECT {key} AS k, state, CASE WHEN due_at < ? AND state IN ('open', 'in_progress', 'returned') THEN 1 ELSE 0 END AS late, \
             CASE WHEN deadline_stage = 'escalated' THEN 1 ELSE 0 END AS esc, COUNT(*) AS n \
             FROM tasks WHERE root_id = ? AND division LIKE ? AND division <> 'CN'{min_len} \
             GROUP BY {key}, state, late, esc"
        );
        let rows = conn
            .query_all_raw(statement(backend, &sql, vec![now.into(), root.into(), format!("{prefix}%").into()]))
            .await?;
        let mut out: BTreeMap<String, Rollup> = BTreeMap::new();
        for r in rows {
            let k: String = r.try_get("", "k")?;
            let state: TaskState = parse_enum(&r.try_get::<String>("", "state")?)?;
            let late: i32 = r.try_get("", "late")?;
            let esc: i32 = r.try_get("", "esc")?;
            let n: i64 = r.try_get("", "n")?;
            add(out.entry(k).or_default(), state, late == 1, esc == 1, n.max(0) as u64);
        }
        Ok(out)
    }

    /// A task with its subtree's counts per level and a page of its children, each with the
    /// counts of its own subtree.
    pub async fn tree(&self, p: &Principal, q: TreeQuery) -> Result<TaskTree, Problem> {
        let id = q.id.ok_or_else(|| Problem::invalid("id", "which task"))?;
        let now = self.clock.now();
        let row = visible_task(&self.db, p, id).await?;
        let top = to_api(&row).map_err(internal)?;
        let jurisdiction = prefix_of(p);
        let Some(prefix) = bound(&row.division, &jurisdiction, q.division.as_deref()) else {
            return Ok(TaskTree {
                task: top,
                subtree: Rollup::default(),
                levels: vec![],
                children: vec![],
                next_after: None,
            });
        };
        let by_len = self.rollups(&self.db, row.root_id, &prefix, None, now).await.map_err(internal)?;
        let mut subtree = Rollup::default();
        let mut levels = Vec::new();
        if row.division == "CN" && prefix.is_empty() {
            let mut own = Rollup::default();
            let state = crate::engine::state_of(&row)?;
            let late = crate::steps::is_overdue(&row, now);
            add(&mut own, state, late, row.deadline_stage == "escalated", 1);
            merge(&mut subtree, &own);
            levels.push(LevelRollup { level: "central".into(), counts: own });
        }
        let mut lens: Vec<(usize, Rollup)> =
            by_len.into_iter().filter_map(|(k, r)| k.parse::<usize>().ok().map(|n| (n, r))).collect();
        lens.sort_by_key(|(n, _)| *n);
        for (len, counts) in lens {
            merge(&mut subtree, &counts);
            levels.push(LevelRollup { level: level_name(&"1".repeat(len)).to_owned(), counts });
        }

        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let mut find = task::Entity::find()
            .filter(task::Column::ParentId.eq(row.id))
            .filter(task::Column::Division.starts_with(prefix.as_str()));
        if let Some(s) = q.state {
            find = find.filter(task::Column::State.eq(enum_str(&s)));
        }
        if let Some(k) = &q.kind {
            find = find.filter(task::Column::Kind.eq(k.as_str()));
        }
        match q.overdue {
            Some(true) => find = find.filter(overdue_condition(now)),
            Some(false) => find = find.filter(overdue_condition(now).not()),
            None => {}
        }
        if let Some(after) = &q.after {
            find = find.filter(task::Column::Division.gt(after.as_str()));
        }
        let mut kids =
            find.order_by_asc(task::Column::Division).limit(limit + 1).all(&self.db).await.map_err(internal)?;
        let mut cut = kids.len() as u64 > limit;
        kids.truncate(limit as usize);
        let shown: Vec<Task> = kids.iter().map(to_api).collect::<Result<_, _>>().map_err(internal)?;
        // The counts each child carries are small; its task is what can be large.
        let fit = crate::page::fitting(&shown);
        if fit < kids.len() {
            kids.truncate(fit);
            cut = true;
        }
        let next_after = if cut { kids.last().map(|k| k.division.clone()) } else { None };
        let mut heads: BTreeMap<usize, BTreeMap<String, Rollup>> = BTreeMap::new();
        for len in kids.iter().map(|k| k.division.len()).collect::<std::collections::BTreeSet<_>>() {
            // Narrow the range scan to the children shown when they share a longer prefix.
            let shared = common_prefix(kids.iter().filter(|k| k.division.len() == len).map(|k| k.division.as_str()));
            let scan = if shared.len() > prefix.len() { shared } else { prefix.clone() };
            heads.insert(len, self.rollups(&self.db, row.root_id, &scan, Some(len), now).await.map_err(internal)?);
        }
        let mut children = Vec::with_capacity(kids.len());
        for (k, task) in kids.iter().zip(shown) {
            let subtree = heads.get(&k.division.len()).and_then(|m| m.get(&k.division)).cloned().unwrap_or_default();
            children.push(TreeNode { task, subtree });
        }
        Ok(TaskTree { task: top, subtree, levels, children, next_after })
    }

    /// Changes below a task (itself included) after a sequence number, oldest first, limited to
    /// the caller's jurisdiction; a page of large changes stops short of `limit` (the next page
    /// starts after the last one's sequence number, as always).
    pub async fn events(&self, p: &Principal, q: EventsQuery) -> Result<Vec<TaskEvent>, Problem> {
        let row = visible_task(&self.db, p, q.id).await?;
        let Some(prefix) = bound(&row.division, &prefix_of(p), None) else { return Ok(vec![]) };
        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let mut find = event::Entity::find()
            .filter(event::Column::RootId.eq(row.root_id))
            .filter(event::Column::Division.starts_with(prefix.as_str()));
        if row.division != "CN" || !prefix.is_empty() {
            find = find.filter(event::Column::Division.ne("CN"));
        }
        if let Some(after) = q.after {
            find = find.filter(event::Column::Seq.gt(after));
        }
        let rows = find.order_by_asc(event::Column::Seq).limit(limit).all(&self.db).await.map_err(internal)?;
        rows.into_iter()
            .map(|e| {
                Ok(TaskEvent {
                    seq: e.seq,
                    task_id: e.task_id,
                    root_id: e.root_id,
                    division: e.division,
                    change: e.change,
                    state: parse_enum(&e.state)?,
                    version: e.version,
                    actor: e.actor,
                    reason: e.reason,
                    data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
                    at: e.at,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()
            .map(|mut events| {
                events.truncate(crate::page::fitting(&events));
                events
            })
            .map_err(internal)
    }
}

fn merge(into: &mut Rollup, r: &Rollup) {
    into.total += r.total;
    into.open += r.open;
    into.in_progress += r.in_progress;
    into.submitted += r.submitted;
    into.signed_off += r.signed_off;
    into.returned += r.returned;
    into.cancelled += r.cancelled;
    into.overdue += r.overdue;
    into.escalated += r.escalated;
}

fn common_prefix<'a>(mut codes: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = codes.next() else { return String::new() };
    let mut len = first.len();
    for c in codes {
        len = first.bytes().zip(c.bytes()).take(len).take_while(|(a, b)| a == b).count();
    }
    first[..len].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_narrowest_overlapping_prefix() {
        assert_eq!(bound("CN", "", None).as_deref(), Some(""));
        assert_eq!(bound("CN", "52", None).as_deref(), Some("52"));
        assert_eq!(bound("52", "", Some("5206")).as_deref(), Some("5206"));
        assert_eq!(bound("5206", "52", None).as_deref(), Some("5206"));
        assert_eq!(bound("5206", "", Some("53")), None);
        assert_eq!(bound("5206", "520624", Some("520623")), None);
    }

    #[test]
    fn common_prefix_of_sibling_codes() {
        assert_eq!(common_prefix(["520624", "520623", "520621"].into_iter()), "52062");
        assert_eq!(common_prefix(["52"].into_iter()), "52");
        assert_eq!(common_prefix(std::iter::empty()), "");
    }
}
