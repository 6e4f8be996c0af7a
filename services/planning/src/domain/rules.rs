//! The policy tables of planning, as versioned data: which measure kinds answer which poverty cause
//! (`data/measure_rules.csv`, national rows with province overrides) and which batch each kind
//! belongs to (`data/measure_kinds.csv`), each row in force from its year until a later one.

use std::collections::{BTreeMap, BTreeSet};

use chain_api::planning::{MeasureBatch, MeasureKind};
use chain_domain::{Division, Level, PovertyCause};

/// The kinds allowed for a cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// Any kind answers the cause.
    Any,
    /// Only these kinds.
    Kinds(BTreeSet<MeasureKind>),
}

impl Allowed {
    /// Whether a measure of `kind` answers the cause.
    pub fn admits(&self, kind: MeasureKind) -> bool {
        match self {
            Allowed::Any => true,
            Allowed::Kinds(kinds) => kinds.contains(&kind),
        }
    }

    /// The allowed kinds, in the order of [`MeasureKind::ALL`].
    pub fn kinds(&self) -> Vec<MeasureKind> {
        MeasureKind::ALL.into_iter().filter(|k| self.admits(*k)).collect()
    }
}

/// Rows by scope (`None` national, else a province) and cause: from which year which kinds.
type ByScope = BTreeMap<(Option<String>, PovertyCause), BTreeMap<i32, Allowed>>;

/// The cause → measure rules and the batches of the kinds.
#[derive(Debug, Clone)]
pub struct Rules {
    causes: ByScope,
    batches: BTreeMap<MeasureKind, BTreeMap<i32, MeasureBatch>>,
}

const RULES_HEADER: &str = "scope,year,cause,kinds";
const KINDS_HEADER: &str = "year,kind,batch";

/// The data rows of a table: trimmed, without blank lines and `#` comments, the header checked;
/// each with its 1-based line number.
fn rows<'a>(text: &'a str, header: &str) -> Result<impl Iterator<Item = (usize, Vec<&'a str>)>, String> {
    let mut lines =
        text.lines().enumerate().map(|(n, l)| (n + 1, l.trim())).filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    match lines.next() {
        Some((_, h)) if h == header => Ok(lines.map(|(n, l)| (n, l.split(',').map(str::trim).collect()))),
        _ => Err(format!("the header must be {header}")),
    }
}

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

fn year(text: &str) -> Option<i32> {
    text.parse::<i32>().ok().filter(|y| (chain_api::limits::FIRST_YEAR..=2100).contains(y))
}

impl Rules {
    /// The tables shipped with the service.
    pub fn embedded() -> &'static Rules {
        static TABLE: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            Rules::from_csv(include_str!("../../data/measure_rules.csv"), include_str!("../../data/measure_kinds.csv"))
                .expect("the embedded tables parse")
        })
    }

    /// Parses the two tables. Every cause needs a national row and every kind a batch from the
    /// first year on, so that a plan of any year can be judged.
    pub fn from_csv(rules: &str, kinds: &str) -> Result<Rules, String> {
        let mut causes = ByScope::new();
        for (line, cells) in rows(rules, RULES_HEADER)? {
            let bad = |what: &str| format!("measure_rules line {line}: {what}");
            let [scope, y, cause, allowed] = cells[..] else { return Err(bad("four cells expected")) };
            let scope = match scope {
                "CN" => None,
                p if Division::parse(p).is_ok_and(|d| d.level() == Level::Province) => Some(p.to_owned()),
                p => return Err(bad(&format!("{p:?} is neither CN nor a 2-digit province code"))),
            };
            let y = year(y).ok_or_else(|| bad("the year is 2014 to 2100"))?;
            let cause: PovertyCause = cause.parse().map_err(|_| bad(&format!("{cause:?} is not a poverty cause")))?;
            let allowed = if allowed == "*" {
                Allowed::Any
            } else {
                let kinds = allowed
                    .split('|')
                    .map(|k| parse::<MeasureKind>(k.trim()).ok_or_else(|| bad(&format!("{k:?} is not a measure kind"))))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                Allowed::Kinds(kinds)
            };
            if causes.entry((scope, cause)).or_default().insert(y, allowed).is_some() {
                return Err(bad("a second row for the same scope, year and cause"));
            }
        }
        let mut batches: BTreeMap<MeasureKind, BTreeMap<i32, MeasureBatch>> = BTreeMap::new();
        for (line, cells) in rows(kinds, KINDS_HEADER)? {
            let bad = |what: &str| format!("measure_kinds line {line}: {what}");
            let [y, kind, batch] = cells[..] else { return Err(bad("three cells expected")) };
            let y = year(y).ok_or_else(|| bad("the year is 2014 to 2100"))?;
            let kind = parse::<MeasureKind>(kind).ok_or_else(|| bad(&format!("{kind:?} is not a measure kind")))?;
            let batch = parse::<MeasureBatch>(batch).ok_or_else(|| bad(&format!("{batch:?} is not a batch")))?;
            if batches.entry(kind).or_default().insert(y, batch).is_some() {
                return Err(bad("a second row for the same year and kind"));
            }
        }
        let first = chain_api::limits::FIRST_YEAR;
        for cause in PovertyCause::ALL {
            if causes.get(&(None, cause)).is_none_or(|by_year| by_year.keys().next() != Some(&first)) {
                return Err(format!("measure_rules: the cause {cause} needs a national (CN) row from {first}"));
            }
        }
        for kind in MeasureKind::ALL {
            if batches.get(&kind).is_none_or(|by_year| by_year.keys().next() != Some(&first)) {
                return Err(format!("measure_kinds: the kind {} needs a batch from {first}", parse_name(kind)));
            }
        }
        Ok(Rules { causes, batches })
    }

    /// The kinds that answer `cause` in `year` for a household in `division`: the province's own
    /// row in force then, else the national one.
    pub fn allowed(&self, year: i32, division: &Division, cause: PovertyCause) -> &Allowed {
        let province = division.ancestor_at(Level::Province).map(|p| p.to_string());
        self.allowed_in(year, province.as_deref(), cause)
    }

    /// The kinds that answer `cause` in `year` in a province (2-digit code), or nationally.
    pub fn allowed_in(&self, year: i32, province: Option<&str>, cause: PovertyCause) -> &Allowed {
        let in_force = |scope: Option<String>| {
            self.causes.get(&(scope, cause)).and_then(|by_year| by_year.range(..=year).next_back()).map(|(_, a)| a)
        };
        province.and_then(|p| in_force(Some(p.to_owned()))).or_else(|| in_force(None)).unwrap_or(&Allowed::Any)
    }

    /// The batch of `kind` in `year`.
    pub fn batch(&self, year: i32, kind: MeasureKind) -> MeasureBatch {
        self.batches
            .get(&kind)
            .and_then(|by_year| by_year.range(..=year).next_back().or_else(|| by_year.iter().next()))
            .map(|(_, b)| *b)
            .unwrap_or(MeasureBatch::Supporting)
    }
}

/// The snake_case name of a kind.
pub fn parse_name(kind: MeasureKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guizhou() -> Division {
        Division::parse("520624101201").unwrap()
    }

    #[test]
    fn the_embedded_tables_answer_every_cause_and_kind() {
        let rules = Rules::embedded();
        assert!(rules.allowed(2016, &guizhou(), PovertyCause::Illness).admits(MeasureKind::Health));
        assert!(!rules.allowed(2016, &guizhou(), PovertyCause::Illness).admits(MeasureKind::Industry));
        assert!(rules.allowed(2016, &guizhou(), PovertyCause::Other).admits(MeasureKind::Industry));
        assert_eq!(rules.batch(2016, MeasureKind::Employment), MeasureBatch::Production);
        assert_eq!(rules.batch(2030, MeasureKind::Health), MeasureBatch::Supporting);
    }

    #[test]
    fn a_province_row_overrides_the_national_one_from_its_year() {
        let mut rules = include_str!("../../data/measure_rules.csv").to_owned();
        rules.push_str("52,2018,lack_of_labour,safety_net|ecological|employment\n");
        let rules = Rules::from_csv(&rules, include_str!("../../data/measure_kinds.csv")).unwrap();
        let labour = PovertyCause::LackOfLabour;
        assert!(!rules.allowed(2017, &guizhou(), labour).admits(MeasureKind::Employment));
        assert!(rules.allowed(2018, &guizhou(), labour).admits(MeasureKind::Employment));
        let hebei = Division::parse("130102").unwrap();
        assert!(!rules.allowed(2018, &hebei, labour).admits(MeasureKind::Employment));
    }

    #[test]
    fn a_table_that_leaves_a_cause_or_kind_unanswered_is_refused() {
        let kinds = include_str!("../../data/measure_kinds.csv");
        let without_water: String = include_str!("../../data/measure_rules.csv")
            .lines()
            .filter(|l| !l.contains("lack_of_water"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(Rules::from_csv(&without_water, kinds).unwrap_err().contains("lack_of_water"));
        let bad = "scope,year,cause,kinds\nCN,2014,illness,health|shoes\n";
        assert!(Rules::from_csv(bad, kinds).unwrap_err().contains("\"shoes\" is not a measure kind"));
        let rules = include_str!("../../data/measure_rules.csv");
        let without_health: String = kinds.lines().filter(|l| !l.contains(",health,")).collect::<Vec<_>>().join("\n");
        assert!(Rules::from_csv(rules, &without_health).unwrap_err().contains("health"));
    }
}
