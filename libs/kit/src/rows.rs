//! Row writes every service makes the same way: creating an aggregate's row whose key another
//! may hold already, moving it on only while nobody has moved it since it was read (its `version`
//! column), and keeping a projection of another service's records (one row per record, refreshed
//! when it is announced again).

use sea_orm_migration::sea_orm::sea_query::{Expr, IntoCondition, OnConflict, SimpleExpr};
use sea_orm_migration::sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, PrimaryKeyToColumn, QueryFilter,
};

/// Inserts `row` and returns it; when a unique index already holds one of its keys, answers with
/// `taken()` instead (the service's words for the conflict).
pub async fn insert_or<A, C, R>(
    conn: &C,
    row: A,
    taken: impl FnOnce() -> R,
) -> chain_bus::Result<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    C: ConnectionTrait,
    R: Into<chain_bus::Error>,
{
    match row.insert(conn).await {
        Ok(model) => Ok(model),
        Err(e) if chain_store::is_unique_violation(&e) => Err(taken().into()),
        Err(e) => Err(e.into()),
    }
}

/// Applies `changes` to the row of `E` that `row` selects if its `version` column still holds
/// `seen`, and moves that column to `seen + 1`. Whether it did: `false` means somebody changed the
/// row since it was read (or it is gone), and nothing was written.
pub async fn update_versioned<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    row: impl IntoCondition,
    (version, seen): (E::Column, i64),
    changes: impl IntoIterator<Item = (E::Column, SimpleExpr)>,
) -> Result<bool, DbErr> {
    let mut update = E::update_many().col_expr(version, Expr::value(seen + 1));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    let changed = update.filter(row).filter(version.eq(seen)).exec(conn).await?;
    Ok(changed.rows_affected == 1)
}

/// Writes `row`; when a row with its primary key exists already, overwrites that row's other
/// columns (the entity has at least one besides its key) with `row`'s instead.
pub async fn upsert<A: ActiveModelTrait, C: ConnectionTrait>(conn: &C, row: A) -> Result<(), DbErr> {
    let keys: Vec<_> = <A::Entity as EntityTrait>::PrimaryKey::iter().map(PrimaryKeyToColumn::into_column).collect();
    let others = <A::Entity as EntityTrait>::Column::iter().filter(|c| keys.iter().all(|k| k.as_str() != c.as_str()));
    let refresh = OnConflict::columns(keys.clone()).update_columns(others).to_owned();
    A::Entity::insert(row).on_conflict(refresh).exec_without_returning(conn).await?;
    Ok(())
}
