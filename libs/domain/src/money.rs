//! Amounts of renminbi as integer fen (分; 1 yuan = 100 fen). Never floating point.
//!
//! Arithmetic is checked: every operation that could overflow returns `Option`, so a ledger can
//! never silently wrap around.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Fen per yuan.
const FEN_PER_YUAN: i64 = 100;

/// Why an amount was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount must be greater than zero (an allocation, a disbursement, a poverty line).
    #[error("the amount must be greater than zero, but it is {fen} fen")]
    NotPositive {
        /// The rejected amount in fen.
        fen: i64,
    },
}

/// An amount in fen. May be negative (a balance or a correction); see [`Money::positive`].
///
/// Serialises as a plain integer of fen. `Display` shows yuan with two decimals: `1234.56`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);

    /// An amount of `fen` fen.
    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// An amount of whole yuan.
    ///
    /// # Panics
    /// If `yuan × 100` overflows `i64` (beyond ±92 quadrillion yuan); see
    /// [`Money::checked_from_yuan`].
    pub const fn from_yuan(yuan: i64) -> Money {
        match Money::checked_from_yuan(yuan) {
            Some(money) => money,
            None => panic!("yuan amount too large to represent in fen"),
        }
    }

    /// An amount of whole yuan, or `None` if it cannot be represented in fen.
    pub const fn checked_from_yuan(yuan: i64) -> Option<Money> {
        match yuan.checked_mul(FEN_PER_YUAN) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// A strictly positive amount of `fen` fen, as required for allocations and disbursements.
    pub const fn positive(fen: i64) -> Result<Money, MoneyError> {
        if fen > 0 { Ok(Money(fen)) } else { Err(MoneyError::NotPositive { fen }) }
    }

    /// The amount in fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whether the amount is greater than zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether the amount is less than zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Money) -> Option<Money> {
        match self.0.checked_add(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// `self - other`, or `None` on overflow.
    pub const fn checked_sub(self, other: Money) -> Option<Money> {
        match self.0.checked_sub(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// `self × factor` (e.g. a per-person amount times household size), or `None` on overflow.
    pub const fn checked_mul(self, factor: i64) -> Option<Money> {
        match self.0.checked_mul(factor) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// The sum of `amounts`, or `None` if any partial sum overflows.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, |total, amount| total.checked_add(amount))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // unsigned_abs avoids overflow on i64::MIN.
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let per_yuan = FEN_PER_YUAN.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / per_yuan, abs % per_yuan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_convert_to_one_hundred_fen_each() {
        assert_eq!(Money::from_yuan(2736).fen(), 273_600);
        assert_eq!(Money::from_fen(5).fen(), 5);
    }

    #[test]
    fn from_yuan_beyond_the_range_is_none_when_checked() {
        assert_eq!(Money::checked_from_yuan(i64::MAX), None);
        assert_eq!(Money::checked_from_yuan(-3), Some(Money::from_fen(-300)));
    }

    #[test]
    #[should_panic(expected = "too large")]
    fn from_yuan_beyond_the_range_panics() {
        let _ = Money::from_yuan(i64::MIN);
    }

    #[test]
    fn display_shows_yuan_with_two_decimals() {
        assert_eq!(Money::from_fen(123_456).to_string(), "1234.56");
        assert_eq!(Money::from_fen(5).to_string(), "0.05");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(-123_400).to_string(), "-1234.00");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_fen(i64::MIN).to_string(), "-92233720368547758.08");
    }

    #[test]
    fn positive_rejects_zero_and_negative_amounts() {
        assert_eq!(Money::positive(1), Ok(Money::from_fen(1)));
        assert_eq!(Money::positive(0), Err(MoneyError::NotPositive { fen: 0 }));
        let message = Money::positive(-7).unwrap_err().to_string();
        assert!(message.contains("greater than zero"), "{message}");
    }

    #[test]
    fn sign_predicates_agree_with_the_amount() {
        assert!(Money::from_fen(1).is_positive());
        assert!(!Money::ZERO.is_positive());
        assert!(!Money::ZERO.is_negative());
        assert!(Money::from_fen(-1).is_negative());
    }

    #[test]
    fn checked_arithmetic_returns_none_instead_of_wrapping() {
        let max = Money::from_fen(i64::MAX);
        assert_eq!(max.checked_add(Money::from_fen(1)), None);
        assert_eq!(Money::from_fen(i64::MIN).checked_sub(Money::from_fen(1)), None);
        assert_eq!(max.checked_mul(2), None);
        assert_eq!(Money::from_fen(300).checked_sub(Money::from_fen(500)), Some(Money::from_fen(-200)));
    }

    #[test]
    fn checked_sum_adds_everything_or_reports_overflow() {
        let amounts = [1, 2, 3].map(Money::from_fen);
        assert_eq!(Money::checked_sum(amounts), Some(Money::from_fen(6)));
        assert_eq!(Money::checked_sum([]), Some(Money::ZERO));
        let huge = [Money::from_fen(i64::MAX), Money::from_fen(1)];
        assert_eq!(Money::checked_sum(huge), None);
    }

    #[test]
    fn money_serializes_as_a_plain_integer_of_fen() {
        assert_eq!(serde_json::to_string(&Money::from_fen(123_456)).unwrap(), "123456");
        let back: Money = serde_json::from_str("-42").unwrap();
        assert_eq!(back, Money::from_fen(-42));
        assert!(serde_json::from_str::<Money>("1.5").is_err());
    }
}
