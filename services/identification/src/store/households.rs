//! Households, their members and the nationwide index of the resident IDs active households hold.

use chain_api::card::Card;
use chain_api::identification::{CampaignEntry, Household, HouseholdStatus, Member};
use chain_domain::Division;
use chain_store::text::parse_enum;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use serde::de::DeserializeOwned;

/// The `households` table.
pub mod household {
    use sea_orm::entity::prelude::*;

    /// A household row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "households")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Village code.
        pub village: String,
        /// Year.
        pub year: i32,
        /// Kind (snake_case).
        pub kind: String,
        /// Main cause.
        pub main_cause: String,
        /// Other causes, JSON array.
        pub other_causes: String,
        /// Per-capita net income, fen.
        pub per_capita_income_fen: i64,
        /// Status (snake_case).
        pub status: String,
        /// Version.
        pub version: i64,
        /// Registering official.
        pub created_by: String,
        /// The household file card (JSON of [`chain_api::card::Card`] without bank account and
        /// helpers, which are in `super::helpers`).
        pub card: String,
        /// The bank account number, encrypted.
        pub bank_cipher: Option<String>,
        /// The dynamic-adjustment campaign task the household entered in.
        pub campaign_task_id: Option<Uuid>,
        /// Why it entered (snake_case [`chain_api::identification::Entry`]).
        pub entry: Option<String>,
        /// Created.
        pub created_at: DateTimeUtc,
        /// Updated.
        pub updated_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `members` table.
pub mod member {
    use sea_orm::entity::prelude::*;

    /// A member row; the ID number is only stored encrypted and as a blind index.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "members")]
    pub struct Model {
        /// Internal key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Household.
        pub household_id: Uuid,
        /// Order within the household.
        pub position: i32,
        /// Name.
        pub name: String,
        /// Relation (snake_case).
        pub relation: String,
        /// `male` / `female`.
        pub sex: String,
        /// Birth year.
        pub birth_year: i32,
        /// The masked ID for display.
        pub id_masked: String,
        /// The encrypted ID.
        pub id_cipher: String,
        /// The keyed blind index of the ID.
        pub id_index: String,
        /// The rest of the file-card entry (JSON of [`chain_api::card::MemberDetails`]).
        pub details: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `active_ids` table.
pub mod active_id {
    use sea_orm::entity::prelude::*;

    /// A resident ID (by blind index) held by an active household.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "active_ids")]
    pub struct Model {
        /// Blind index.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_index: String,
        /// Household holding it.
        pub household_id: Uuid,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A household row and the household with its members in API form, as stored (without the notice
/// and the adjudication, which the engine knows).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<(household::Model, Household)>, DbErr> {
    let Some(h) = household::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let members = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(id))
        .order_by_asc(member::Column::Position)
        .all(conn)
        .await?;
    let api = Household {
        id: h.id,
        village: h.village.clone(),
        year: h.year,
        kind: parse_enum(&h.kind)?,
        main_cause: h.main_cause.clone(),
        other_causes: decode(&h.other_causes)?,
        per_capita_income_fen: h.per_capita_income_fen,
        status: parse_enum::<HouseholdStatus>(&h.status)?,
        notice: None,
        adjudication: None,
        adjustment: match (h.campaign_task_id, &h.entry) {
            (Some(campaign_task_id), Some(entry)) => {
                Some(CampaignEntry { campaign_task_id, entry: parse_enum(entry)? })
            }
            _ => None,
        },
        card: card_of(&h, &super::helpers::history(conn, id).await?)?,
        members: members
            .iter()
            .map(|m| {
                Ok(Member {
                    name: m.name.clone(),
                    resident_id: m.id_masked.clone(),
                    relation: parse_enum(&m.relation)?,
                    sex: m.sex.clone(),
                    birth_year: m.birth_year,
                    details: decode(&m.details)?,
                })
            })
            .collect::<Result<_, DbErr>>()?,
        version: h.version,
        created_at: h.created_at,
        updated_at: h.updated_at,
    };
    Ok(Some((h, api)))
}

/// The file card of a household row with its helper history, the bank account and phones masked.
pub fn card_of(h: &household::Model, helpers: &[super::helpers::helper::Model]) -> Result<Card, DbErr> {
    let mut card: Card = decode(&h.card)?;
    card.helpers = helpers.iter().map(|a| a.to_api()).collect();
    card.helper = card.helpers.last().filter(|a| a.until.is_none()).cloned();
    Ok(card)
}

/// The value of a JSON column.
pub fn decode<T: DeserializeOwned>(json: &str) -> Result<T, DbErr> {
    serde_json::from_str(json).map_err(|e| DbErr::Type(e.to_string()))
}

/// A stored division code (a household's or a case's village).
pub fn division(code: &str) -> Result<Division, DbErr> {
    Division::parse(code).map_err(|e| DbErr::Type(format!("stored division {code:?}: {e}")))
}
