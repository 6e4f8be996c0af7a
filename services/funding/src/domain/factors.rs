//! Factor-based allocation (DOMAIN.md §5): the factor tables per year (`data/factors.csv`, one
//! row per recipient division) and their weights per year and level
//! (`data/factor_weights.csv`), each recipient's weighted score, and the split of a total into
//! whole fen by largest remainder ([`chain_domain::apportion`]) so the parts sum exactly to it.
//!
//! A year with no rows for a level uses the latest earlier year's: factors and weights are data
//! that change yearly, never constants.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chain_domain::{Division, Level, apportion};

use super::table::{number, records};

/// The embedded factor table.
const FACTORS: &str = include_str!("../../data/factors.csv");
/// The embedded weights.
const WEIGHTS: &str = include_str!("../../data/factor_weights.csv");

/// The factors, in the tables' column order.
pub const FACTOR_NAMES: [&str; 8] = [
    "poor_population",
    "poverty_share",
    "depth",
    "rural_income",
    "fiscal_capacity",
    "policy_tasks",
    "assessment",
    "performance",
];

/// Whether more of a factor means more money (`true`) or less (rural income and fiscal
/// capacity: a richer recipient needs less).
const MORE_IS_NEEDIER: [bool; 8] = [true, true, true, false, false, true, true, true];

/// One recipient's factor values.
pub type Values = [u64; 8];

/// The factor tables and weights.
#[derive(Debug, Clone)]
pub struct FactorTables {
    factors: BTreeMap<(i32, Division), Values>,
    weights: BTreeMap<(i32, LevelKey), [u64; 8]>,
}

/// A recipient level, as the weights table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LevelKey {
    /// The centre's recipients.
    Province,
    /// A province's recipients.
    County,
}

impl LevelKey {
    /// Its name in the tables and the API.
    pub fn name(self) -> &'static str {
        match self {
            LevelKey::Province => "province",
            LevelKey::County => "county",
        }
    }

    fn level(self) -> Level {
        match self {
            LevelKey::Province => Level::Province,
            LevelKey::County => Level::County,
        }
    }
}

/// The recipients of one plan, as the tables give them.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipients {
    /// The factor table's year used.
    pub factors_year: i32,
    /// The recipients' level.
    pub level: LevelKey,
    /// Each recipient with its score, by code; the scores sum to 1.
    pub scores: Vec<(Division, f64)>,
}

impl FactorTables {
    /// The embedded tables, parsed on first use.
    pub fn embedded() -> &'static FactorTables {
        static TABLES: OnceLock<FactorTables> = OnceLock::new();
        TABLES.get_or_init(|| FactorTables::from_csv(FACTORS, WEIGHTS).expect("the embedded factor tables parse"))
    }

    /// Parses the factor table and the weights.
    pub fn from_csv(factors: &str, weights: &str) -> Result<FactorTables, String> {
        let mut header = vec!["year", "division"];
        header.extend(FACTOR_NAMES);
        let mut table = BTreeMap::new();
        for (line, r) in records(factors, &header)? {
            let year = number(line, "year", &r[0], 2014..=2100)?;
            let division = Division::parse(&r[1]).map_err(|e| format!("line {line}: {e}"))?;
            if !matches!(division.level(), Level::Province | Level::County) {
                return Err(format!("line {line}: factors are kept for provinces and counties"));
            }
            let mut values = [0u64; 8];
            for (i, name) in FACTOR_NAMES.iter().enumerate() {
                // A factor where less means needier is divided by, so it is at least 1.
                let least = u64::from(!MORE_IS_NEEDIER[i]);
                values[i] = number(line, name, &r[i + 2], least..=1_000_000_000)?;
            }
            if table.insert((year, division), values).is_some() {
                return Err(format!("line {line}: a division appears twice in one year"));
            }
        }
        let mut header = vec!["year", "level"];
        header.extend(FACTOR_NAMES);
        let mut by_level = BTreeMap::new();
        for (line, r) in records(weights, &header)? {
            let year = number(line, "year", &r[0], 2014..=2100)?;
            let level = match r[1].as_str() {
                "province" => LevelKey::Province,
                "county" => LevelKey::County,
                other => return Err(format!("line {line}: unknown level {other:?}")),
            };
            let mut w = [0u64; 8];
            for (i, name) in FACTOR_NAMES.iter().enumerate() {
                w[i] = number(line, name, &r[i + 2], 0..=100)?;
            }
            if w.iter().sum::<u64>() != 100 {
                return Err(format!("line {line}: the weights sum to 100"));
            }
            if by_level.insert((year, level), w).is_some() {
                return Err(format!("line {line}: a year and level appear twice"));
            }
        }
        Ok(FactorTables { factors: table, weights: by_level })
    }

    /// The recipients of a plan by `allocator` (`None`: the centre) for `year`: the provinces, or
    /// the province's counties, of the latest factor year not after `year` that has any, each
    /// scored with the weights in force. `None` when no table applies.
    pub fn recipients(&self, allocator: Option<&Division>, year: i32) -> Option<Recipients> {
        let level = match allocator.map(Division::level) {
            None => LevelKey::Province,
            Some(Level::Province) => LevelKey::County,
            Some(_) => return None,
        };
        let inside = |d: &Division| d.level() == level.level() && allocator.is_none_or(|a| a.contains(d));
        let factors_year = self.factors.keys().filter(|(y, d)| *y <= year && inside(d)).map(|(y, _)| *y).max()?;
        let weights =
            self.weights.iter().filter(|((y, l), _)| *y <= year && *l == level).max_by_key(|((y, _), _)| *y)?.1;
        let rows: Vec<(Division, Values)> = self
            .factors
            .iter()
            .filter(|((y, d), _)| *y == factors_year && inside(d))
            .map(|((_, d), v)| (d.clone(), *v))
            .collect();
        let values: Vec<Values> = rows.iter().map(|(_, v)| *v).collect();
        let scores = scores(&values, weights);
        Some(Recipients { factors_year, level, scores: rows.into_iter().map(|(d, _)| d).zip(scores).collect() })
    }
}

/// Each recipient's weighted score: every factor normalised to shares summing to 1 across the
/// recipients (inverted first where less means needier), weighted, and summed; the scores sum
/// to 1. A factor that is zero for everyone counts equally for each.
pub fn scores(values: &[Values], weights: &[u64; 8]) -> Vec<f64> {
    let n = values.len();
    let total_weight: u64 = weights.iter().sum();
    let mut out = vec![0.0f64; n];
    if n == 0 || total_weight == 0 {
        return out;
    }
    for f in 0..8 {
        let raw: Vec<f64> =
            values.iter().map(|v| if MORE_IS_NEEDIER[f] { v[f] as f64 } else { 1.0 / v[f] as f64 }).collect();
        let sum: f64 = raw.iter().sum();
        let w = weights[f] as f64 / total_weight as f64;
        for (score, x) in out.iter_mut().zip(&raw) {
            *score += w * if sum > 0.0 { x / sum } else { 1.0 / n as f64 };
        }
    }
    out
}

/// One line of a split.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The recipient.
    pub to: Division,
    /// Its score.
    pub score: f64,
    /// Its share of what the factors split (0 when hand-set).
    pub share: f64,
    /// Its amount, fen.
    pub amount_fen: i64,
    /// Why it was set by hand.
    pub reason: Option<String>,
}

/// Why a total could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// The hand-set amounts exceed the total.
    #[error("the hand-set amounts add up to more than the total")]
    HandSetOverTotal,
    /// Every recipient is hand-set but some of the total is left.
    #[error("every recipient is set by hand, yet {0} fen of the total are left to split")]
    NothingToSplitAmong(i64),
    /// The arithmetic overflowed.
    #[error("the split overflows")]
    Overflow,
}

/// Splits `total` among `recipients`: each hand-set one gets its amount, the rest of the total
/// goes to the others in proportion to their scores, rounded by largest remainder, so the
/// lines sum exactly to `total`.
pub fn split(
    total: i64,
    recipients: &Recipients,
    hand_set: &[(Division, i64, String)],
) -> Result<Vec<Line>, SplitError> {
    let fixed = hand_set.iter().try_fold(0i64, |acc, (_, fen, _)| acc.checked_add(*fen)).ok_or(SplitError::Overflow)?;
    let rest = total.checked_sub(fixed).filter(|r| *r >= 0).ok_or(SplitError::HandSetOverTotal)?;
    let by_hand = |d: &Division| hand_set.iter().find(|(h, _, _)| h == d);
    let free: Vec<&(Division, f64)> = recipients.scores.iter().filter(|(d, _)| by_hand(d).is_none()).collect();
    let free_score: f64 = free.iter().map(|(_, s)| s).sum();
    let shares: Vec<f64> = free.iter().map(|(_, s)| if free_score > 0.0 { s / free_score } else { 0.0 }).collect();
    let parts = if free.is_empty() || rest == 0 {
        if rest > 0 {
            return Err(SplitError::NothingToSplitAmong(rest));
        }
        vec![0; free.len()]
    } else {
        // Shares to 12 decimal places as integer weights; equal weights split equally.
        let weights: Vec<u64> = shares.iter().map(|s| (s * 1e12).round() as u64).collect();
        let weights = if weights.iter().all(|w| *w == 0) { vec![1; free.len()] } else { weights };
        apportion(rest, &weights).map_err(|_| SplitError::Overflow)?
    };
    let mut free_parts = free.iter().zip(shares.iter().zip(parts));
    let mut lines = Vec::with_capacity(recipients.scores.len());
    for (d, score) in &recipients.scores {
        if let Some((_, fen, reason)) = by_hand(d) {
            lines.push(Line {
                to: d.clone(),
                score: *score,
                share: 0.0,
                amount_fen: *fen,
                reason: Some(reason.clone()),
            });
        } else if let Some((_, (share, part))) = free_parts.next() {
            lines.push(Line { to: d.clone(), score: *score, share: *share, amount_fen: part, reason: None });
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
    }

    #[test]
    fn the_centre_splits_among_the_31_provinces_and_guizhou_among_its_counties() {
        let tables = FactorTables::embedded();
        let provinces = tables.recipients(None, 2016).unwrap();
        assert_eq!((provinces.factors_year, provinces.level, provinces.scores.len()), (2016, LevelKey::Province, 31));
        let guizhou = tables.recipients(Some(&d("52")), 2016).unwrap();
        assert_eq!(guizhou.level, LevelKey::County);
        let codes: Vec<String> = guizhou.scores.iter().map(|(c, _)| c.to_string()).collect();
        assert!(codes.contains(&"520624".to_owned()) && codes.contains(&"520623".to_owned()), "{codes:?}");
        for r in [&provinces, &guizhou] {
            let total: f64 = r.scores.iter().map(|(_, s)| s).sum();
            assert!((total - 1.0).abs() < 1e-9, "{total}");
        }
        // A later year without its own table uses 2016's; an earlier one has none.
        assert_eq!(tables.recipients(None, 2019).unwrap().factors_year, 2016);
        assert!(tables.recipients(None, 2015).is_none());
        assert!(tables.recipients(Some(&d("520624")), 2016).is_none(), "a county does not split by factors");
        assert!(tables.recipients(Some(&d("53")), 2016).is_none(), "no county table for Yunnan");
    }

    #[test]
    fn the_poorer_province_scores_higher() {
        let provinces = FactorTables::embedded().recipients(None, 2016).unwrap();
        let score = |code: &str| provinces.scores.iter().find(|(d, _)| d.as_str() == code).unwrap().1;
        assert!(score("52") > score("33"), "Guizhou above Zhejiang");
        assert!(score("62") > score("11"), "Gansu above Beijing");
    }

    #[test]
    fn a_factor_where_less_is_needier_favours_the_lower_value() {
        let mut w = [0u64; 8];
        w[3] = 100; // rural income only
        let mut poor = [1u64; 8];
        let mut rich = [1u64; 8];
        poor[3] = 5_000;
        rich[3] = 20_000;
        let s = scores(&[poor, rich], &w);
        assert!((s[0] - 0.8).abs() < 1e-12 && (s[1] - 0.2).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn a_split_sums_to_the_fen_with_hand_set_lines_kept() {
        let provinces = FactorTables::embedded().recipients(None, 2016).unwrap();
        for total in [1, 31, 1_000_003, 100_000_000_007] {
            let lines = split(total, &provinces, &[]).unwrap();
            assert_eq!(lines.iter().map(|l| l.amount_fen).sum::<i64>(), total);
        }
        let hand = [(d("54"), 5_000, "border".to_owned())];
        let lines = split(1_000_000, &provinces, &hand).unwrap();
        assert_eq!(lines.iter().map(|l| l.amount_fen).sum::<i64>(), 1_000_000);
        let tibet = lines.iter().find(|l| l.to.as_str() == "54").unwrap();
        assert_eq!((tibet.amount_fen, tibet.share, tibet.reason.as_deref()), (5_000, 0.0, Some("border")));
        assert_eq!(split(10, &provinces, &[(d("54"), 11, "x".into())]), Err(SplitError::HandSetOverTotal));
    }

    #[test]
    fn every_recipient_hand_set_must_use_the_whole_total() {
        let r = Recipients { factors_year: 2016, level: LevelKey::County, scores: vec![(d("520624"), 1.0)] };
        assert_eq!(split(10, &r, &[(d("520624"), 7, "x".into())]), Err(SplitError::NothingToSplitAmong(3)));
        assert_eq!(split(7, &r, &[(d("520624"), 7, "x".into())]).unwrap()[0].amount_fen, 7);
    }

    #[test]
    fn bad_tables_are_refused() {
        let fh = "year,division,poor_population,poverty_share,depth,rural_income,fiscal_capacity,policy_tasks,assessment,performance\n";
        let wh = "year,level,poor_population,poverty_share,depth,rural_income,fiscal_capacity,policy_tasks,assessment,performance\n";
        let ok_w = format!("{wh}2016,province,30,15,15,10,10,5,10,5\n");
        assert!(FactorTables::from_csv(&format!("{fh}2016,52,1,1,1,1,1,1,1,1\n"), &ok_w).is_ok());
        assert!(FactorTables::from_csv(&format!("{fh}2016,52,1,1,1,0,1,1,1,1\n"), &ok_w).is_err(), "income 0");
        assert!(FactorTables::from_csv(&format!("{fh}2016,520624101,1,1,1,1,1,1,1,1\n"), &ok_w).is_err());
        let bad_w = format!("{wh}2016,province,30,15,15,10,10,5,10,6\n");
        assert!(FactorTables::from_csv(fh, &bad_w).unwrap_err().contains("sum to 100"));
    }
}
