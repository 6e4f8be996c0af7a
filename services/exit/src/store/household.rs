//! The `households` table: households identification announced, as far as exit needs them (the
//! village and the year of identification a proposal is judged by).

use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

/// An identified household.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "households")]
pub struct Model {
    /// The household's public id (identification's).
    #[sea_orm(primary_key, auto_increment = false)]
    pub household_id: Uuid,
    /// Village code.
    pub village: String,
    /// Year of identification.
    pub year: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records an identified household, or refreshes it when it is announced again.
pub async fn project<C: ConnectionTrait>(conn: &C, h: Model) -> Result<(), DbErr> {
    chain_kit::rows::upsert(conn, ActiveModel::from(h)).await
}

/// Forgets a household (removed as wrongly identified); no exit can be proposed for it.
pub async fn forget<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<(), DbErr> {
    Entity::delete_by_id(household_id).exec(conn).await?;
    Ok(())
}
