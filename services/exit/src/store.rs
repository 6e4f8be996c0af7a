//! Identified households and exit cases in the exit database.

use chain_api::exit::{ExitCase, ExitStatus};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

/// The `households` table: households identification announced, as far as exit needs them.
pub mod household {
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
}

/// The `exit_cases` table.
pub mod exit_case {
    use sea_orm::entity::prelude::*;

    /// An exit case row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "exit_cases")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The household.
        pub household_id: Uuid,
        /// The household's village code.
        pub village: String,
        /// Assessment year.
        pub year: i32,
        /// Verified per-capita net income, fen.
        pub per_capita_income_fen: i64,
        /// The poverty line that applied, fen.
        pub poverty_line_fen: i64,
        /// The verified guarantees, JSON object.
        pub guarantees: String,
        /// Status (snake_case).
        pub status: String,
        /// Who acknowledged for the household.
        pub acknowledged_by: Option<String>,
        /// Version.
        pub version: i64,
        /// The proposing official.
        pub proposed_by: String,
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

/// The API form of a case row.
pub fn to_api(m: &exit_case::Model) -> Result<ExitCase, DbErr> {
    Ok(ExitCase {
        id: m.id,
        household_id: m.household_id,
        village: m.village.clone(),
        year: m.year,
        per_capita_income_fen: m.per_capita_income_fen,
        poverty_line_fen: m.poverty_line_fen,
        guarantees: serde_json::from_str(&m.guarantees).map_err(|e| DbErr::Type(e.to_string()))?,
        status: parse_enum::<ExitStatus>(&m.status)?,
        notice: None,
        acknowledged_by: m.acknowledged_by.clone(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Loads a case with its API form.
pub async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<(exit_case::Model, ExitCase)>, DbErr> {
    let Some(row) = exit_case::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let api = to_api(&row)?;
    Ok(Some((row, api)))
}

/// The case of a household, if one was proposed.
pub async fn case_of<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<Option<exit_case::Model>, DbErr> {
    exit_case::Entity::find().filter(exit_case::Column::HouseholdId.eq(household_id)).one(conn).await
}

/// Records (or refreshes) an identified household.
pub async fn upsert_household<C: ConnectionTrait>(conn: &C, h: household::Model) -> Result<(), DbErr> {
    household::Entity::insert(household::ActiveModel {
        household_id: Set(h.household_id),
        village: Set(h.village),
        year: Set(h.year),
    })
    .on_conflict(
        OnConflict::column(household::Column::HouseholdId)
            .update_columns([household::Column::Village, household::Column::Year])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}
