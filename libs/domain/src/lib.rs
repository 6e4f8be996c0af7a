//! Pure domain types and rules for the poverty-alleviation responsibility chain.
//!
//! Values are parsed once into these types and never re-validated: [`Division`] codes and the
//! [`Jurisdiction`] prefixes officials act on, [`ResidentId`] numbers that refuse to print
//! unmasked, [`Money`] as integer fen, [`PovertyCause`]s, [`PovertyLines`] loaded as data, and the
//! embedded national division tree behind [`registry()`]. No I/O, no async, no web or database code.

#![warn(missing_docs)]

pub mod apportion;
pub mod by_year;
pub mod cadre;
pub mod calendar;
pub mod cause;
pub mod deadline_ladder;
pub mod division;
pub mod funding;
pub mod jurisdiction;
pub mod money;
pub mod notice_days;
pub(crate) mod policy_table;
pub mod poverty_line;
pub mod registry;
pub mod resident_id;
pub mod rules;
pub mod text;
pub mod work_calendar;

pub use apportion::{ApportionError, apportion};
pub use by_year::ByYear;
pub use calendar::Period;
pub use cause::{CauseError, Causes, PovertyCause};
pub use deadline_ladder::{DeadlineLadder, DeadlineLadderError, Ladder};
pub use division::{Division, DivisionError, Level};
pub use funding::{FundingDeadline, FundingDeadlines, FundingDeadlinesError};
pub use jurisdiction::{Jurisdiction, JurisdictionError, Layer};
pub use money::{Money, MoneyError};
pub use notice_days::{NoticeDays, NoticeDaysError};
pub use poverty_line::{PovertyLines, PovertyLinesError};
pub use registry::{DivisionInfo, DivisionRegistry, registry};
pub use resident_id::{ResidentId, ResidentIdError, Sex, with_check_digit};
pub use rules::{Invalid, Violation};
pub use text::{TextError, csv_cell};
pub use work_calendar::{DayKind, WorkCalendar, WorkCalendarError};
