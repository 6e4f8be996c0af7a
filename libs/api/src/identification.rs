//! Identification: registering poor households and taking them through review and approval.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Kind of poor household on the file card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdKind {
    /// Ordinary poor household.
    #[default]
    Ordinary,
    /// Minimum-living-allowance household (低保户).
    Dibao,
    /// Five-guarantee household (五保户).
    FiveGuarantee,
    /// Minimum-living-allowance poor household (低保贫困户).
    DibaoPoor,
}

/// A member's relation to the head of household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The head of household.
    Head,
    /// Spouse of the head.
    Spouse,
    /// Son or daughter.
    Child,
    /// Father or mother.
    Parent,
    /// Grandchild.
    Grandchild,
    /// Any other relation.
    Other,
}

/// Where a household is in the identification procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdStatus {
    /// Applied (or nominated) at the village; awaiting the democratic appraisal.
    Applied,
    /// Put on the list by the democratic appraisal (民主评议); awaiting verification (or, where
    /// the province requires it, the county's data matching).
    Appraised,
    /// Cleared by the county's data matching (比对); awaiting the village's verification.
    Matched,
    /// Verified by the village; the first public notice is up in the village.
    FirstNotice,
    /// The first notice passed without objection; awaiting township review.
    AwaitingTownship,
    /// Reviewed by the township; the second public notice is up.
    SecondNotice,
    /// The second notice passed without objection; awaiting county approval.
    AwaitingCounty,
    /// Approved by the county and announced (公告): registered as poor (建档立卡).
    Identified,
    /// An objection interrupted a notice; the layer that posted it reviews the case and then
    /// posts the notice again or rejects the household.
    Objected,
    /// A member's resident ID is already in another active household: the application waits for
    /// the adjudication task (see `adjudication`) and holds no IDs until it is decided.
    SuspectedDuplicate,
    /// Not identified: the appraisal, the data matching or a reviewing layer turned it down.
    /// Its members' resident IDs are free again.
    Rejected,
    /// Exited poverty and removed from the register (销号).
    Exited,
    /// Proposed for removal as wrongly identified (dynamic adjustment); the village's notice of
    /// the removal is up.
    RemovalFirstNotice,
    /// The removal's village notice passed; awaiting township review.
    RemovalAwaitingTownship,
    /// The township reviewed the removal; its notice is up.
    RemovalSecondNotice,
    /// The removal's second notice passed; awaiting the county's decision.
    RemovalAwaitingCounty,
    /// An objection interrupted a removal notice; the layer that posted it reviews the case, then
    /// posts the notice again or withdraws the removal.
    RemovalObjected,
    /// Removed from the register as wrongly identified; its members' IDs are free again.
    Removed,
}

/// A member as entered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberInput {
    /// Full name.
    pub name: String,
    /// Resident ID number (18 characters, GB 11643-1999).
    #[schema(example = "52062419800101002X")]
    pub resident_id: String,
    /// Relation to the head; exactly one member is the head.
    pub relation: Relation,
    /// The rest of the member's file-card entry.
    #[serde(flatten)]
    pub details: crate::card::MemberDetails,
}

/// A village operator's application for a household.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterHousehold {
    /// 12-digit village code.
    #[schema(example = "520624101201")]
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// The year of identification.
    #[schema(example = 2016)]
    pub year: i32,
    /// Household kind.
    #[serde(default)]
    pub kind: HouseholdKind,
    /// The main poverty cause, e.g. `illness`.
    #[schema(example = "illness")]
    #[schema(value_type = crate::schema::Cause)]
    pub main_cause: String,
    /// Up to two further causes.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::Cause>)]
    pub other_causes: Vec<String>,
    /// Per-capita net income in the year, in fen.
    #[schema(example = 210000)]
    pub per_capita_income_fen: i64,
    /// The members, head included.
    pub members: Vec<MemberInput>,
    /// The rest of the file card: standard, income by type, housing, water, electricity, market
    /// distance, bank account, helper.
    #[serde(default)]
    pub card: crate::card::CardInput,
    /// The dynamic-adjustment campaign this application belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<CampaignEntry>,
}

/// Why a household enters the register during a dynamic-adjustment campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// Newly poor.
    New,
    /// Returned to poverty: at least one member was in a household that exited.
    ReturnedToPoverty,
}

/// An application's place in a dynamic-adjustment campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CampaignEntry {
    /// The campaign task (kind `identification.adjustment`) of a division covering the village:
    /// the campaign is a directive issued down the chain.
    pub campaign_task_id: Uuid,
    /// Why the household enters.
    pub entry: Entry,
}

/// A proposal to remove a wrongly identified household.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposeRemoval {
    /// Why the household was wrongly identified (1–2000 characters).
    #[schema(example = "the family's income was under-reported: two members hold salaried jobs in the county town")]
    pub reason: String,
    /// The campaign task the removal belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_task_id: Option<Uuid>,
}

/// A member as returned; the resident ID is masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    /// Full name.
    pub name: String,
    /// Masked resident ID number, e.g. `520624********002X`.
    pub resident_id: String,
    /// Relation to the head.
    pub relation: Relation,
    /// `male` or `female`, from the ID number.
    #[schema(value_type = crate::schema::SexName)]
    pub sex: String,
    /// Birth year, from the ID number.
    pub birth_year: i32,
    /// The rest of the member's file-card entry.
    #[serde(flatten)]
    pub details: crate::card::MemberDetails,
}

/// A household's file card as far as the skeleton keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Household {
    /// Public id.
    pub id: Uuid,
    /// 12-digit village code.
    #[schema(value_type = crate::schema::VillageCode)]
    pub village: String,
    /// Year of identification.
    pub year: i32,
    /// Household kind.
    pub kind: HouseholdKind,
    /// Main poverty cause.
    #[schema(value_type = crate::schema::Cause)]
    pub main_cause: String,
    /// Further causes.
    #[schema(value_type = Vec<crate::schema::Cause>)]
    pub other_causes: Vec<String>,
    /// Per-capita net income, fen.
    pub per_capita_income_fen: i64,
    /// Procedure status.
    pub status: HouseholdStatus,
    /// The public notice up for this household now (first or second), with its window and any
    /// objections; objections are lodged at `/v1/notices/{id}/objections`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<crate::workflow::Notice>,
    /// Members, resident IDs masked.
    pub members: Vec<Member>,
    /// The rest of the file card.
    pub card: crate::card::Card,
    /// The dynamic-adjustment campaign the household entered in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<CampaignEntry>,
    /// While the household is a suspected duplicate: the task that adjudicates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication: Option<AdjudicationRef>,
    /// Optimistic-concurrency version; send it back in `If-Match`.
    pub version: i64,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The result of the villager representatives' democratic appraisal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Appraisal {
    /// Representatives voting to put the household on the list.
    #[schema(example = 23)]
    pub votes_for: u32,
    /// Representatives voting against.
    #[schema(example = 2)]
    pub votes_against: u32,
    /// Optional remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// The result of the county's data matching against other agencies' records.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DataMatch {
    /// Whether nothing disqualifying was found (no vehicle, commercial property, company or
    /// public-sector employment the household had not declared).
    pub passed: bool,
    /// What was found or checked.
    #[serde(default)]
    pub note: Option<String>,
}

/// Why a household is turned down.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rejection {
    /// The finding, recorded in the audit trail (1–2000 characters).
    #[schema(example = "the objection was upheld: the family runs a shop in the county town")]
    pub reason: String,
}

/// Where a suspected duplicate is adjudicated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdjudicationRef {
    /// The adjudication task (kind `identification.duplicate`); its body shows both records.
    pub task_id: Uuid,
    /// The division that decides: the lowest layer whose jurisdiction covers both households.
    #[schema(value_type = crate::schema::DivisionOrCentre)]
    pub division: String,
    /// Positions of the members whose IDs are already in another active household.
    pub members: Vec<u32>,
}

/// How a suspected duplicate is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjudicationDecision {
    /// The application duplicates the existing household: it is turned down.
    Duplicate,
    /// The people now belong to the new household (marriage, a household split): they leave the
    /// existing household and the application goes ahead.
    Transfer,
}

/// The adjudicator's decision on a suspected duplicate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Adjudicate {
    /// The decision.
    pub decision: AdjudicationDecision,
    /// The finding, recorded in the audit trail (1–2000 characters).
    #[schema(example = "the member married into this household in 2015; the old household is informed")]
    pub reason: String,
}

/// One suspected duplication, as the adjudication task's body shows it: both records, IDs masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateRecord {
    /// The member's position in the new application.
    pub member: u32,
    /// The member's name in the new application.
    pub name: String,
    /// The masked resident ID the two records share.
    pub resident_id: String,
    /// The new application.
    pub application_id: Uuid,
    /// The new application's village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub application_village: String,
    /// The existing household holding the ID.
    pub existing_household_id: Uuid,
    /// Its village.
    #[schema(value_type = crate::schema::VillageCode)]
    pub existing_village: String,
    /// Its status.
    pub existing_status: HouseholdStatus,
    /// The name the existing household records for the member.
    pub existing_name: String,
}

/// Reading a household; `unmask` asks for full resident ID and bank account numbers, which only
/// an official with the `pii_reader` role gets, and every such read is audited.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadHousehold {
    /// Public id of the household.
    pub id: Uuid,
    /// Return personal data unmasked.
    #[serde(default)]
    pub unmask: bool,
}

/// A birth date helper shared by the service's tests.
pub fn birth_year(date: NaiveDate) -> i32 {
    chrono::Datelike::year(&date)
}
