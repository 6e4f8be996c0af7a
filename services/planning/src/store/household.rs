//! The `households` table: identified households as identification announced them, with the
//! causes their plans must answer.

use chain_domain::{Causes, PovertyCause};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, TryInsertResult};

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
    /// Year of identification.
    pub year: i32,
    /// Per-capita net income on the file card when identified, fen.
    pub per_capita_income_fen: i64,
    /// Members of the household.
    pub members: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The household's recorded causes.
    pub fn causes(&self) -> Result<Causes, DbErr> {
        let cause = |s: &str| s.parse::<PovertyCause>().map_err(|e| DbErr::Type(e.to_string()));
        let others: Vec<String> = serde_json::from_str(&self.other_causes).map_err(|e| DbErr::Type(e.to_string()))?;
        let others = others.iter().map(|s| cause(s)).collect::<Result<Vec<_>, _>>()?;
        Causes::new(cause(&self.main_cause)?, others).map_err(|e| DbErr::Type(e.to_string()))
    }
}

/// Records a newly identified household; `false` when it is known already (a repeated
/// announcement), which leaves it as it was.
pub async fn project<C: ConnectionTrait>(conn: &C, h: Model) -> Result<bool, DbErr> {
    let inserted = Entity::insert(ActiveModel::from(h)).on_conflict_do_nothing().exec_without_returning(conn).await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0))
}

/// Forgets a household (removed as wrongly identified); no plan can be drafted for it.
pub async fn forget<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<(), DbErr> {
    Entity::delete_by_id(household_id).exec(conn).await?;
    Ok(())
}
