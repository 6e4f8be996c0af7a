//! The version-guarded update of a record that carries a version (a household, a monitoring
//! case): the change applies only if the row is still at the version read, bumps it, and stamps
//! the time of the change.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::SimpleExpr;

use super::households::household;
use super::monitoring::case;

/// A table whose rows carry an id, a version and the time of their last change.
pub trait Versioned: EntityTrait {
    /// The public id.
    const ID: Self::Column;
    /// The version, bumped by every change.
    const VERSION: Self::Column;
    /// When the row last changed.
    const UPDATED_AT: Self::Column;
}

impl Versioned for household::Entity {
    const ID: household::Column = household::Column::Id;
    const VERSION: household::Column = household::Column::Version;
    const UPDATED_AT: household::Column = household::Column::UpdatedAt;
}

impl Versioned for case::Entity {
    const ID: case::Column = case::Column::Id;
    const VERSION: case::Column = case::Column::Version;
    const UPDATED_AT: case::Column = case::Column::UpdatedAt;
}

/// Sets `changes` on row `id` if it is still at `version`, bumping the version and stamping the
/// change at `at`; answers whether it was.
pub async fn update_if_current<E: Versioned, C: ConnectionTrait>(
    conn: &C,
    (id, version): (Uuid, i64),
    at: DateTime<Utc>,
    changes: Vec<(E::Column, SimpleExpr)>,
) -> Result<bool, DbErr> {
    let stamped = std::iter::once((E::UPDATED_AT, Expr::value(at))).chain(changes);
    chain_kit::rows::update_versioned::<E, _>(conn, E::ID.eq(id), (E::VERSION, version), stamped).await
}
