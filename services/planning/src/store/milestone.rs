//! The `plan_milestones` table: the milestones of each plan's current revision, one row each,
//! with the village's task that tracks it and what was reported.

use chain_api::planning::MilestoneState;
use chain_store::text::{enum_str, parse_enum};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};

/// A milestone row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_milestones")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// The plan's village.
    pub village: String,
    /// Its measure's position in the plan.
    pub measure: i32,
    /// Its position among the measure's milestones.
    pub position: i32,
    /// What will have been done.
    pub what: String,
    /// Due day.
    pub due: Date,
    /// Progress (snake_case).
    pub state: String,
    /// The village's task, once the plan is approved.
    pub task_id: Option<Uuid>,
    /// The day it was done.
    pub done_on: Option<Date>,
    /// The report's note.
    pub note: Option<String>,
    /// The official who reported it.
    pub reported_by: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Its progress.
    pub fn state(&self) -> Result<MilestoneState, DbErr> {
        parse_enum(&self.state)
    }

    /// The API form.
    pub fn to_api(&self) -> Result<chain_api::planning::Milestone, DbErr> {
        Ok(chain_api::planning::Milestone {
            id: self.id,
            what: self.what.clone(),
            due: self.due,
            state: self.state()?,
            task_id: self.task_id,
            done_on: self.done_on,
            note: self.note.clone(),
            reported_by: self.reported_by.clone(),
        })
    }
}

/// The snake_case name of a state.
pub fn state_label(s: MilestoneState) -> String {
    enum_str(&s)
}

/// The milestones of a plan, by measure and position.
pub async fn of_plan<C: ConnectionTrait>(conn: &C, plan_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::PlanId.eq(plan_id))
        .order_by_asc(Column::Measure)
        .order_by_asc(Column::Position)
        .all(conn)
        .await
}
