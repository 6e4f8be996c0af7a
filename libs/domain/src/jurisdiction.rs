//! Jurisdictions: the code prefix an official may act on, and the layer of the chain it belongs to.
//!
//! The centre is the root and has no division code; its string form is `CN`. Every other
//! jurisdiction is a [`Division`], and covers exactly the records whose division starts with it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::division::{Division, DivisionError, Level};

/// The string form of the national (central) jurisdiction.
const NATIONAL: &str = "CN";

/// The layers of the responsibility chain, from the centre down to the village.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The centre (中央): plans, sets targets, allocates central funds, assesses provinces.
    Central,
    /// Province (省): takes overall responsibility.
    Province,
    /// City / prefecture (市): first review, coordination, supervision.
    City,
    /// County (县): the main implementer.
    County,
    /// Township (乡): reviews village lists, second public notice.
    Township,
    /// Village (村): applications, democratic appraisal, first public notice.
    Village,
}

impl Layer {
    /// Every layer, from the centre down.
    pub const ALL: [Layer; 6] =
        [Layer::Central, Layer::Province, Layer::City, Layer::County, Layer::Township, Layer::Village];

    /// The layer a division's officials belong to.
    pub fn of(division: &Division) -> Layer {
        Layer::from(division.level())
    }

    /// The layer directly above (where overdue work escalates), or `None` for the centre.
    pub const fn parent(self) -> Option<Layer> {
        match self {
            Layer::Central => None,
            Layer::Province => Some(Layer::Central),
            Layer::City => Some(Layer::Province),
            Layer::County => Some(Layer::City),
            Layer::Township => Some(Layer::County),
            Layer::Village => Some(Layer::Township),
        }
    }

    /// The lowercase word used in text and serde: `central`, `province`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Layer::Central => "central",
            Layer::Province => "province",
            Layer::City => "city",
            Layer::County => "county",
            Layer::Township => "township",
            Layer::Village => "village",
        }
    }
}

impl From<Level> for Layer {
    fn from(level: Level) -> Layer {
        match level {
            Level::Province => Layer::Province,
            Level::City => Layer::City,
            Level::County => Layer::County,
            Level::Township => Layer::Township,
            Level::Village => Layer::Village,
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a jurisdiction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a jurisdiction is \"CN\" or a division code: {0}")]
pub struct JurisdictionError(#[from] pub DivisionError);

/// The prefix of the division tree an official acts on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Jurisdiction {
    /// The whole country (the centre). String form `CN`.
    National,
    /// One division and everything below it.
    Division(Division),
}

impl Jurisdiction {
    /// Parses `CN` (exactly, upper case) or a division code.
    pub fn parse(s: &str) -> Result<Jurisdiction, JurisdictionError> {
        if s == NATIONAL { Ok(Jurisdiction::National) } else { Ok(Jurisdiction::Division(Division::parse(s)?)) }
    }

    /// Whether a record in `division` falls within this jurisdiction.
    pub fn covers(&self, division: &Division) -> bool {
        match self {
            Jurisdiction::National => true,
            Jurisdiction::Division(own) => own.contains(division),
        }
    }

    /// Whether `other` lies entirely within this jurisdiction (equal counts as covered).
    pub fn covers_jurisdiction(&self, other: &Jurisdiction) -> bool {
        match other {
            Jurisdiction::National => *self == Jurisdiction::National,
            Jurisdiction::Division(division) => self.covers(division),
        }
    }

    /// The layer of the chain this jurisdiction belongs to.
    pub fn layer(&self) -> Layer {
        match self {
            Jurisdiction::National => Layer::Central,
            Jurisdiction::Division(division) => Layer::of(division),
        }
    }

    /// The division, or `None` for the national jurisdiction.
    pub fn division(&self) -> Option<&Division> {
        match self {
            Jurisdiction::National => None,
            Jurisdiction::Division(division) => Some(division),
        }
    }

    /// The jurisdiction one layer up (a province's parent is the centre), or `None` for the centre.
    pub fn parent(&self) -> Option<Jurisdiction> {
        match self {
            Jurisdiction::National => None,
            Jurisdiction::Division(division) => {
                Some(division.parent().map_or(Jurisdiction::National, Jurisdiction::Division))
            }
        }
    }
}

impl From<Division> for Jurisdiction {
    fn from(division: Division) -> Jurisdiction {
        Jurisdiction::Division(division)
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Jurisdiction::National => f.write_str(NATIONAL),
            Jurisdiction::Division(division) => division.fmt(f),
        }
    }
}

impl FromStr for Jurisdiction {
    type Err = JurisdictionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Jurisdiction::parse(s)
    }
}

impl Serialize for Jurisdiction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Jurisdiction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Jurisdiction::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Jurisdiction {
        Jurisdiction::parse(s).unwrap()
    }

    fn d(s: &str) -> Division {
        Division::parse(s).unwrap()
    }

    #[test]
    fn cn_parses_as_national_and_displays_back() {
        assert_eq!(j("CN"), Jurisdiction::National);
        assert_eq!(j("CN").to_string(), "CN");
        assert_eq!(j("520624").to_string(), "520624");
    }

    #[test]
    fn lowercase_cn_and_bad_codes_are_rejected() {
        assert!(Jurisdiction::parse("cn").is_err());
        assert!(Jurisdiction::parse("").is_err());
        assert!(Jurisdiction::parse("52062").is_err());
    }

    #[test]
    fn national_covers_every_division() {
        assert!(Jurisdiction::National.covers(&d("11")));
        assert!(Jurisdiction::National.covers(&d("520624101201")));
    }

    #[test]
    fn a_county_covers_its_villages_but_not_its_neighbours_or_its_city() {
        let sinan = j("520624");
        assert!(sinan.covers(&d("520624101201")));
        assert!(sinan.covers(&d("520624")));
        assert!(!sinan.covers(&d("520625101201")));
        assert!(!sinan.covers(&d("5206")));
    }

    #[test]
    fn only_national_covers_national() {
        assert!(Jurisdiction::National.covers_jurisdiction(&Jurisdiction::National));
        assert!(Jurisdiction::National.covers_jurisdiction(&j("52")));
        assert!(!j("52").covers_jurisdiction(&Jurisdiction::National));
        assert!(j("52").covers_jurisdiction(&j("520624")));
        assert!(!j("520624").covers_jurisdiction(&j("52")));
    }

    #[test]
    fn layers_follow_the_code_length() {
        let layers: Vec<Layer> =
            ["CN", "52", "5206", "520624", "520624101", "520624101201"].into_iter().map(|s| j(s).layer()).collect();
        assert_eq!(layers, Layer::ALL);
        assert_eq!(Layer::of(&d("520624")), Layer::County);
    }

    #[test]
    fn parent_of_a_province_is_the_centre() {
        assert_eq!(j("52").parent(), Some(Jurisdiction::National));
        assert_eq!(j("520624").parent(), Some(j("5206")));
        assert_eq!(Jurisdiction::National.parent(), None);
        assert_eq!(Layer::Province.parent(), Some(Layer::Central));
    }

    #[test]
    fn division_is_none_only_for_national() {
        assert_eq!(Jurisdiction::National.division(), None);
        assert_eq!(j("52").division(), Some(&d("52")));
    }

    #[test]
    fn jurisdictions_and_layers_serialize_as_strings() {
        assert_eq!(serde_json::to_string(&j("CN")).unwrap(), "\"CN\"");
        assert_eq!(serde_json::to_string(&j("5206")).unwrap(), "\"5206\"");
        let back: Jurisdiction = serde_json::from_str("\"CN\"").unwrap();
        assert_eq!(back, Jurisdiction::National);
        assert!(serde_json::from_str::<Jurisdiction>("\"XX\"").is_err());
        assert_eq!(serde_json::to_string(&Layer::Central).unwrap(), "\"central\"");
        assert_eq!(Layer::Township.to_string(), "township");
    }
}
