//! The national division tree (NBS statistical division codes, 2023), embedded in the binary.
//!
//! Provinces to townships (about 45,000 rows) are parsed on first use of [`registry`]; the
//! 620,573 villages only on the first query that needs them, so a service that never looks at
//! villages never pays for them. Each level is a sorted vector of `(code, name)` searched by
//! binary search; a division's children are a contiguous numeric range of the level below.
//!
//! The data files live in `data/divisions/` at the workspace root (see the README there).

use std::sync::OnceLock;

use flate2::read::GzDecoder;
use serde::Serialize;

use crate::division::{Division, Level};

/// One level of the tree: `(numeric code, name)`, sorted by code.
type Table = Vec<(u64, Box<str>)>;

const PROVINCES: &[u8] = include_bytes!("../../../data/divisions/provinces.csv.gz");
const CITIES: &[u8] = include_bytes!("../../../data/divisions/cities.csv.gz");
const COUNTIES: &[u8] = include_bytes!("../../../data/divisions/areas.csv.gz");
const TOWNSHIPS: &[u8] = include_bytes!("../../../data/divisions/streets.csv.gz");
const VILLAGES: &[u8] = include_bytes!("../../../data/divisions/villages.csv.gz");

/// A division with its official name, as found in the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DivisionInfo {
    /// The division code.
    pub code: Division,
    /// The official Chinese name, e.g. `思南县`.
    pub name: String,
    /// The level, implied by the code but spelled out for clients.
    pub level: Level,
}

/// The national division tree. Obtain the shared instance with [`registry`].
pub struct DivisionRegistry {
    /// Provinces, cities, counties and townships, indexed by `Level as usize`.
    upper: [Table; 4],
    /// Villages, parsed on first need.
    villages: OnceLock<Table>,
}

/// The shared registry, parsed (apart from villages) on first call.
pub fn registry() -> &'static DivisionRegistry {
    static REGISTRY: OnceLock<DivisionRegistry> = OnceLock::new();
    REGISTRY.get_or_init(DivisionRegistry::load)
}

impl DivisionRegistry {
    /// Parses provinces to townships; villages wait for their first use.
    fn load() -> DivisionRegistry {
        DivisionRegistry {
            upper: [
                parse_table(PROVINCES, Level::Province),
                parse_table(CITIES, Level::City),
                parse_table(COUNTIES, Level::County),
                parse_table(TOWNSHIPS, Level::Township),
            ],
            villages: OnceLock::new(),
        }
    }

    /// The table of one level, parsing villages if this is the first time they are needed.
    fn table(&self, level: Level) -> &Table {
        match level {
            Level::Village => self.villages.get_or_init(|| parse_table(VILLAGES, Level::Village)),
            upper => &self.upper[upper as usize],
        }
    }

    /// The official name of `division`, or `None` if no such division exists.
    pub fn name(&self, division: &Division) -> Option<&str> {
        let table = self.table(division.level());
        let index = table.binary_search_by_key(&division.as_u64(), |(code, _)| *code).ok()?;
        Some(&table[index].1)
    }

    /// Whether `division` exists in the national tree.
    pub fn exists(&self, division: &Division) -> bool {
        self.name(division).is_some()
    }

    /// The division with its name, or `None` if it does not exist.
    pub fn get(&self, division: &Division) -> Option<DivisionInfo> {
        self.name(division).map(|name| DivisionInfo {
            code: division.clone(),
            name: name.to_owned(),
            level: division.level(),
        })
    }

    /// The direct children of `division` in code order: a province's cities, a city's counties,
    /// a county's townships, a township's villages; none for a village or an unknown division.
    pub fn children(&self, division: &Division) -> Vec<DivisionInfo> {
        let Some(child_level) = division.level().child() else {
            return Vec::new();
        };
        let scale = 10u64.pow((child_level.digits() - division.level().digits()) as u32);
        let low = division.as_u64() * scale;
        let high = low + scale;
        let table = self.table(child_level);
        let start = table.partition_point(|(code, _)| *code < low);
        let end = table.partition_point(|(code, _)| *code < high);
        table[start..end].iter().map(|(code, name)| info(*code, name, child_level)).collect()
    }

    /// All 31 provinces in code order.
    pub fn provinces(&self) -> Vec<DivisionInfo> {
        self.table(Level::Province).iter().map(|(code, name)| info(*code, name, Level::Province)).collect()
    }

    /// The chain from the province down to `division` itself, or empty if `division` does not
    /// exist.
    pub fn path(&self, division: &Division) -> Vec<DivisionInfo> {
        if !self.exists(division) {
            return Vec::new();
        }
        division.ancestors().iter().rev().chain(std::iter::once(division)).filter_map(|d| self.get(d)).collect()
    }

    /// How many divisions the tree has at `level` (loads villages if asked about them).
    pub fn count(&self, level: Level) -> usize {
        self.table(level).len()
    }

    /// Whether the village level has been parsed yet.
    pub fn villages_loaded(&self) -> bool {
        self.villages.get().is_some()
    }
}

/// Builds the public view of one row.
fn info(code: u64, name: &str, level: Level) -> DivisionInfo {
    DivisionInfo { code: Division::from_u64(code, level), name: name.to_owned(), level }
}

/// Decompresses and parses one embedded level file (`code,name,<parent code>,...`).
///
/// The files are fixed at compile time and verified by the tests, so a malformed row is a build
/// defect and panics with the offending row.
fn parse_table(gz: &[u8], level: Level) -> Table {
    let mut reader = csv::Reader::from_reader(GzDecoder::new(gz));
    let mut table = Table::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .unwrap_or_else(|e| panic!("embedded {level} divisions are not valid CSV: {e}"))
    {
        let code = &record[0];
        let valid = Division::parse(code).is_ok_and(|d| d.level() == level);
        // Column 2 names the direct parent; it must agree with the code's prefix.
        let parent_ok = level.parent().is_none_or(|parent| code.get(..parent.digits()) == record.get(2));
        assert!(
            valid && parent_ok && !record[1].is_empty(),
            "embedded {level} divisions have a malformed row: {record:?}"
        );
        let numeric = code.bytes().fold(0, |acc, b| acc * 10 + u64::from(b - b'0'));
        table.push((numeric, record[1].into()));
    }
    table.sort_unstable_by_key(|(code, _)| *code);
    let unique = table.windows(2).all(|pair| pair[0].0 != pair[1].0);
    assert!(unique, "embedded {level} divisions repeat a code");
    table.shrink_to_fit();
    table
}

#[cfg(test)]
mod tests;
