//! The file card (贫困户登记表) beyond the application's core: identification standard, income by
//! type, housing, water, electricity, distance to market, bank account and the helper; and the
//! details recorded per member.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which poverty line a household was identified against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standard {
    /// The national line.
    #[default]
    National,
    /// A province's higher line.
    Provincial,
    /// A city's line.
    City,
}

/// Highest schooling completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    /// Not (yet) schooled: preschool children.
    Preschool,
    /// Illiterate or semi-literate adult.
    Illiterate,
    /// Primary school.
    Primary,
    /// Junior secondary school.
    JuniorSecondary,
    /// Senior secondary school.
    SeniorSecondary,
    /// Secondary vocational school.
    Vocational,
    /// College or university.
    College,
}

/// Whether a member is at school now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SchoolStatus {
    /// Not of school age, or finished.
    NotInSchool,
    /// In preschool education.
    Preschool,
    /// In compulsory education (primary or junior secondary).
    Compulsory,
    /// In senior secondary or vocational school.
    SeniorOrVocational,
    /// In higher education.
    Higher,
    /// Left school during compulsory education.
    DroppedOut,
}

/// A member's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = HealthCondition)]
pub enum Health {
    /// Healthy.
    Healthy,
    /// A long-term (chronic) illness.
    ChronicIllness,
    /// A serious illness.
    SeriousIllness,
    /// A disability.
    Disabled,
}

/// A member's capacity to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Labour {
    /// Ordinary labour.
    Ordinary,
    /// Skilled labour.
    Skilled,
    /// Has lost the capacity to work.
    Lost,
    /// No labour (children, the very old).
    None,
}

/// How a house is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Structure {
    /// Reinforced concrete.
    ReinforcedConcrete,
    /// Brick and concrete.
    BrickConcrete,
    /// Brick and timber.
    BrickTimber,
    /// Earth and timber.
    EarthTimber,
    /// Anything else.
    Other,
}

/// What a member's file-card entry records beyond name, ID and relation. Every field is optional
/// at application; the village completes the card before verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberDetails {
    /// Ethnic group, e.g. `汉族`, `土家族`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    /// Highest schooling completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<Education>,
    /// At school now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_status: Option<SchoolStatus>,
    /// Health. Sensitive: never shown on public notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
    /// Capacity to work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labour: Option<Labour>,
    /// Months of migrant work in the year (0–12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrant_work_months: Option<u8>,
    /// Receives the minimum living allowance (低保).
    #[serde(default)]
    pub dibao: bool,
    /// Enrolled in rural cooperative medical insurance.
    #[serde(default)]
    pub medical_insurance: bool,
    /// Enrolled in the rural pension insurance.
    #[serde(default)]
    pub pension_insurance: bool,
}

/// The household's income in the year, by type, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Income {
    /// Wages (工资性收入).
    #[serde(default)]
    pub wages_fen: i64,
    /// Household business (生产经营性收入).
    #[serde(default)]
    pub business_fen: i64,
    /// Transfers: subsidies, pensions, allowances (转移性收入).
    #[serde(default)]
    pub transfers_fen: i64,
    /// Property income: rent, dividends (财产性收入).
    #[serde(default)]
    pub property_fen: i64,
    /// Production costs (生产经营性支出), deducted from the above.
    #[serde(default)]
    pub production_costs_fen: i64,
}

/// The house the household lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Housing {
    /// Floor area, square metres.
    pub area_m2: u32,
    /// How it is built.
    pub structure: Structure,
    /// Year built.
    pub built_year: i32,
    /// Whether it is safe (not a dilapidated house, 危房).
    pub safe: bool,
}

/// The bank account subsidies are paid into, as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BankAccountInput {
    /// The bank, e.g. `思南县农村信用合作联社`.
    pub bank: String,
    /// The account or card number, 8–30 digits; stored encrypted, returned masked.
    #[schema(pattern = r"^[0-9]{8,30}$")]
    pub number: String,
}

/// The bank account as returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BankAccount {
    /// The bank.
    pub bank: String,
    /// The number, masked but for its last four digits (unmasked only for a PII reader who asks).
    pub number: String,
}

/// A helper (帮扶责任人) to assign: a cadre of a unit of the township or a higher layer. A cadre
/// (known by the phone number) helps at most as many households at once as the policy of the
/// assignment's year and the household's province allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssignHelper {
    /// Full name.
    pub name: String,
    /// The helper's work unit, e.g. `思南县农业农村局`.
    pub unit: String,
    /// The unit's layer: `central`, `province`, `city`, `county` or `township`.
    #[schema(value_type = crate::schema::LayerName)]
    pub unit_layer: String,
    /// The unit's division: `CN` for a central unit, else the code of the province, city, county
    /// or township whose unit it is; it must be of `unit_layer`.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub unit_division: String,
    /// The cadre's phone number, 5 to 20 characters: digits after an optional leading `+`. Stored
    /// encrypted, shown masked.
    #[schema(pattern = r"^(\+[0-9]{4,19}|[0-9]{5,20})$")]
    pub phone: String,
    /// First day of the assignment.
    pub since: NaiveDate,
}

/// One assignment of a helper, past or current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HelperAssignment {
    /// Full name.
    pub name: String,
    /// Work unit.
    pub unit: String,
    /// The unit's layer; absent on assignments recorded before units were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::LayerName>)]
    pub unit_layer: Option<String>,
    /// The unit's division (`CN` for a central unit); absent like `unit_layer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::DivisionOrCentre>)]
    pub unit_division: Option<String>,
    /// The cadre's phone, masked (`138****5678`); absent on assignments recorded before phones
    /// were asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// First day.
    pub since: NaiveDate,
    /// Last day; absent for the current helper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// Who recorded it.
    pub assigned_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The household-level file card as entered with an application (all optional at application).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CardInput {
    /// Which line the household is identified against.
    #[serde(default)]
    pub standard: Standard,
    /// Income by type; when given, the per-capita net income must agree with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income: Option<Income>,
    /// The house.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub housing: Option<Housing>,
    /// Whether drinking water is safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drinking_water_safe: Option<bool>,
    /// Whether the household has electricity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electricity: Option<bool>,
    /// Distance to the nearest market, km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_to_market_km: Option<u32>,
    /// The bank account for subsidies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<BankAccountInput>,
    /// Not part of an application: a helper is assigned by the county or the township with
    /// `:assign-helper`. Accepted only to be refused with that explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub helper: Option<serde_json::Value>,
}

/// Income as returned: by type, with the derived totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IncomeSummary {
    /// The income by type.
    #[serde(flatten)]
    pub by_type: Income,
    /// Net income: all income less production costs, fen.
    pub net_fen: i64,
}

/// The household-level file card as returned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Card {
    /// Which line the household is identified against.
    pub standard: Standard,
    /// Income by type and net.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income: Option<IncomeSummary>,
    /// The house.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub housing: Option<Housing>,
    /// Whether drinking water is safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drinking_water_safe: Option<bool>,
    /// Whether the household has electricity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electricity: Option<bool>,
    /// Distance to the nearest market, km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_to_market_km: Option<u32>,
    /// The bank account for subsidies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<BankAccount>,
    /// The current helper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper: Option<HelperAssignment>,
    /// Every helper the household has had, oldest first, the current one last.
    #[serde(default)]
    pub helpers: Vec<HelperAssignment>,
}
