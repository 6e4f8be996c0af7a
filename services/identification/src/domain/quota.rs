//! Pure rules of scale control: which years a quota is set for, how many places it may hold, and
//! what a county's breakdown to its villages may name.

use std::collections::BTreeMap;

use chain_domain::{Division, Invalid, Level, registry};

/// Most places a county or village quota may hold.
pub const MAX_PLACES: i64 = chain_api::limits::MAX_PLACES;

/// A quota's year: 2014 to next year.
pub fn year(year: i32, this_year: i32) -> Result<(), Invalid> {
    if !(chain_api::limits::FIRST_YEAR..=this_year + 1).contains(&year) {
        return Err(Invalid::field("year", format!("must be between 2014 and {}", this_year + 1)));
    }
    Ok(())
}

/// A county's total: 0 to [`MAX_PLACES`] households.
pub fn total(total: i64) -> Result<(), Invalid> {
    if !(0..=MAX_PLACES).contains(&total) {
        return Err(Invalid::field("total", format!("0 to {MAX_PLACES} households")));
    }
    Ok(())
}

/// A breakdown names villages of the county in the registry, each with 0 to [`MAX_PLACES`]
/// places.
pub fn breakdown(county: &Division, villages: &BTreeMap<String, i64>) -> Result<(), Invalid> {
    let mut bad = Invalid::new();
    for (code, places) in villages {
        let field = format!("villages/{code}");
        match Division::parse(code) {
            Ok(d) if d.level() == Level::Village && registry().exists(&d) && county.contains(&d) => {}
            Ok(d) if d.level() == Level::Village && registry().exists(&d) => {
                bad.push(field.clone(), format!("not a village of county {county}"));
            }
            _ => bad.push(field.clone(), "no such village in the division registry"),
        }
        if !(0..=MAX_PLACES).contains(places) {
            bad.push(field, format!("0 to {MAX_PLACES} places"));
        }
    }
    bad.or(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breakdown_names_the_county_s_villages_with_a_bounded_number_of_places() {
        let county = Division::parse("520624").unwrap();
        let villages = |code: &str, places| BTreeMap::from([(code.to_owned(), places)]);
        assert!(breakdown(&county, &villages("520624101201", 40)).is_ok());
        let fields = |v| breakdown(&county, &v).unwrap_err().0.into_iter().map(|v| v.message).collect::<Vec<_>>();
        assert_eq!(fields(villages("520623101201", 1)), ["not a village of county 520624"]);
        assert_eq!(fields(villages("520624101201", -1)), ["0 to 1000000 places"]);
        assert!(year(2013, 2026).is_err() && year(2027, 2026).is_ok() && total(MAX_PLACES + 1).is_err());
    }
}
