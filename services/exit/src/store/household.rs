//! The `households` table: households identification announced, as far as exit needs them (the
//! village and the year of identification a proposal is judged by), and the plan planning
//! announced completed for each (the assistance it received).

use chain_api::exit::AssistanceDelivered;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{Condition, ConnectionTrait, NotSet, Set};

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
    /// The household's plan that planning announced completed, if any.
    pub assistance_plan_id: Option<Uuid>,
    /// The revision of that plan that completed.
    pub assistance_revision: Option<i32>,
    /// When planning announced it completed.
    pub assistance_completed_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The assistance the household received, once its plan completed.
    pub fn assistance(&self) -> Option<AssistanceDelivered> {
        Some(AssistanceDelivered {
            plan_id: self.assistance_plan_id?,
            revision: self.assistance_revision?,
            completed_at: self.assistance_completed_at?,
        })
    }
}

/// Records an identified household, or refreshes its village and year when it is announced
/// again; the assistance recorded for it stays, since identification does not know of it.
pub async fn project<C: ConnectionTrait>(
    conn: &C,
    household_id: Uuid,
    village: String,
    year: i32,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        household_id: Set(household_id),
        village: Set(village),
        year: Set(year),
        assistance_plan_id: NotSet,
        assistance_revision: NotSet,
        assistance_completed_at: NotSet,
    };
    let refresh = OnConflict::column(Column::HouseholdId).update_columns([Column::Village, Column::Year]).to_owned();
    Entity::insert(row).on_conflict(refresh).exec_without_returning(conn).await?;
    Ok(())
}

/// Records that the household's plan completed, unless the household is unknown (removed) or the
/// completion of the same or a later revision is recorded already (a replayed or late
/// announcement); whether it was recorded.
pub async fn record_assistance<C: ConnectionTrait>(
    conn: &C,
    household_id: Uuid,
    delivered: &AssistanceDelivered,
) -> Result<bool, DbErr> {
    let newer = Condition::any()
        .add(Column::AssistanceRevision.is_null())
        .add(Column::AssistanceRevision.lt(delivered.revision));
    let changed = Entity::update_many()
        .col_expr(Column::AssistancePlanId, Expr::value(delivered.plan_id))
        .col_expr(Column::AssistanceRevision, Expr::value(delivered.revision))
        .col_expr(Column::AssistanceCompletedAt, Expr::value(delivered.completed_at))
        .filter(Column::HouseholdId.eq(household_id))
        .filter(newer)
        .exec(conn)
        .await?;
    Ok(changed.rows_affected == 1)
}

/// Forgets a household (removed as wrongly identified); no exit can be proposed for it.
pub async fn forget<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<(), DbErr> {
    Entity::delete_by_id(household_id).exec(conn).await?;
    Ok(())
}
