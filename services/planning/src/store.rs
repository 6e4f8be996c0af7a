//! The planning database: the projection of identified households, and plans.

use chain_api::planning::{Plan, PlanStatus};
use chain_domain::{Causes, PovertyCause};
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

/// The `households` table: identified households as announced by identification.
pub mod household {
    use sea_orm::entity::prelude::*;

    /// A projected household.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "households")]
    pub struct Model {
        /// The household's public id in identification.
        #[sea_orm(primary_key, auto_increment = false)]
        pub household_id: Uuid,
        /// Village code.
        pub village: String,
        /// Main poverty cause (snake_case).
        pub main_cause: String,
        /// Other causes, JSON array of snake_case names.
        pub other_causes: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `plans` table.
pub mod plan {
    use sea_orm::entity::prelude::*;

    /// A plan row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The household; one plan per household.
        #[sea_orm(unique)]
        pub household_id: Uuid,
        /// The household's village.
        pub village: String,
        /// Status (snake_case).
        pub status: String,
        /// Measures, JSON array.
        pub measures: String,
        /// Responsible helper, JSON object.
        pub helper: String,
        /// The county task the plan answers.
        pub task_id: Uuid,
        /// Version.
        pub version: i64,
        /// Drafting official.
        pub created_by: String,
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

pub use chain_store::text::{enum_str, parse_enum};

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_str(s).map_err(|e| DbErr::Type(e.to_string()))
}

impl household::Model {
    /// The household's recorded causes.
    pub fn causes(&self) -> Result<Causes, DbErr> {
        let cause = |s: &str| s.parse::<PovertyCause>().map_err(|e| DbErr::Type(e.to_string()));
        let others: Vec<String> = json(&self.other_causes)?;
        let others = others.iter().map(|s| cause(s)).collect::<Result<Vec<_>, _>>()?;
        Causes::new(cause(&self.main_cause)?, others).map_err(|e| DbErr::Type(e.to_string()))
    }
}

impl plan::Model {
    /// The API form.
    pub fn to_api(&self) -> Result<Plan, DbErr> {
        Ok(Plan {
            id: self.id,
            household_id: self.household_id,
            village: self.village.clone(),
            status: parse_enum::<PlanStatus>(&self.status)?,
            measures: json(&self.measures)?,
            helper: json(&self.helper)?,
            task_id: self.task_id,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Loads a plan and its API form.
pub async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<(plan::Model, Plan)>, DbErr> {
    let Some(row) = plan::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let api = row.to_api()?;
    Ok(Some((row, api)))
}

/// The plan of a household, if it has one.
pub async fn plan_of<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<Option<plan::Model>, DbErr> {
    plan::Entity::find().filter(plan::Column::HouseholdId.eq(household_id)).one(conn).await
}
