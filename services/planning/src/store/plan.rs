//! The `plans` table (at most one plan per household, holding its current revision), the
//! snapshots of earlier revisions in `plan_revisions`, and the version-guarded changes.

use chain_api::planning::{PlanAcknowledgement, PlanStatus, RevisionKind};
use chain_store::text::{enum_str, parse_enum};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use crate::domain::{StoredMeasure, label};

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
    /// Measures, JSON array of [`StoredMeasure`] (milestones are rows of their own).
    pub measures: String,
    /// The township's task for the current revision.
    pub task_id: Uuid,
    /// Version.
    pub version: i64,
    /// Drafting official.
    pub created_by: String,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Updated.
    pub updated_at: DateTimeUtc,
    /// The current revision.
    pub revision: i32,
    /// Why it was made (snake_case), none for the first.
    pub revision_kind: Option<String>,
    /// The reason given for it.
    pub revision_reason: Option<String>,
    /// The household's wishes.
    pub wishes: String,
    /// The household's acknowledgement of the current revision, JSON object.
    pub acknowledgement: Option<String>,
    /// Why a plan that does not close the gap is sound.
    pub justification: Option<String>,
    /// The plan's year (of the current revision).
    pub year: i32,
    /// Members of the household when the revision was drafted.
    pub members: i32,
    /// Per-capita income on the file card when the revision was drafted, fen.
    pub card_per_capita_fen: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_str(s).map_err(|e| DbErr::Type(e.to_string()))
}

impl Model {
    /// The plan's status.
    pub fn status(&self) -> Result<PlanStatus, DbErr> {
        parse_enum(&self.status)
    }

    /// The stored measures.
    pub fn measures(&self) -> Result<Vec<StoredMeasure>, DbErr> {
        json(&self.measures)
    }

    /// The acknowledgement of the current revision.
    pub fn acknowledgement(&self) -> Result<Option<PlanAcknowledgement>, DbErr> {
        self.acknowledgement.as_deref().map(json).transpose()
    }

    /// Why the current revision was made.
    pub fn revision_kind(&self) -> Result<Option<RevisionKind>, DbErr> {
        self.revision_kind.as_deref().map(parse_enum).transpose()
    }
}

/// The plan of a household, if it has one.
pub async fn of_household<C: ConnectionTrait>(conn: &C, household_id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find().filter(Column::HouseholdId.eq(household_id)).one(conn).await
}

/// A change to a plan row.
pub type Changes = Vec<(Column, SimpleExpr)>;

/// The change of status.
pub fn status_change(status: PlanStatus) -> (Column, SimpleExpr) {
    (Column::Status, Expr::value(label(status)))
}

/// The change of acknowledgement.
pub fn acknowledgement_change(ack: Option<&PlanAcknowledgement>) -> Result<(Column, SimpleExpr), DbErr> {
    let text = ack.map(serde_json::to_string).transpose().map_err(|e| DbErr::Type(e.to_string()))?;
    Ok((Column::Acknowledgement, Expr::value(text)))
}

/// The change of a revision kind.
pub fn revision_kind_change(kind: Option<RevisionKind>) -> (Column, SimpleExpr) {
    (Column::RevisionKind, Expr::value(kind.map(|k| enum_str(&k))))
}

/// Applies `changes` at `at` if the plan is still at the version `row` was read at (the version
/// goes up by one); whether it was.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    row: &Model,
    mut changes: Changes,
    at: DateTimeUtc,
) -> Result<bool, DbErr> {
    changes.push((Column::UpdatedAt, Expr::value(at)));
    chain_kit::rows::update_versioned::<Entity, _>(conn, Column::Id.eq(row.id), (Column::Version, row.version), changes)
        .await
}

/// The `plan_revisions` table: each earlier revision of a plan as it was answered when the next
/// one replaced it.
pub mod revision {
    use sea_orm::entity::prelude::*;

    /// A snapshot.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_revisions")]
    pub struct Model {
        /// The plan.
        #[sea_orm(primary_key, auto_increment = false)]
        pub plan_id: Uuid,
        /// The revision.
        #[sea_orm(primary_key, auto_increment = false)]
        pub revision: i32,
        /// The plan as answered then, JSON.
        pub snapshot: String,
        /// When it was replaced.
        pub recorded_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Keeps `plan` (the answer for its current revision) as the snapshot of that revision.
pub async fn keep_revision<C: ConnectionTrait>(
    conn: &C,
    plan: &chain_api::planning::Plan,
    at: DateTimeUtc,
) -> Result<(), DbErr> {
    let snapshot = serde_json::to_string(plan).map_err(|e| DbErr::Type(e.to_string()))?;
    revision::Entity::insert(revision::ActiveModel {
        plan_id: Set(plan.id),
        revision: Set(plan.revision),
        snapshot: Set(snapshot),
        recorded_at: Set(at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// An earlier revision of a plan.
pub async fn earlier<C: ConnectionTrait>(
    conn: &C,
    plan_id: Uuid,
    revision: i32,
) -> Result<Option<chain_api::planning::Plan>, DbErr> {
    let row = revision::Entity::find_by_id((plan_id, revision)).one(conn).await?;
    row.map(|r| json(&r.snapshot)).transpose()
}
