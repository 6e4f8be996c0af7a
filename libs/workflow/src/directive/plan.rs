//! The plan of a directive, worked out in memory before anything is written: which divisions get
//! a task, under which parent, with which share of a quota. Pure apart from reading the embedded
//! division registry.

use std::collections::{BTreeMap, BTreeSet};

use chain_api::limits::TARGET_DIVISIONS;
use chain_api::workflow::{LevelCount, Targets};
use chain_api::{FieldError, Problem};
use chain_domain::{Division, Level, apportion, registry};

/// The largest quota a directive may share out.
const MAX_QUOTA: i64 = 1_000_000_000_000;

/// One task to open, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTask {
    /// The owning division.
    pub division: Division,
    /// The division of the parent task (`None`: the task being decomposed).
    pub parent: Option<Division>,
    /// Quota share.
    pub quota: Option<i64>,
    /// Whether the division is one of the targets (not only a layer between the issuer and them).
    pub target: bool,
}

/// The name of a level as the API spells it.
pub fn level_name(division: &str) -> &'static str {
    Division::parse(division).map(|d| level_label(d.level())).unwrap_or("central")
}

/// The name of a level.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
        Level::Township => "township",
        Level::Village => "village",
    }
}

/// Planned tasks per level.
pub(crate) fn level_counts(planned: &[PlannedTask]) -> Vec<LevelCount> {
    let mut by_level: BTreeMap<Level, u64> = BTreeMap::new();
    for p in planned {
        *by_level.entry(p.division.level()).or_default() += 1;
    }
    by_level.into_iter().map(|(l, n)| LevelCount { level: level_label(l).to_owned(), tasks: n }).collect()
}

/// Works out which divisions get a task: the targets and every existing division between the
/// issuing one (`None` for the centre) and them, each under its nearest planned ancestor. Quotas go
/// to the targets by their weights and are summed upwards.
pub fn plan(
    issuer: Option<&Division>,
    targets: &Targets,
    quota: Option<(i64, Option<&BTreeMap<String, u64>>)>,
) -> Result<Vec<PlannedTask>, Problem> {
    let leaves: Vec<Division> = match (&targets.divisions, targets.level) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Problem::invalid("targets", "give either `divisions` or `level`"));
        }
        (Some(list), None) => listed(issuer, list)?,
        (None, Some(level)) => at_level(issuer, level.into())?,
    };
    let shares: Vec<i64> = match quota {
        None => Vec::new(),
        Some((total, weights)) => shares(&leaves, total, weights)?,
    };
    Ok(tree(issuer, &leaves, &shares))
}

/// Whether `d` lies strictly below the issuing layer (`None`: the centre).
fn below(issuer: Option<&Division>, d: &Division) -> bool {
    issuer.is_none_or(|i| i.contains(d) && i != d)
}

/// The targets a request lists by code: each an existing division below the issuer, listed once,
/// none inside another; in code order.
fn listed(issuer: Option<&Division>, list: &[String]) -> Result<Vec<Division>, Problem> {
    if list.is_empty() {
        return Err(Problem::invalid("targets/divisions", "name at least one division"));
    }
    if list.len() > TARGET_DIVISIONS {
        return Err(Problem::invalid(
            "targets/divisions",
            format!("at most {TARGET_DIVISIONS} divisions; use `level` for more"),
        ));
    }
    let reg = registry();
    let mut errors = Vec::new();
    let mut set = BTreeSet::new();
    for (i, code) in list.iter().enumerate() {
        let field = format!("targets/divisions/{i}");
        match Division::parse(code) {
            Err(e) => errors.push(FieldError { field, message: e.to_string() }),
            Ok(d) if !reg.exists(&d) => {
                errors.push(FieldError { field, message: format!("{d} is not a division of the national tree") })
            }
            Ok(d) if !below(issuer, &d) => errors.push(FieldError {
                field,
                message: format!("{d} is not below the issuing layer; a directive goes only downwards"),
            }),
            Ok(d) => {
                if !set.insert(d.clone()) {
                    errors.push(FieldError { field, message: format!("{d} is listed twice") });
                }
            }
        }
    }
    if errors.is_empty() {
        for d in &set {
            if let Some(a) = d.ancestors().into_iter().find(|a| set.contains(a)) {
                errors.push(FieldError {
                    field: "targets/divisions".into(),
                    message: format!("{d} lies inside {a}, also a target; name one of them"),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok(set.into_iter().collect())
}

/// Every division of `level` below the issuer, in code order.
fn at_level(issuer: Option<&Division>, level: Level) -> Result<Vec<Division>, Problem> {
    if issuer.is_some_and(|i| i.level() >= level) {
        return Err(Problem::invalid("targets/level", "the level must be below the issuing layer"));
    }
    let reg = registry();
    let mut out = Vec::new();
    let mut frontier: Vec<Division> = match issuer {
        Some(i) => vec![i.clone()],
        None => reg.provinces().into_iter().map(|p| p.code).collect(),
    };
    while let Some(d) = frontier.pop() {
        if d.level() == level {
            out.push(d);
        } else if d.level() < level {
            frontier.extend(reg.children(&d).into_iter().map(|c| c.code));
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Problem::invalid("targets/level", "there is no division of that level below the issuer"));
    }
    Ok(out)
}

/// Each target's share of `total`, by its weight (equal without weights); the parts add up to
/// `total` exactly.
fn shares(leaves: &[Division], total: i64, weights: Option<&BTreeMap<String, u64>>) -> Result<Vec<i64>, Problem> {
    if total <= 0 || total > MAX_QUOTA {
        return Err(Problem::invalid("quota/total", "a positive whole number up to 10^12"));
    }
    let weights: Vec<u64> = match weights {
        None => vec![1; leaves.len()],
        Some(map) => {
            let mut errors = Vec::new();
            let names: BTreeSet<&str> = leaves.iter().map(|d| d.as_str()).collect();
            for k in map.keys() {
                if !names.contains(k.as_str()) {
                    errors.push(FieldError {
                        field: format!("quota/shares/{k}"),
                        message: "not one of the targets".into(),
                    });
                }
            }
            for d in leaves {
                if !map.contains_key(d.as_str()) {
                    errors.push(FieldError {
                        field: format!("quota/shares/{d}"),
                        message: "every target needs a share".into(),
                    });
                }
            }
            if !errors.is_empty() {
                return Err(Problem::validation(errors));
            }
            leaves.iter().map(|d| map[d.as_str()]).collect()
        }
    };
    apportion(total, &weights).map_err(|e| Problem::invalid("quota/shares", e.to_string()))
}

/// The tasks for the targets (`leaves`, with their `shares` if any) and every existing division
/// between the issuer and them, each under its nearest planned ancestor, quotas summed upwards; in
/// code order, so every parent precedes its children.
fn tree(issuer: Option<&Division>, leaves: &[Division], shares: &[i64]) -> Vec<PlannedTask> {
    let reg = registry();
    let mut planned: BTreeMap<Division, (Option<Division>, Option<i64>)> = BTreeMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let q = shares.get(i).copied();
        let mut chain: Vec<Division> =
            leaf.ancestors().into_iter().filter(|a| below(issuer, a) && reg.exists(a)).collect::<Vec<_>>();
        chain.reverse();
        chain.push(leaf.clone());
        let mut parent: Option<Division> = None;
        for d in chain {
            let entry = planned.entry(d.clone()).or_insert((parent.clone(), q.map(|_| 0)));
            if let (Some(sum), Some(q)) = (entry.1.as_mut(), q) {
                *sum += q;
            }
            parent = Some(d);
        }
    }
    // Targets never lie inside one another, so a division is a target exactly when it is a leaf.
    let targets: BTreeSet<&Division> = leaves.iter().collect();
    planned
        .into_iter()
        .map(|(division, (parent, quota))| {
            let target = targets.contains(&division);
            PlannedTask { division, parent, quota, target }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chain_api::workflow::TargetLevel;

    fn d(s: &str) -> Division {
        Division::parse(s).unwrap()
    }

    #[test]
    fn a_county_level_directive_from_guizhou_opens_cities_and_counties() {
        let planned =
            plan(Some(&d("52")), &Targets { divisions: None, level: Some(TargetLevel::County) }, None).unwrap();
        let cities = planned.iter().filter(|t| t.division.level() == Level::City).count();
        let counties: Vec<_> = planned.iter().filter(|t| t.division.level() == Level::County).collect();
        assert_eq!(cities, registry().children(&d("52")).len());
        assert!(counties.len() > 80, "{}", counties.len());
        for c in counties {
            assert_eq!(c.parent.as_ref().map(|p| p.as_str().len()), Some(4));
        }
    }

    #[test]
    fn quotas_split_exactly_and_sum_upwards() {
        let mut shares = BTreeMap::new();
        shares.insert("520624".to_owned(), 2);
        shares.insert("520623".to_owned(), 1);
        let targets = Targets { divisions: Some(vec!["520624".into(), "520623".into()]), level: None };
        let planned = plan(None, &targets, Some((1000, Some(&shares)))).unwrap();
        let q = |code: &str| planned.iter().find(|t| t.division.as_str() == code).unwrap().quota.unwrap();
        assert_eq!(q("520624"), 667);
        assert_eq!(q("520623"), 333);
        assert_eq!(q("5206"), 1000);
        assert_eq!(q("52"), 1000);
        assert_eq!(planned.iter().find(|t| t.division.as_str() == "52").unwrap().parent, None);
    }

    #[test]
    fn targets_must_lie_below_the_issuer_and_not_inside_each_other() {
        let t = |v: &[&str]| Targets { divisions: Some(v.iter().map(|s| (*s).to_owned()).collect()), level: None };
        assert_eq!(plan(Some(&d("52")), &t(&["53"]), None).unwrap_err().status, 422);
        assert_eq!(plan(Some(&d("52")), &t(&["52"]), None).unwrap_err().status, 422);
        assert_eq!(plan(None, &t(&["52", "5206"]), None).unwrap_err().status, 422);
        assert_eq!(plan(None, &t(&["529999"]), None).unwrap_err().status, 422);
        let none = Targets::default();
        assert_eq!(plan(None, &none, None).unwrap_err().status, 422);
        let above = Targets { divisions: None, level: Some(TargetLevel::Province) };
        assert_eq!(plan(Some(&d("52")), &above, None).unwrap_err().status, 422);
    }
}
