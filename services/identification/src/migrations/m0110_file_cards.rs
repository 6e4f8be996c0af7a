//! The rest of the file card on the household and member rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// The rest of the file card: household card (JSON), the encrypted bank account number, the
/// helper history (JSON), and each member's details (JSON).
pub async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    // SQLite alters one column per statement.
    let columns = [
        ("households", text("card").default("{}").to_owned()),
        ("households", text_null("bank_cipher").to_owned()),
        ("households", text("helpers").default("[]").to_owned()),
        ("members", text("details").default("{}").to_owned()),
    ];
    for (table, mut column) in columns {
        m.alter_table(Table::alter().table(table).add_column(&mut column).to_owned()).await?;
    }
    Ok(())
}
