//! The fund catalogue (`data/funds.csv`): the channels money moves through, each with the layer
//! whose budget it comes from, the years it runs and its purpose. A fund's *source account* —
//! the account of a division at the fund's source layer (the centre's for a central fund) — is
//! where the money enters the books, so it alone may go below zero.

use std::sync::OnceLock;

use chain_domain::{Division, Level};

use super::table::{number, records};

/// The embedded catalogue.
const FUNDS: &str = include_str!("../../data/funds.csv");

/// The layer a fund's money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The central budget (the centre's account, `CN`).
    Centre,
    /// A province's budget.
    Province,
    /// A county's budget.
    County,
}

/// One fund channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fund {
    /// Its code, e.g. `central-special`.
    pub code: String,
    /// Where its money comes from.
    pub source: Source,
    /// First budget year it runs.
    pub first_year: i32,
    /// Last budget year it runs.
    pub last_year: i32,
    /// What it is for.
    pub purpose: String,
}

impl Fund {
    /// Whether `holder` (`CN` or a division code) holds this fund's source account: the centre
    /// for a central fund, a division at the fund's source layer otherwise.
    pub fn is_source(&self, holder: &str) -> bool {
        match (self.source, Division::parse(holder).map(|d| d.level())) {
            (Source::Centre, _) => holder == "CN",
            (Source::Province, Ok(Level::Province)) | (Source::County, Ok(Level::County)) => true,
            _ => false,
        }
    }

    /// Whether an official of `allocator` (`None`: the centre) may allocate this fund: the
    /// centre only central funds; a division any fund whose source is its layer or above it.
    pub fn allocatable_by(&self, allocator: Option<&Division>) -> bool {
        match allocator {
            None => self.source == Source::Centre,
            Some(d) => match d.level() {
                Level::Province => self.source <= Source::Province,
                Level::City | Level::County => true,
                _ => false,
            },
        }
    }
}

/// The fund catalogue.
#[derive(Debug, Clone)]
pub struct Funds {
    funds: Vec<Fund>,
}

impl Funds {
    /// The embedded catalogue, parsed on first use.
    pub fn embedded() -> &'static Funds {
        static TABLE: OnceLock<Funds> = OnceLock::new();
        TABLE.get_or_init(|| Funds::from_csv(FUNDS).expect("the embedded funds.csv parses"))
    }

    /// Parses a catalogue: `fund,source,first_year,last_year,purpose`.
    pub fn from_csv(text: &str) -> Result<Funds, String> {
        let mut funds: Vec<Fund> = Vec::new();
        for (line, r) in records(text, &["fund", "source", "first_year", "last_year", "purpose"])? {
            let source = match r[1].as_str() {
                "centre" => Source::Centre,
                "province" => Source::Province,
                "county" => Source::County,
                other => return Err(format!("line {line}: unknown source {other:?}")),
            };
            let first_year = number(line, "first_year", &r[2], 2014..=2100)?;
            let last_year = number(line, "last_year", &r[3], first_year..=2100)?;
            if r[0].is_empty() || funds.iter().any(|f| f.code == r[0]) {
                return Err(format!("line {line}: a fund code is given once and not empty"));
            }
            funds.push(Fund { code: r[0].clone(), source, first_year, last_year, purpose: r[4].clone() });
        }
        Ok(Funds { funds })
    }

    /// The fund `code` running in `year`, if any.
    pub fn get(&self, code: &str, year: i32) -> Option<&Fund> {
        self.funds.iter().find(|f| f.code == code && (f.first_year..=f.last_year).contains(&year))
    }

    /// Whether a fund of this code exists in any year.
    pub fn knows(&self, code: &str) -> bool {
        self.funds.iter().any(|f| f.code == code)
    }

    /// Every fund, in the catalogue's order.
    pub fn all(&self) -> &[Fund] {
        &self.funds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(code: &str) -> Division {
        Division::parse(code).unwrap()
    }

    #[test]
    fn the_catalogue_names_the_five_channels_and_their_sources() {
        let funds = Funds::embedded();
        let codes: Vec<&str> = funds.all().iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            ["central-special", "integrated-agriculture", "provincial-special", "county-special", "social-paired"]
        );
        assert!(funds.get("central-special", 2016).unwrap().is_source("CN"));
        assert!(!funds.get("central-special", 2016).unwrap().is_source("52"));
        assert!(funds.get("provincial-special", 2016).unwrap().is_source("52"));
        assert!(!funds.get("provincial-special", 2016).unwrap().is_source("520624"));
        assert!(funds.get("county-special", 2016).unwrap().is_source("520624"));
        assert!(funds.get("integrated-agriculture", 2015).is_none(), "integration began in 2016");
        assert!(funds.get("nonsense", 2016).is_none());
    }

    #[test]
    fn the_centre_allocates_only_central_funds() {
        let funds = Funds::embedded();
        let central = funds.get("central-special", 2016).unwrap();
        let provincial = funds.get("provincial-special", 2016).unwrap();
        let county = funds.get("county-special", 2016).unwrap();
        assert!(central.allocatable_by(None));
        assert!(!provincial.allocatable_by(None));
        assert!(provincial.allocatable_by(Some(&d("52"))));
        assert!(!county.allocatable_by(Some(&d("52"))));
        assert!(county.allocatable_by(Some(&d("520624"))));
    }

    #[test]
    fn a_bad_catalogue_is_refused() {
        let header = "fund,source,first_year,last_year,purpose\n";
        assert!(Funds::from_csv(&format!("{header}x,bank,2016,2020,p\n")).unwrap_err().contains("unknown source"));
        assert!(Funds::from_csv(&format!("{header}x,centre,2016,2015,p\n")).is_err());
        assert!(Funds::from_csv(&format!("{header}x,centre,2016,2020,p\nx,county,2016,2020,q\n")).is_err());
        assert!(Funds::from_csv("fund,source\n").is_err());
    }
}
