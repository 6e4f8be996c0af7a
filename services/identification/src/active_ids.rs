//! The nationwide rule "one resident ID, one active household": the `active_ids` index holds the
//! blind index of every ID an active household holds. Every entry path looks here first (a
//! conflict files the application as a suspected duplicate, or refuses the member or signal), and
//! admitting an application claims its IDs under the index's unique key, so that two registrations
//! racing for one person cannot both win.

use chain_api::{Principal, Problem};
use chain_domain::Division;
use chain_workflow::{NewProcedure, ProcedureStep};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};

use crate::State;
use crate::error::{self, Result};
use crate::household::{PROCEDURE, TOWNSHIP_NOTICE, VILLAGE_NOTICE};
use crate::store::households::{active_id, household};
use crate::tasks::layers;

/// One member of an application whose ID an active household already holds.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Position in the application.
    pub member: usize,
    /// The blind index of the ID.
    pub index: String,
    /// The household holding it.
    pub existing: Uuid,
}

/// The members among `indexes` whose IDs active households hold.
pub async fn conflicts<C: ConnectionTrait>(conn: &C, indexes: &[String]) -> Result<Vec<Conflict>, DbErr> {
    let held =
        active_id::Entity::find().filter(active_id::Column::IdIndex.is_in(indexes.iter().cloned())).all(conn).await?;
    Ok(indexes
        .iter()
        .enumerate()
        .filter_map(|(i, ix)| {
            held.iter().find(|h| &h.id_index == ix).map(|h| Conflict {
                member: i,
                index: ix.clone(),
                existing: h.household_id,
            })
        })
        .collect())
}

/// The active household holding the ID of blind index `index`, and whether `p` may see it.
pub async fn holder<C: ConnectionTrait>(conn: &C, p: &Principal, index: &str) -> Result<Option<(Uuid, bool)>> {
    let Some(held) = active_id::Entity::find_by_id(index.to_owned()).one(conn).await? else {
        return Ok(None);
    };
    let visible = household::Entity::find_by_id(held.household_id)
        .one(conn)
        .await?
        .and_then(|h| Division::parse(&h.village).ok())
        .is_some_and(|v| p.covers(&v));
    Ok(Some((held.household_id, visible)))
}

/// Lets an application into the procedure: claims its members' IDs nationwide (refused if one was
/// claimed at the same moment) and opens its county → township → village tasks, the village's
/// under way.
pub async fn admit(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    id: Uuid,
    village: &Division,
    indexes: &[String],
) -> Result<()> {
    admit_many(s, txn, p, &[(id, village, indexes)]).await
}

/// [`admit`] for many households at once, in multi-row statements.
pub async fn admit_many(
    s: &State,
    txn: &DatabaseTransaction,
    p: &Principal,
    households: &[(Uuid, &Division, &[String])],
) -> Result<()> {
    let claims: Vec<active_id::ActiveModel> = households
        .iter()
        .flat_map(|(id, _, indexes)| {
            indexes.iter().map(|ix| active_id::ActiveModel { id_index: Set(ix.clone()), household_id: Set(*id) })
        })
        .collect();
    // Under a savepoint, so that a lost race can still be explained from inside the transaction.
    let claiming = txn.begin().await?;
    for chunk in claims.chunks(1000) {
        if let Err(e) = active_id::Entity::insert_many(chunk.to_vec()).exec_without_returning(&claiming).await {
            if !chain_store::is_unique_violation(&e) {
                return Err(e.into());
            }
            claiming.rollback().await?;
            return Err(claimed_meanwhile(txn, households).await?.into());
        }
    }
    claiming.commit().await?;
    let mut procedures = Vec::with_capacity(households.len());
    for (id, village, _) in households {
        let [county, township, village] = layers(village)?;
        procedures.push(NewProcedure {
            subject_id: *id,
            title: format!("Identification of household {id}"),
            steps: vec![
                ProcedureStep { division: county, notice_kind: None },
                ProcedureStep { division: township, notice_kind: Some(TOWNSHIP_NOTICE) },
                ProcedureStep { division: village, notice_kind: Some(VILLAGE_NOTICE) },
            ],
        });
    }
    s.engine.open_procedures(txn, &p.subject, PROCEDURE, &procedures, Some(p)).await?;
    Ok(())
}

/// The refusal when another registration claimed one of these IDs at the same moment: names the
/// first member whose ID is now held.
async fn claimed_meanwhile(txn: &DatabaseTransaction, households: &[(Uuid, &Division, &[String])]) -> Result<Problem> {
    let all: Vec<String> = households.iter().flat_map(|(_, _, ix)| ix.iter().cloned()).collect();
    let held = conflicts(txn, &all).await?;
    let member = held
        .first()
        .and_then(|c| households.iter().find_map(|(_, _, ix)| ix.iter().position(|i| *i == c.index)))
        .unwrap_or(0);
    Ok(error::duplicate_id(
        "a resident ID number in this application already belongs to an active household; one person can be registered in only one household nationwide",
        format!("members/{member}/resident_id"),
        "already a member of an active household",
    ))
}
