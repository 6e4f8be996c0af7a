//! Policy parameters by year and province: a row applies from its year on, until a later row for
//! the same province; province `*` is the national default, and a province's rows replace the
//! default ones for divisions in that province.

use crate::division::{Division, Level};
use crate::policy_table::{ANY, TableProblem, parse_province, rows};

/// A table of parameters `T` by year and province.
#[derive(Debug, Clone)]
pub struct ByYear<T> {
    rows: Vec<(i32, Option<Division>, T)>,
}

impl<T> ByYear<T> {
    /// Parses CSV text with `#` comments under exactly `header`, whose first two columns are
    /// `year` and `province`; `parse` reads a row's parameters from its other cells (the record
    /// as a whole, so cell 2 is the first parameter). A `*` row for the earliest year is required,
    /// so every later year and province has parameters.
    pub fn from_csv(
        text: &str,
        header: &[&str],
        parse: impl Fn(&csv::StringRecord) -> Result<T, String>,
    ) -> Result<ByYear<T>, String> {
        let problem = |p: TableProblem| match p {
            TableProblem::Csv(e) => e,
            TableProblem::Header => format!("the header must be {}", header.join(",")),
        };
        let mut table = Vec::new();
        for row in rows(text, header).map_err(problem)? {
            let (line, record) = row.map_err(problem)?;
            let bad = |what: &str| format!("line {line}: {what}");
            let year = record[0].parse::<i32>().ok().filter(|y| (2014..=2100).contains(y));
            let year = year.ok_or_else(|| bad("the year is 2014 to 2100"))?;
            let province = parse_province(&record[1])
                .ok_or_else(|| bad(&format!("{:?} is neither {ANY} nor a 2-digit province code", &record[1])))?;
            if table.iter().any(|(y, p, _)| *y == year && *p == province) {
                return Err(bad("a year and province appear twice"));
            }
            let value = parse(&record).map_err(|e| bad(&e))?;
            table.push((year, province, value));
        }
        let first = table.iter().map(|(y, _, _)| *y).min().ok_or("the table has no rows")?;
        if !table.iter().any(|(y, p, _)| *y == first && p.is_none()) {
            return Err(format!("a {ANY} row for {first} is required"));
        }
        Ok(ByYear { rows: table })
    }

    /// The parameters for `year` in the province of `division`: the province's latest row not
    /// after the year, else the national default's (the earliest row when the year precedes all).
    pub fn for_year(&self, year: i32, division: &Division) -> &T {
        let province = division.ancestor_at(Level::Province);
        let latest = |of: &dyn Fn(&Option<Division>) -> bool| {
            self.rows.iter().filter(|(y, p, _)| *y <= year && of(p)).max_by_key(|(y, _, _)| *y)
        };
        latest(&|p| p.is_some() && *p == province)
            .or_else(|| latest(&|p| p.is_none()))
            .or_else(|| self.rows.iter().filter(|(_, p, _)| p.is_none()).min_by_key(|(y, _, _)| *y))
            .map(|(_, _, value)| value)
            .expect("a default row exists (checked when parsed)")
    }

    /// The parameters in force in `year` for each province the table names (and the default):
    /// each one's latest row not after the year; a province with no such row is left out.
    pub fn in_force(&self, year: i32) -> Vec<&T> {
        let mut provinces: Vec<&Option<Division>> = self.rows.iter().map(|(_, p, _)| p).collect();
        provinces.sort();
        provinces.dedup();
        provinces
            .into_iter()
            .filter_map(|p| self.rows.iter().filter(|(y, q, _)| *y <= year && q == p).max_by_key(|(y, _, _)| *y))
            .map(|(_, _, value)| value)
            .collect()
    }

    /// Every row's parameters, in the table's order.
    pub fn all(&self) -> impl Iterator<Item = &T> {
        self.rows.iter().map(|(_, _, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> ByYear<u32> {
        let text = "# comment\nyear,province,n\n2014,*,5\n2018,*,6\n2016,52,3\n";
        ByYear::from_csv(text, &["year", "province", "n"], |r| r[2].parse::<u32>().map_err(|e| e.to_string())).unwrap()
    }

    #[test]
    fn a_row_holds_from_its_year_and_a_province_replaces_the_default() {
        let sinan = Division::parse("520624").unwrap();
        let beijing = Division::parse("110101").unwrap();
        assert_eq!(*table().for_year(2015, &sinan), 5);
        assert_eq!(*table().for_year(2016, &sinan), 3);
        assert_eq!(*table().for_year(2020, &sinan), 3);
        assert_eq!(*table().for_year(2020, &beijing), 6);
        assert_eq!(*table().for_year(2010, &beijing), 5);
    }

    #[test]
    fn a_table_needs_a_default_for_its_first_year() {
        let text = "year,province,n\n2014,52,5\n";
        let parsed = ByYear::from_csv(text, &["year", "province", "n"], |r| Ok(r[2].to_owned()));
        assert!(parsed.unwrap_err().contains("row for 2014"));
    }
}
