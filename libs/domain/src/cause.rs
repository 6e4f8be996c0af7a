//! Poverty causes (致贫原因) as recorded on a household's file card: one main cause and up to
//! two others, drawn from the twelve national categories.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the twelve national poverty-cause categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PovertyCause {
    /// 因病: illness.
    Illness,
    /// 因残: disability.
    Disability,
    /// 因学: schooling costs.
    SchoolingCosts,
    /// 因灾: natural disaster.
    Disaster,
    /// 缺土地: lack of land.
    LackOfLand,
    /// 缺水: lack of water.
    LackOfWater,
    /// 缺技术: lack of skills.
    LackOfSkills,
    /// 缺劳力: lack of labour.
    LackOfLabour,
    /// 缺资金: lack of funds.
    LackOfFunds,
    /// 交通条件落后: poor transport.
    PoorTransport,
    /// 自身发展动力不足: lack of own motivation.
    LackOfMotivation,
    /// 其他: other.
    Other,
}

impl PovertyCause {
    /// All twelve causes, in the order of the national file card.
    pub const ALL: [PovertyCause; 12] = [
        PovertyCause::Illness,
        PovertyCause::Disability,
        PovertyCause::SchoolingCosts,
        PovertyCause::Disaster,
        PovertyCause::LackOfLand,
        PovertyCause::LackOfWater,
        PovertyCause::LackOfSkills,
        PovertyCause::LackOfLabour,
        PovertyCause::LackOfFunds,
        PovertyCause::PoorTransport,
        PovertyCause::LackOfMotivation,
        PovertyCause::Other,
    ];

    /// The snake_case name used in text and serde, e.g. `schooling_costs`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PovertyCause::Illness => "illness",
            PovertyCause::Disability => "disability",
            PovertyCause::SchoolingCosts => "schooling_costs",
            PovertyCause::Disaster => "disaster",
            PovertyCause::LackOfLand => "lack_of_land",
            PovertyCause::LackOfWater => "lack_of_water",
            PovertyCause::LackOfSkills => "lack_of_skills",
            PovertyCause::LackOfLabour => "lack_of_labour",
            PovertyCause::LackOfFunds => "lack_of_funds",
            PovertyCause::PoorTransport => "poor_transport",
            PovertyCause::LackOfMotivation => "lack_of_motivation",
            PovertyCause::Other => "other",
        }
    }

    /// The Chinese name as printed on the file card, e.g. `因病`.
    pub const fn zh(self) -> &'static str {
        match self {
            PovertyCause::Illness => "因病",
            PovertyCause::Disability => "因残",
            PovertyCause::SchoolingCosts => "因学",
            PovertyCause::Disaster => "因灾",
            PovertyCause::LackOfLand => "缺土地",
            PovertyCause::LackOfWater => "缺水",
            PovertyCause::LackOfSkills => "缺技术",
            PovertyCause::LackOfLabour => "缺劳力",
            PovertyCause::LackOfFunds => "缺资金",
            PovertyCause::PoorTransport => "交通条件落后",
            PovertyCause::LackOfMotivation => "自身发展动力不足",
            PovertyCause::Other => "其他",
        }
    }
}

impl fmt::Display for PovertyCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PovertyCause {
    type Err = CauseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PovertyCause::ALL.into_iter().find(|cause| cause.as_str() == s).ok_or(CauseError::Unknown)
    }
}

/// How many causes a household may have besides its main one.
pub const MAX_OTHERS: usize = 2;

/// Why a cause or a set of causes was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CauseError {
    /// Not one of the twelve snake_case cause names.
    #[error("unknown poverty cause: expected one of illness, disability, schooling_costs, ...")]
    Unknown,
    /// More than two secondary causes.
    #[error("at most two other causes may be recorded besides the main cause, got {count}")]
    TooManyOthers {
        /// How many secondary causes were given.
        count: usize,
    },
    /// A secondary cause repeats the main cause.
    #[error("the other causes must not repeat the main cause {0}")]
    RepeatsMain(PovertyCause),
    /// The same secondary cause is listed twice.
    #[error("the other causes list {0} twice")]
    Duplicate(PovertyCause),
}

/// A household's causes: exactly one main cause and at most two distinct others.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedCauses")]
pub struct Causes {
    main: PovertyCause,
    others: Vec<PovertyCause>,
}

/// The wire shape of [`Causes`], validated through [`Causes::new`] on deserialisation.
#[derive(Deserialize)]
struct UncheckedCauses {
    main: PovertyCause,
    #[serde(default)]
    others: Vec<PovertyCause>,
}

impl TryFrom<UncheckedCauses> for Causes {
    type Error = CauseError;

    fn try_from(raw: UncheckedCauses) -> Result<Self, Self::Error> {
        Causes::new(raw.main, raw.others)
    }
}

impl Causes {
    /// Validates a main cause and up to two distinct others, none equal to the main cause.
    pub fn new(main: PovertyCause, others: Vec<PovertyCause>) -> Result<Causes, CauseError> {
        if others.len() > MAX_OTHERS {
            return Err(CauseError::TooManyOthers { count: others.len() });
        }
        if others.contains(&main) {
            return Err(CauseError::RepeatsMain(main));
        }
        if let [first, second] = others.as_slice()
            && first == second
        {
            return Err(CauseError::Duplicate(*first));
        }
        Ok(Causes { main, others })
    }

    /// Only a main cause.
    pub fn only(main: PovertyCause) -> Causes {
        Causes { main, others: Vec::new() }
    }

    /// The main cause.
    pub fn main(&self) -> PovertyCause {
        self.main
    }

    /// The other causes (zero, one or two), in the order given.
    pub fn others(&self) -> &[PovertyCause] {
        &self.others
    }

    /// Whether `cause` is the main cause or one of the others.
    pub fn includes(&self, cause: PovertyCause) -> bool {
        self.main == cause || self.others.contains(&cause)
    }
}

#[cfg(test)]
mod tests;
