//! Dynamic adjustment on the household row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Dynamic adjustment: the campaign an application entered in, and why.
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let columns = [uuid_null("campaign_task_id").to_owned(), string_null("entry").to_owned()];
    for mut column in columns {
        m.alter_table(Table::alter().table("households").add_column(&mut column).to_owned()).await?;
    }
    Ok(())
}
