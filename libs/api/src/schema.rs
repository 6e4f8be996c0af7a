//! Schemas for strings the wire carries as plain text but the server reads as one of a closed
//! set or a fixed shape: poverty causes, division levels, division codes (problem types are
//! declared with [`crate::problem::Problem`]). Each is
//! built from the domain's own list ([`PovertyCause::ALL`], [`Level::ALL`],
//! [`crate::ProblemKind::ALL`]), so the document names exactly what the validators accept. Fields use them with `#[schema(value_type = …)]`; the JSON is unchanged.

use std::borrow::Cow;

use chain_domain::{Layer, Level, PovertyCause, Sex};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// The code of the centre where a division code may stand for it.
pub const CENTRE: &str = "CN";

fn one_of_strings<'a>(description: &str, values: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(values)).into()
}

fn pattern(description: &str, pattern: String, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .examples([example])
        .into()
}

/// `^(?:[0-9]{2}|[0-9]{4}|…)$` for the given levels.
fn digits_of(levels: &[Level], centre: bool) -> String {
    let mut alternatives: Vec<String> = levels.iter().map(|l| format!("[0-9]{{{}}}", l.digits())).collect();
    if centre {
        alternatives.push(CENTRE.to_owned());
    }
    format!("^(?:{})$", alternatives.join("|"))
}

macro_rules! string_schema {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

string_schema!(
    /// One of the twelve national poverty causes (致贫原因), e.g. `illness`.
    Cause => one_of_strings(
        "One of the twelve national poverty causes (致贫原因).",
        PovertyCause::ALL.iter().map(|c| c.as_str()),
    )
);

string_schema!(
    /// A level of the division tree, e.g. `county`.
    DivisionLevel => one_of_strings("A level of the division tree.", Level::ALL.iter().map(|l| l.as_str()))
);

string_schema!(
    /// A layer of the chain: the centre or a level of the division tree, e.g. `central`.
    LayerName => one_of_strings(
        "A layer of the responsibility chain: `central` or a level of the division tree.",
        Layer::ALL.iter().map(|l| l.as_str()),
    )
);

string_schema!(
    /// `male` or `female`, as a resident ID encodes it.
    SexName => one_of_strings(
        "Sex as encoded in the resident ID number.",
        [Sex::Male, Sex::Female].map(|s| if s == Sex::Male { "male" } else { "female" }),
    )
);

string_schema!(
    /// A 12-digit village code.
    VillageCode => pattern("A 12-digit village code.", digits_of(&[Level::Village], false), "520624101201")
);

string_schema!(
    /// A 2-digit province code.
    ProvinceCode => pattern("A 2-digit province code.", digits_of(&[Level::Province], false), "52")
);

string_schema!(
    /// A 6-digit county code.
    CountyCode => pattern("A 6-digit county code.", digits_of(&[Level::County], false), "520624")
);

string_schema!(
    /// A division code of any level: 2, 4, 6, 9 or 12 digits.
    DivisionCode => pattern(
        "A division code: 2 (province), 4 (city), 6 (county), 9 (township) or 12 (village) digits.",
        digits_of(&Level::ALL, false),
        "520624",
    )
);

string_schema!(
    /// A division code of any level, or `CN` for the centre.
    DivisionOrCentre => pattern(
        "A division code (2, 4, 6, 9 or 12 digits), or `CN` for the centre.",
        digits_of(&Level::ALL, true),
        "52",
    )
);

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(schema: RefOr<Schema>, code: &str) -> bool {
        let RefOr::T(Schema::Object(o)) = schema else { panic!("an inline object schema") };
        let pattern = o.pattern.expect("a pattern");
        // The patterns are anchored alternatives of fixed digit counts (and `CN`).
        let inner = pattern.trim_start_matches("^(?:").trim_end_matches(")$");
        inner.split('|').any(|alt| match alt.strip_prefix("[0-9]{").and_then(|n| n.strip_suffix('}')) {
            Some(n) => code.len() == n.parse::<usize>().unwrap() && code.bytes().all(|b| b.is_ascii_digit()),
            None => code == alt,
        })
    }

    #[test]
    fn division_patterns_accept_what_the_domain_parses() {
        for code in ["52", "5206", "520624", "520624101", "520624101201"] {
            assert!(chain_domain::Division::parse(code).is_ok());
            assert!(matches(DivisionCode::schema(), code), "{code}");
            assert!(matches(DivisionOrCentre::schema(), code), "{code}");
        }
        for code in ["5", "520", "52062410", "5206241012011", "52a624"] {
            assert!(chain_domain::Division::parse(code).is_err());
            assert!(!matches(DivisionCode::schema(), code), "{code}");
        }
        assert!(matches(DivisionOrCentre::schema(), CENTRE));
        assert!(!matches(DivisionCode::schema(), CENTRE));
        assert!(matches(VillageCode::schema(), "520624101201") && !matches(VillageCode::schema(), "520624"));
        assert!(matches(CountyCode::schema(), "520624") && !matches(CountyCode::schema(), "52062410"));
    }

    #[test]
    fn causes_are_the_domains_twelve() {
        let RefOr::T(Schema::Object(o)) = Cause::schema() else { panic!() };
        let listed: Vec<_> = o.enum_values.unwrap().into_iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        let parsed: Vec<_> = listed.iter().map(|s| s.parse::<PovertyCause>().unwrap()).collect();
        assert_eq!(parsed, PovertyCause::ALL);
    }
}
