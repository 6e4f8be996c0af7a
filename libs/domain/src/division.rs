//! Statistical division codes (统计用区划代码): the addresses of the responsibility chain.
//!
//! A code's prefix is its parent, so jurisdiction checks are prefix checks. A [`Division`] is
//! only ever constructed through [`Division::parse`], which guarantees one of the five valid
//! shapes; whether the code actually names a place is the registry's business
//! ([`mod@crate::registry`]), not this type's.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The five administrative levels below the centre, from province down to village.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 省级: 2-digit code, e.g. `52` Guizhou.
    Province,
    /// 地级 (city / prefecture): 4-digit code, e.g. `5206` Tongren.
    City,
    /// 县级: 6-digit code, e.g. `520624` Sinan.
    County,
    /// 乡级 (township / town / street): 9-digit code, e.g. `520624101` Tangtou.
    Township,
    /// 村级 (village / community): 12-digit code, e.g. `520624101201`.
    Village,
}

impl Level {
    /// Every level, from the top (province) down.
    pub const ALL: [Level; 5] = [Level::Province, Level::City, Level::County, Level::Township, Level::Village];

    /// Number of digits a code at this level has (2, 4, 6, 9 or 12).
    pub const fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    /// The level whose codes have exactly `digits` digits, if any.
    pub const fn from_digits(digits: usize) -> Option<Level> {
        match digits {
            2 => Some(Level::Province),
            4 => Some(Level::City),
            6 => Some(Level::County),
            9 => Some(Level::Township),
            12 => Some(Level::Village),
            _ => None,
        }
    }

    /// The level directly above, or `None` for a province (whose parent is the centre).
    pub const fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::City => Some(Level::Province),
            Level::County => Some(Level::City),
            Level::Township => Some(Level::County),
            Level::Village => Some(Level::Township),
        }
    }

    /// The level directly below, or `None` for a village.
    pub const fn child(self) -> Option<Level> {
        match self {
            Level::Province => Some(Level::City),
            Level::City => Some(Level::County),
            Level::County => Some(Level::Township),
            Level::Township => Some(Level::Village),
            Level::Village => None,
        }
    }

    /// The lowercase word used in text and serde: `province`, `city`, `county`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = DivisionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL.into_iter().find(|level| level.as_str() == s).ok_or(DivisionError::UnknownLevel)
    }
}

/// Why a string is not a division code (or not a level name).
///
/// Messages never quote the input: a mistyped field could hold a resident ID number, and
/// errors end up in logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    /// The code has a length other than 2, 4, 6, 9 or 12.
    #[error("a division code has 2, 4, 6, 9 or 12 digits, but this one has {len} characters")]
    WrongLength {
        /// Number of characters in the rejected input.
        len: usize,
    },
    /// The code contains something other than ASCII digits.
    #[error("a division code contains only the digits 0-9")]
    NotDigits,
    /// The province part is `00`, which names no province.
    #[error("a division code cannot start with province \"00\"")]
    ZeroProvince,
    /// A level name other than province, city, county, township or village.
    #[error("unknown division level: expected province, city, county, township or village")]
    UnknownLevel,
}

/// A syntactically valid division code of 2, 4, 6, 9 or 12 ASCII digits.
///
/// Ordering is lexicographic on the code, so a parent sorts directly before its descendants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Division(Box<str>);

impl Division {
    /// Parses and validates a division code such as `"520624"`.
    pub fn parse(s: &str) -> Result<Division, DivisionError> {
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionError::NotDigits);
        }
        if Level::from_digits(s.len()).is_none() {
            return Err(DivisionError::WrongLength { len: s.chars().count() });
        }
        if s.starts_with("00") {
            return Err(DivisionError::ZeroProvince);
        }
        Ok(Division(s.into()))
    }

    /// The code as a string of digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as a number; unique within a level (codes at one level all have the same length).
    pub(crate) fn as_u64(&self) -> u64 {
        // Up to 12 ASCII digits always fit; validated in `parse`.
        self.0.bytes().fold(0, |acc, b| acc * 10 + u64::from(b - b'0'))
    }

    /// Rebuilds a division from a number known to be a valid code at `level`.
    pub(crate) fn from_u64(code: u64, level: Level) -> Division {
        let text = format!("{code:0width$}", width = level.digits());
        debug_assert!(Division::parse(&text).is_ok(), "invalid code {text}");
        Division(text.into())
    }

    /// The administrative level, determined by the number of digits.
    pub fn level(&self) -> Level {
        Level::from_digits(self.0.len()).expect("length validated in parse")
    }

    /// The division directly above, or `None` for a province.
    pub fn parent(&self) -> Option<Division> {
        self.ancestor_at(self.level().parent()?)
    }

    /// This division's ancestor (or itself) at `level`, or `None` if `level` is below it.
    pub fn ancestor_at(&self, level: Level) -> Option<Division> {
        (level <= self.level()).then(|| Division(self.0[..level.digits()].into()))
    }

    /// Every division above this one, nearest first (parent, grandparent, ..., province).
    pub fn ancestors(&self) -> Vec<Division> {
        std::iter::successors(self.parent(), Division::parent).collect()
    }

    /// Whether `other` lies within this division: this code is a prefix of `other`'s (or equal).
    pub fn contains(&self, other: &Division) -> bool {
        other.0.starts_with(&*self.0)
    }

    /// Whether this division is the direct parent of `other`.
    pub fn is_parent_of(&self, other: &Division) -> bool {
        other.parent().as_ref() == Some(self)
    }

    /// The code split into dot-separated level segments (2/2/2/3/3), for message subjects:
    /// `520624101201` becomes `52.06.24.101.201`.
    pub fn subject_tokens(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + 4);
        let mut start = 0;
        for level in Level::ALL.into_iter().take_while(|l| *l <= self.level()) {
            if start > 0 {
                out.push('.');
            }
            out.push_str(&self.0[start..level.digits()]);
            start = level.digits();
        }
        out
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Division {
    type Err = DivisionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Division::parse(s)
    }
}

impl TryFrom<&str> for Division {
    type Error = DivisionError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Division::parse(s)
    }
}

impl AsRef<str> for Division {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for Division {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Division {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Division::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
