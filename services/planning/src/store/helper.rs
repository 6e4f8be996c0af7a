//! The `helpers` table: each household's current helper (帮扶责任人) as identification announced
//! it (`identification.helper-changed`), the phone masked. Identification's file card is the one
//! record; this is its projection, which plans show.

use chain_api::Principal;
use chain_api::planning::Helper;
use chain_domain::Jurisdiction;
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

/// A household's current helper.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "helpers")]
pub struct Model {
    /// The household.
    #[sea_orm(primary_key, auto_increment = false)]
    pub household_id: Uuid,
    /// Full name.
    pub name: String,
    /// Work unit.
    pub unit: String,
    /// The unit's layer.
    pub unit_layer: String,
    /// The unit's division.
    pub unit_division: String,
    /// Phone, masked.
    pub phone: String,
    /// First day of the assignment.
    pub since: Date,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records `h` as the household's helper unless a later assignment is known already (a replayed
/// or late announcement changes nothing).
pub async fn project<C: ConnectionTrait>(conn: &C, h: Model) -> Result<(), DbErr> {
    match Entity::find_by_id(h.household_id).one(conn).await? {
        Some(known) if known.since >= h.since => Ok(()),
        _ => chain_kit::rows::upsert(conn, ActiveModel::from(h)).await,
    }
}

/// The household's current helper, if it has one.
pub async fn of<C: ConnectionTrait>(conn: &C, household: Uuid) -> Result<Option<Helper>, DbErr> {
    Ok(Entity::find_by_id(household).one(conn).await?.map(|h| Helper {
        name: h.name,
        unit: h.unit,
        unit_layer: Some(h.unit_layer),
        unit_division: Some(h.unit_division),
        phone: Some(h.phone),
        since: Some(h.since),
    }))
}

/// Whether `p` belongs to the division of the household's current helper's unit (its layer and
/// code): the unit that sent the cadre, which follows the households it helps wherever it sits.
pub async fn sent_by<C: ConnectionTrait>(conn: &C, household: Uuid, p: &Principal) -> Result<bool, DbErr> {
    let Some(h) = Entity::find_by_id(household).one(conn).await? else {
        return Ok(false);
    };
    Ok(Jurisdiction::parse(&h.unit_division).is_ok_and(|j| j == p.jurisdiction))
}
