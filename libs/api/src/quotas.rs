//! Scale control (规模控制): a county's identification quota for a year, broken down to its
//! villages. A village's places are used by the households the county approves there that year.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The county's quota for a year (`PUT /v1/quotas/{county}/{year}`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetCountyQuota {
    /// Households the county may identify in the year (0 to 1,000,000).
    #[schema(example = 120)]
    pub total: i64,
    /// Why the quota is set or changed; recorded in the audit trail with the values before and
    /// after (1–2000 characters).
    #[schema(example = "2016 scale-control figure from the city")]
    pub reason: String,
}

/// The county's breakdown to its villages (`PUT /v1/quotas/{county}/{year}/villages`). It replaces
/// the whole breakdown: a village left out has no places.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetVillageQuotas {
    /// Places per 12-digit village code of the county; the sum may not exceed the county's total.
    #[schema(example = json!({ "520624101201": 40, "520624101202": 25 }))]
    pub villages: BTreeMap<String, i64>,
    /// Why; recorded in the audit trail with each village's places before and after.
    #[schema(example = "breakdown by the villages' registered poor population")]
    pub reason: String,
}

/// A quota request as sent over NATS: the county and year from the path, and the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuotaRequest<T> {
    /// 6-digit county code, as given in the path.
    pub county: String,
    /// The year, as given in the path.
    pub year: i32,
    /// The request body.
    pub body: T,
}

/// One village's places and how many are used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VillageQuota {
    /// 12-digit village code.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Name from the division registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Places allotted; `null` when the breakdown gives the village none.
    pub quota: Option<i64>,
    /// Households approved (identified) in the village for the year.
    pub used: i64,
}

/// A county's quota for a year, with its breakdown and use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = CountyQuota)]
pub struct Quota {
    /// 6-digit county code.
    #[schema(value_type = crate::schema::CountyCode)]
    pub county: String,
    /// The year.
    pub year: i32,
    /// The county's total; `null` when no quota is set, in which case approvals are not limited.
    pub total: Option<i64>,
    /// Places allotted to villages (sum of the breakdown).
    pub allotted: i64,
    /// Households approved in the county for the year.
    pub used: i64,
    /// Villages with places allotted or households approved, by code.
    pub villages: Vec<VillageQuota>,
    /// Bumped by every change of the total or the breakdown.
    pub version: i64,
    /// Last change of the total or the breakdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}
