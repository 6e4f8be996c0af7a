//! The `approved_plans` table: plans the planning service announced as approved.

use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

/// An approved plan, as far as funding needs to know it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approved_plans")]
pub struct Model {
    /// The plan.
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: Uuid,
    /// Its household.
    pub household_id: Uuid,
    /// The household's village.
    pub village: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records an approved plan, or refreshes it when it is announced again.
pub async fn project<C: ConnectionTrait>(conn: &C, plan: Model) -> Result<(), DbErr> {
    chain_kit::rows::upsert(conn, ActiveModel::from(plan)).await
}
