//! Unmasked reads of personal data: only for officials holding the `pii_reader` role, and every
//! one of them is written to the audit chain (who, which household, which fields — never the
//! values).

use anyhow::Context;
use chain_api::identification::Household;
use chain_api::{Principal, Problem, Role};
use chain_store::audit;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, TransactionTrait};

use crate::State;
use crate::error::Result;
use crate::household;
use crate::store::households::{household as household_row, member};

/// Replaces the masked resident IDs, bank account number and helpers' phones of `h` with the
/// stored values, recording the read.
pub async fn unmask(s: &State, p: &Principal, h: &mut Household) -> Result<()> {
    if !p.has(Role::PiiReader) {
        return Err(Problem::forbidden("reading unmasked personal data needs the pii_reader role").into());
    }
    let txn = s.db.begin().await?;
    let members = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(h.id))
        .order_by_asc(member::Column::Position)
        .all(&txn)
        .await?;
    for (shown, stored) in h.members.iter_mut().zip(&members) {
        shown.resident_id = s.pii.decrypt(&stored.id_cipher)?.as_str().to_owned();
    }
    let mut fields = vec!["resident_id"];
    let row = household_row::Entity::find_by_id(h.id).one(&txn).await?.context("the household read unmasked")?;
    if let (Some(cipher), Some(account)) = (&row.bank_cipher, h.card.bank_account.as_mut()) {
        account.number = s.pii.decrypt_text(cipher)?;
        fields.push("bank_account");
    }
    let helpers = crate::store::helpers::history(&txn, h.id).await?;
    let mut phones = false;
    for (shown, stored) in h.card.helpers.iter_mut().zip(&helpers) {
        if let Some(cipher) = &stored.phone_cipher {
            shown.phone = Some(s.pii.decrypt_text(cipher)?);
            phones = true;
        }
    }
    if phones {
        h.card.helper = h.card.helpers.last().filter(|a| a.until.is_none()).cloned();
        fields.push("helper_phones");
    }
    let payload = serde_json::json!({ "household_id": h.id, "fields": fields, "members": members.len() });
    let entry = household::entry(p, "household.pii-read", &h.village, h.id).payload(&payload);
    audit::append(&txn, s.now(), entry).await?;
    txn.commit().await?;
    tracing::info!(household = %h.id, actor = %p.subject, "personal data read unmasked");
    Ok(())
}
