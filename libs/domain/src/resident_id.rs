//! Resident identity card numbers (公民身份号码, GB 11643-1999).
//!
//! These are personal data. [`ResidentId`] therefore prints only a masked form through both
//! `Display` and `Debug`, has no serde implementation (so it cannot slip into a JSON body or a log
//! line by accident), and its errors never quote the input. The full value is reachable only
//! through [`ResidentId::as_str`], for encryption and blind indexing.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Weights of the first 17 characters in the check computation (2^(17-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum mod 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Why a string is not a valid resident ID number. Messages never contain the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Not 18 characters long (and not a 15-digit legacy number).
    #[error("a resident ID number has 18 characters, but this one has {len}")]
    WrongLength {
        /// Number of characters in the rejected input.
        len: usize,
    },
    /// The first 17 characters are not all digits, or the last is not a digit or X.
    #[error("a resident ID number is 17 digits followed by a digit or X")]
    NotDigits,
    /// Characters 7-14 are not a real date between 1900-01-01 and today.
    #[error("the birth date in the resident ID number is not a real date between 1900 and today")]
    BadBirthDate,
    /// The final check character does not match the first 17 digits.
    #[error("the resident ID number's check character does not match (likely a typing error)")]
    BadCheckDigit,
    /// A 15-digit first-generation number, which must be converted to 18 digits first.
    #[error("15-digit first-generation resident ID numbers are not accepted; use the 18-digit number")]
    Legacy15,
}

/// Sex as encoded in a resident ID number (odd sequence digit: male, even: female).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// 男: odd 17th digit.
    Male,
    /// 女: even 17th digit.
    Female,
}

/// A validated 18-character resident ID number, normalised to an upper-case `X` check.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(Box<str>);

impl ResidentId {
    /// Parses an ID number, treating `today` (the date in China) as the latest possible birth date.
    pub fn parse(s: &str, today: NaiveDate) -> Result<ResidentId, ResidentIdError> {
        let len = s.chars().count();
        if len != 18 {
            if len == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ResidentIdError::Legacy15);
            }
            return Err(ResidentIdError::WrongLength { len });
        }
        let bytes = s.as_bytes();
        if bytes.len() != 18 {
            // 18 characters but more bytes: something non-ASCII, such as a full-width digit.
            return Err(ResidentIdError::NotDigits);
        }
        let (first17, last) = bytes.split_at(17);
        let last = last[0].to_ascii_uppercase();
        if !first17.iter().all(u8::is_ascii_digit) || !(last.is_ascii_digit() || last == b'X') {
            return Err(ResidentIdError::NotDigits);
        }
        let birth = birth_date_of(first17).ok_or(ResidentIdError::BadBirthDate)?;
        if birth.year() < 1900 || birth > today {
            return Err(ResidentIdError::BadBirthDate);
        }
        if check_char(first17) != last {
            return Err(ResidentIdError::BadCheckDigit);
        }
        let mut normalised = String::with_capacity(18);
        normalised.push_str(&s[..17]);
        normalised.push(char::from(last));
        Ok(ResidentId(normalised.into()))
    }

    /// The full normalised number. Use only for encryption or a blind index; never log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 6 characters, 8 asterisks, last 4: `520624********123X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The 6-digit address code of the place the number was first issued.
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date encoded in characters 7-14.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0.as_bytes()[..17]).expect("validated in parse")
    }

    /// The sex encoded by the parity of the 17th digit.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 { Sex::Male } else { Sex::Female }
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

/// Appends the GB 11643 check character to 17 digits, giving a complete 18-character number.
///
/// Meant for tests and fixtures.
///
/// # Panics
/// If `first17` is not exactly 17 ASCII digits.
pub fn with_check_digit(first17: &str) -> String {
    let bytes = first17.as_bytes();
    assert!(
        bytes.len() == 17 && bytes.iter().all(u8::is_ascii_digit),
        "with_check_digit needs exactly 17 ASCII digits"
    );
    let mut out = String::with_capacity(18);
    out.push_str(first17);
    out.push(char::from(check_char(bytes)));
    out
}

/// The check character for 17 ASCII digits.
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(digit, weight)| u32::from(digit - b'0') * weight).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// The calendar date in characters 7-14 (YYYYMMDD), if it is one.
fn birth_date_of(first17: &[u8]) -> Option<NaiveDate> {
    let number =
        |range: std::ops::Range<usize>| first17[range].iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    let year = i32::try_from(number(6..10)).ok()?;
    NaiveDate::from_ymd_opt(year, number(10..12), number(12..14))
}

#[cfg(test)]
mod tests;
