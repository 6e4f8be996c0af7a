//! Unmasked reads of personal data: only for officials holding the `pii_reader` role, and every
//! one of them is written to the audit chain (who, which household, which fields — never the
//! values).

use chain_api::identification::Household;
use chain_api::{Principal, Problem, Role};
use chain_bus::service::internal;
use chain_store::audit;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, TransactionTrait};

use crate::State;
use crate::store::{household, member};

/// Replaces the masked resident IDs and bank account number of `h` with the stored values,
/// recording the read.
pub async fn unmask(s: &State, p: &Principal, h: &mut Household) -> Result<(), Problem> {
    if !p.has(Role::PiiReader) {
        return Err(Problem::forbidden("reading unmasked personal data needs the pii_reader role"));
    }
    let txn = s.db.begin().await.map_err(internal)?;
    let members = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(h.id))
        .order_by_asc(member::Column::Position)
        .all(&txn)
        .await
        .map_err(internal)?;
    for (shown, stored) in h.members.iter_mut().zip(&members) {
        shown.resident_id = s.pii.decrypt(&stored.id_cipher).map_err(internal)?.as_str().to_owned();
    }
    let mut fields = vec!["resident_id"];
    let row = household::Entity::find_by_id(h.id).one(&txn).await.map_err(internal)?.ok_or_else(Problem::internal)?;
    if let (Some(cipher), Some(account)) = (&row.bank_cipher, h.card.bank_account.as_mut()) {
        account.number = s.pii.decrypt_text(cipher).map_err(internal)?;
        fields.push("bank_account");
    }
    audit::append(
        &txn,
        s.now(),
        audit::Entry::by(p, "household.pii-read", &h.village)
            .about(h.id)
            .payload(&serde_json::json!({ "household_id": h.id, "fields": fields, "members": members.len() })),
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    tracing::info!(household = %h.id, actor = %p.subject, "personal data read unmasked");
    Ok(())
}
