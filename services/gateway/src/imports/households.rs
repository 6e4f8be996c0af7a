//! The registry file format, and grouping its rows into household applications.
//!
//! **Format.** A header row names the columns, in any order (unknown columns are ignored); UTF-8
//! with an optional byte-order mark for CSV, the first sheet for `.xlsx`. One row per member;
//! consecutive rows with the same `household_ref` form one household (a reference that comes back
//! after another household's rows is refused, as is an ID listed in two households of the file).
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `household_ref` | yes | the county's reference of the household |
//! | `village` | yes | 12-digit village code |
//! | `year` | yes | year of identification |
//! | `kind` | no | `ordinary` (default), `dibao`, `five_guarantee`, `dibao_poor` |
//! | `main_cause` | yes | e.g. `illness` |
//! | `other_causes` | no | up to two more, `;`-separated |
//! | `per_capita_income_fen` | yes | per-capita net income, fen |
//! | `name`, `resident_id`, `relation` | yes | the member (`head`, `spouse`, `child`, `parent`, `grandchild`, `other`) |
//! | `ethnicity`, `education`, `school_status`, `health`, `labour`, `migrant_work_months`, `dibao`, `medical_insurance`, `pension_insurance` | no | member details, as in the REST API (booleans `true`/`false`, `1`/`0`, `yes`/`no`, `是`/`否`) |
//! | `wages_fen`, `business_fen`, `transfers_fen`, `property_fen`, `production_costs_fen`, `drinking_water_safe`, `electricity` | no | the household card, read from the head's row |
//!
//! The household columns are read from its first row; later rows may leave them empty or repeat
//! them, but may not contradict them. The application is then validated exactly as
//! `POST /v1/households` validates it, by the identification service.

use std::collections::HashMap;

use chain_api::card::{CardInput, Income, MemberDetails};
use chain_api::identification::{HouseholdKind, MemberInput, RegisterHousehold, Relation};
use chain_api::imports::{ImportedHousehold, RowError};
use serde::de::DeserializeOwned;

/// Columns a file must have.
pub const REQUIRED: [&str; 8] =
    ["household_ref", "village", "year", "main_cause", "per_capita_income_fen", "name", "resident_id", "relation"];
/// Household columns, read from its first row.
const HOUSEHOLD: [&str; 6] = ["village", "year", "kind", "main_cause", "other_causes", "per_capita_income_fen"];
/// Rows kept per household: more than any valid household lists, so a run-away reference cannot
/// fill memory.
const MAX_ROWS_KEPT: usize = 64;

/// Where each column is.
#[derive(Debug)]
pub struct Header(HashMap<String, usize>);

impl Header {
    /// Reads the header row; names are matched trimmed and case-insensitively.
    pub fn parse(cells: &[String]) -> Result<Header, String> {
        let map: HashMap<String, usize> =
            cells.iter().enumerate().map(|(i, c)| (c.trim().to_ascii_lowercase(), i)).collect();
        let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| !map.contains_key(*c)).collect();
        if !missing.is_empty() {
            return Err(format!("the header row has no column {}", missing.join(", ")));
        }
        Ok(Header(map))
    }

    fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        self.0.get(column).and_then(|i| row.get(*i)).map(|s| s.trim()).unwrap_or_default()
    }
}

/// Rows of the household being read.
#[derive(Debug, Default)]
pub struct Grouper {
    reference: Option<String>,
    rows: Vec<i64>,
    cells: Vec<Vec<String>>,
}

impl Grouper {
    /// Adds a row; answers the previous household when this row starts a new one.
    pub fn push(&mut self, header: &Header, row: i64, cells: Vec<String>) -> Option<ImportedHousehold> {
        let reference = header.get(&cells, "household_ref").to_owned();
        let done = if self.reference.as_deref() != Some(reference.as_str()) || reference.is_empty() {
            self.finish(header)
        } else {
            None
        };
        self.reference = Some(reference);
        self.rows.push(row);
        if self.cells.len() < MAX_ROWS_KEPT {
            self.cells.push(cells);
        }
        done
    }

    /// The household being read, at the end of the file.
    pub fn finish(&mut self, header: &Header) -> Option<ImportedHousehold> {
        let reference = self.reference.take()?;
        let rows = std::mem::take(&mut self.rows);
        let cells = std::mem::take(&mut self.cells);
        Some(build(header, reference, rows, &cells))
    }
}

struct Cells<'a> {
    header: &'a Header,
    reference: &'a str,
    errors: Vec<RowError>,
}

impl Cells<'_> {
    fn error(&mut self, row: i64, field: &str, message: impl Into<String>) {
        self.errors.push(RowError {
            row,
            household_ref: self.reference.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn text(&self, cells: &[String], column: &str) -> Option<String> {
        Some(self.header.get(cells, column)).filter(|s| !s.is_empty()).map(str::to_owned)
    }

    fn number<T: std::str::FromStr>(&mut self, row: i64, cells: &[String], column: &str) -> Option<T> {
        let text = self.header.get(cells, column);
        if text.is_empty() {
            return None;
        }
        match text.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(row, column, "must be a whole number");
                None
            }
        }
    }

    fn code<T: DeserializeOwned>(&mut self, row: i64, cells: &[String], column: &str) -> Option<T> {
        let text = self.header.get(cells, column);
        if text.is_empty() {
            return None;
        }
        match serde_json::from_value(serde_json::Value::String(text.to_ascii_lowercase())) {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(row, column, "not one of the codes this column takes");
                None
            }
        }
    }

    fn flag(&mut self, row: i64, cells: &[String], column: &str) -> Option<bool> {
        match self.header.get(cells, column).to_ascii_lowercase().as_str() {
            "" => None,
            "true" | "1" | "yes" | "y" | "是" => Some(true),
            "false" | "0" | "no" | "n" | "否" => Some(false),
            _ => {
                self.error(row, column, "must be true or false");
                None
            }
        }
    }
}

/// Makes the application of one household's rows; cells that cannot be read are reported.
fn build(header: &Header, reference: String, rows: Vec<i64>, cells: &[Vec<String>]) -> ImportedHousehold {
    let mut c = Cells { header, reference: &reference, errors: vec![] };
    let first = &cells[0];
    let row0 = rows[0];
    if reference.is_empty() {
        c.error(row0, "household_ref", "required");
    }
    if rows.len() > cells.len() {
        c.error(rows[cells.len()], "household_ref", format!("a household lists at most {MAX_ROWS_KEPT} rows"));
    }
    for (row, later) in rows.iter().zip(cells).skip(1) {
        for column in HOUSEHOLD {
            let v = header.get(later, column);
            if !v.is_empty() && v != header.get(first, column) {
                c.error(*row, column, format!("differs from the household's first row ({row0})"));
            }
        }
    }
    let year = c.number(row0, first, "year");
    let income = c.number(row0, first, "per_capita_income_fen");
    let kind = c.code::<HouseholdKind>(row0, first, "kind").unwrap_or_default();
    let mut members = Vec::with_capacity(cells.len());
    for (row, m) in rows.iter().zip(cells) {
        let relation = c.code::<Relation>(*row, m, "relation");
        if c.text(m, "relation").is_none() {
            c.error(*row, "relation", "required");
        }
        let details = MemberDetails {
            ethnicity: c.text(m, "ethnicity"),
            education: c.code(*row, m, "education"),
            school_status: c.code(*row, m, "school_status"),
            health: c.code(*row, m, "health"),
            labour: c.code(*row, m, "labour"),
            migrant_work_months: c.number(*row, m, "migrant_work_months"),
            dibao: c.flag(*row, m, "dibao").unwrap_or(false),
            medical_insurance: c.flag(*row, m, "medical_insurance").unwrap_or(false),
            pension_insurance: c.flag(*row, m, "pension_insurance").unwrap_or(false),
        };
        let resident_id = c.text(m, "resident_id").unwrap_or_default();
        if super::rows::is_rounded_number(&resident_id) {
            c.error(
                *row,
                "resident_id",
                "the workbook stores this ID as a number, which keeps only 15 digits; format the column as text and enter the ID numbers again",
            );
        }
        if let Some(relation) = relation {
            members.push(MemberInput { name: c.text(m, "name").unwrap_or_default(), resident_id, relation, details });
        }
    }
    let head = members.iter().position(|m| m.relation == Relation::Head).unwrap_or(0);
    let (head_row, head_cells) = (rows[head.min(cells.len() - 1)], &cells[head.min(cells.len() - 1)]);
    let by_type = ["wages_fen", "business_fen", "transfers_fen", "property_fen", "production_costs_fen"]
        .map(|col| c.number::<i64>(head_row, head_cells, col));
    let card = CardInput {
        income: by_type.iter().any(Option::is_some).then(|| Income {
            wages_fen: by_type[0].unwrap_or(0),
            business_fen: by_type[1].unwrap_or(0),
            transfers_fen: by_type[2].unwrap_or(0),
            property_fen: by_type[3].unwrap_or(0),
            production_costs_fen: by_type[4].unwrap_or(0),
        }),
        drinking_water_safe: c.flag(head_row, head_cells, "drinking_water_safe"),
        electricity: c.flag(head_row, head_cells, "electricity"),
        ..CardInput::default()
    };
    let household = match (year, income) {
        (Some(year), Some(per_capita_income_fen)) if c.errors.is_empty() => Some(RegisterHousehold {
            village: c.text(first, "village").unwrap_or_default(),
            year,
            kind,
            main_cause: c.text(first, "main_cause").unwrap_or_default(),
            other_causes: header
                .get(first, "other_causes")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            per_capita_income_fen,
            members,
            card,
            adjustment: None,
        }),
        (year, income) => {
            if year.is_none() && c.text(first, "year").is_none() {
                c.error(row0, "year", "required");
            }
            if income.is_none() && c.text(first, "per_capita_income_fen").is_none() {
                c.error(row0, "per_capita_income_fen", "required");
            }
            None
        }
    };
    let errors = c.errors;
    ImportedHousehold { household_ref: reference, rows, household, errors }
}
