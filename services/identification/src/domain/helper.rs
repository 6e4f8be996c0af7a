//! Pure rules of helpers (帮扶责任人): what an assignment must say, and the policy capping how
//! many households one cadre helps at once, by year and province (`data/helper_policy.csv`).

use chain_api::card::AssignHelper;
use chain_api::limits;
use chain_domain::{ByYear, Division, Invalid, Layer, cadre, text};
use chrono::{Months, NaiveDate};

/// Helper parameters for a year and province.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Households one cadre may help at once.
    pub max_households: u32,
}

/// The table of [`Policy`] by year and province.
#[derive(Debug, Clone)]
pub struct Policies(ByYear<Policy>);

impl Policies {
    /// The table shipped with the service (`data/helper_policy.csv`).
    pub fn embedded() -> &'static Policies {
        static TABLE: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            Policies::from_csv(include_str!("../../data/helper_policy.csv")).expect("the embedded table parses")
        })
    }

    /// Parses a table `year,province,max_households` with `#` comments.
    pub fn from_csv(text: &str) -> Result<Policies, String> {
        ByYear::from_csv(text, &["year", "province", "max_households"], |r| {
            let n = r[2].parse::<u32>().ok().filter(|n| (1..=1000).contains(n));
            Ok(Policy { max_households: n.ok_or("max_households is 1 to 1000")? })
        })
        .map(Policies)
    }

    /// The parameters for an assignment starting in `year` to a household of `village`.
    pub fn for_year(&self, year: i32, village: &Division) -> Policy {
        *self.0.for_year(year, village)
    }
}

/// A helper assignment as kept: its text cleaned, the unit's layer known, the phone trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidHelper {
    /// Full name.
    pub name: String,
    /// Work unit.
    pub unit: String,
    /// The unit's layer.
    pub unit_layer: Layer,
    /// The unit's division (`CN` for a central unit).
    pub unit_division: String,
    /// Phone, in clear.
    pub phone: String,
    /// First day.
    pub since: NaiveDate,
}

/// Checks an `assign-helper` request made on `today`; every bad field is reported. The helper is
/// a cadre of a unit of the township or a higher layer; the first day lies between 2014-01-01 and
/// a year ahead.
pub fn helper(h: &AssignHelper, today: NaiveDate) -> Result<ValidHelper, Invalid> {
    let mut bad = Invalid::new();
    let name = text::field(&h.name, text::Kind::Name, "name", &mut bad);
    if name.is_empty() || name.chars().count() > limits::NAME_CHARS {
        bad.push("name", format!("must be 1 to {} characters", limits::NAME_CHARS));
    }
    let unit = text::field(&h.unit, text::Kind::Name, "unit", &mut bad);
    if unit.is_empty() || unit.chars().count() > limits::UNIT_CHARS {
        bad.push("unit", format!("must be 1 to {} characters", limits::UNIT_CHARS));
    }
    let origin = cadre::unit(&h.unit_layer, &h.unit_division, Layer::Township, "", &mut bad);
    let phone = cadre::phone(&h.phone, "phone", &mut bad);
    let first = NaiveDate::from_ymd_opt(limits::FIRST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = today.checked_add_months(Months::new(12)).unwrap_or(NaiveDate::MAX);
    if h.since < first || h.since > latest {
        bad.push("since", format!("must be between {first} and {latest}"));
    }
    let (unit_layer, unit_division) = origin.unwrap_or((Layer::County, String::new()));
    bad.or(ValidHelper { name, unit, unit_layer, unit_division, phone, since: h.since })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper_of(name: &str) -> ValidHelper {
        let today = NaiveDate::from_ymd_opt(2017, 1, 1).unwrap();
        let h = AssignHelper {
            name: name.into(),
            unit: "县农业局".into(),
            unit_layer: "county".into(),
            unit_division: "520624".into(),
            phone: " 13812345678 ".into(),
            since: today,
        };
        helper(&h, today).unwrap()
    }

    #[test]
    fn a_helper_is_a_cadre_of_the_township_or_above_with_a_phone() {
        let today = NaiveDate::from_ymd_opt(2017, 1, 1).unwrap();
        assert_eq!(helper_of("王芳").phone, "13812345678");
        let h = AssignHelper {
            name: "王芳".into(),
            unit: "村委会".into(),
            unit_layer: "village".into(),
            unit_division: "520624101201".into(),
            phone: "12ab".into(),
            since: NaiveDate::from_ymd_opt(2013, 12, 31).unwrap(),
        };
        let fields: Vec<String> = helper(&h, today).unwrap_err().0.into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["unit_layer", "phone", "since"]);
    }

    #[test]
    fn the_shipped_policy_caps_every_year() {
        let sinan = Division::parse("520624101201").unwrap();
        assert!(Policies::embedded().for_year(2016, &sinan).max_households >= 1);
    }
}
