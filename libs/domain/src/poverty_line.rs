//! Poverty lines by year and province, loaded as data rather than written as constants.
//!
//! The national line applies unless a province has set its own; a year without an entry uses the
//! latest earlier entry of the same scope (lines change only when policy says so). The default
//! table is embedded from `libs/domain/data/poverty_lines.csv`; a deployment can load its own
//! with [`PovertyLines::from_csv`].

use std::collections::BTreeMap;

use crate::division::{Division, Level};
use crate::money::Money;

/// The embedded default table (`scope,year,fen`).
const DEFAULT_TABLE: &str = include_str!("../data/poverty_lines.csv");
/// The scope string for national rows.
const NATIONAL_SCOPE: &str = "CN";

/// Why a poverty-line table could not be loaded. `line` is the 1-based line in the CSV text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PovertyLinesError {
    /// The text is not well-formed CSV (e.g. a row with the wrong number of fields).
    #[error("poverty line table is not valid CSV: {0}")]
    Csv(String),
    /// The header row is not exactly `scope,year,fen`.
    #[error("poverty line table must have the header scope,year,fen")]
    Header,
    /// The scope is neither `CN` nor a 2-digit province code.
    #[error("line {line}: scope must be \"CN\" or a 2-digit province code")]
    Scope {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The year is not an integer.
    #[error("line {line}: year must be an integer")]
    Year {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The amount is not a positive integer number of fen.
    #[error("line {line}: fen must be a positive integer")]
    Fen {
        /// Line number in the CSV text.
        line: u64,
    },
    /// The same scope and year appear twice.
    #[error("line {line}: scope {scope} already has a line for {year}")]
    Duplicate {
        /// Line number in the CSV text.
        line: u64,
        /// The repeated scope (`CN` or a province code).
        scope: String,
        /// The repeated year.
        year: i32,
    },
}

/// Poverty lines (per-capita net income per year) by year, nationally and per province.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PovertyLines {
    national: BTreeMap<i32, Money>,
    provincial: BTreeMap<Division, BTreeMap<i32, Money>>,
}

impl PovertyLines {
    /// The table embedded in this crate (national lines 2014-2020 from DOMAIN.md).
    pub fn default_table() -> PovertyLines {
        PovertyLines::from_csv(DEFAULT_TABLE).expect("embedded poverty_lines.csv is valid")
    }

    /// Loads a table from CSV text with the header `scope,year,fen`.
    ///
    /// `scope` is `CN` or a 2-digit province code, `fen` a positive integer. Lines starting with
    /// `#` are comments; fields are trimmed.
    pub fn from_csv(text: &str) -> Result<PovertyLines, PovertyLinesError> {
        let mut reader =
            csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| PovertyLinesError::Csv(e.to_string()))?;
        if headers != vec!["scope", "year", "fen"] {
            return Err(PovertyLinesError::Header);
        }
        let mut table = PovertyLines::default();
        for record in reader.records() {
            let record = record.map_err(|e| PovertyLinesError::Csv(e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let (scope, year, fen) = (&record[0], &record[1], &record[2]);
            let year: i32 = year.parse().map_err(|_| PovertyLinesError::Year { line })?;
            let amount = fen
                .parse::<i64>()
                .ok()
                .and_then(|fen| Money::positive(fen).ok())
                .ok_or(PovertyLinesError::Fen { line })?;
            let by_year = if scope == NATIONAL_SCOPE {
                &mut table.national
            } else {
                let province = Division::parse(scope)
                    .ok()
                    .filter(|d| d.level() == Level::Province)
                    .ok_or(PovertyLinesError::Scope { line })?;
                table.provincial.entry(province).or_default()
            };
            if by_year.insert(year, amount).is_some() {
                return Err(PovertyLinesError::Duplicate { line, scope: scope.to_owned(), year });
            }
        }
        Ok(table)
    }

    /// The national line in force in `year`, or `None` before the first national entry.
    pub fn national_line(&self, year: i32) -> Option<Money> {
        in_force(&self.national, year)
    }

    /// The line in force in `year` for a record in `division`: the province's own line if it has
    /// set one by then, otherwise the national line. `None` before the first applicable entry.
    pub fn line_for(&self, year: i32, division: &Division) -> Option<Money> {
        let province = division.ancestor_at(Level::Province)?;
        self.provincial.get(&province).and_then(|by_year| in_force(by_year, year)).or_else(|| self.national_line(year))
    }

    /// The upper bound of the return-to-poverty monitoring range: 1.5 × the line, rounded down
    /// to whole fen.
    pub fn monitoring_ceiling(&self, year: i32, division: &Division) -> Option<Money> {
        let fen = i128::from(self.line_for(year, division)?.fen()) * 3 / 2;
        i64::try_from(fen).ok().map(Money::from_fen)
    }
}

/// The entry for `year`, or the latest earlier one.
fn in_force(by_year: &BTreeMap<i32, Money>, year: i32) -> Option<Money> {
    by_year.range(..=year).next_back().map(|(_, amount)| *amount)
}

#[cfg(test)]
mod tests;
