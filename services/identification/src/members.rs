//! Updating a household's members: adding a person (a birth, a marriage) is an entry path like
//! registration, so the same nationwide duplicate check applies. A person already in another
//! active household is refused here with that household named (when the caller may see it);
//! moving them is a new application's adjudication (`transfer`), never a silent merge.

use chain_api::identification::{Household, MemberInput};
use chain_api::step::Step;
use chain_api::{Principal, Problem, ProblemKind, Role};
use chain_domain::Invalid;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait};

use crate::State;
use crate::domain::household::{self as rules, MAX_MEMBERS, holds_ids};
use crate::error::{self, Result};
use crate::household::{self, hidden};
use crate::store::households::{active_id, member};

/// An operator covering the village adds a member to a household still in the register.
pub async fn add_member(s: State, p: Principal, req: Step<MemberInput>) -> Result<Household> {
    let m = rules::new_member(&req.body, chain_domain::calendar::beijing_date(s.now()))?;
    let index = s.pii.blind_index(&m.resident_id);
    let txn = s.db.begin().await?;
    let (row, current) = household::read(&txn, req.id).await?;
    let village = household::village_of(&row)?;
    p.require_within(&[Role::Operator], &village, hidden())?;
    household::check_version(&row, req.expected_version)?;
    if !holds_ids(current.status) {
        return Err(
            Problem::transition("members are added only to a household in the register or its procedure").into()
        );
    }
    if current.members.len() >= MAX_MEMBERS {
        return Err(Invalid::field("members", format!("a household lists at most {MAX_MEMBERS} members")).into());
    }
    if let Some((held, visible)) = crate::active_ids::holder(&txn, &p, &index).await? {
        let message = if held == row.id {
            "is already a member of this household".to_owned()
        } else if visible {
            format!(
                "belongs to active household {held}; to move the person, apply for the new household and have the transfer adjudicated"
            )
        } else {
            "belongs to an active household outside your jurisdiction; apply for the new household and have the transfer adjudicated".to_owned()
        };
        let detail = "this resident ID number already belongs to an active household";
        return Err(error::duplicate_id(detail, "resident_id", message).into());
    }
    let position = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(row.id))
        .order_by_desc(member::Column::Position)
        .one(&txn)
        .await?
        .map_or(0, |m| m.position + 1);
    crate::registration::member_row(&s, row.id, position, &m, &index)?.insert(&txn).await?;
    let claim = active_id::ActiveModel { id_index: Set(index), household_id: Set(row.id) }.insert(&txn).await;
    if let Err(e) = claim {
        if chain_store::is_unique_violation(&e) {
            let raced = "the ID was registered elsewhere at the same moment";
            return Err(Problem::new(ProblemKind::DuplicateResidentId, raced).into());
        }
        return Err(e.into());
    }
    let now = s.now();
    household::update(&txn, &row, now, vec![]).await?;
    let note = format!("member {position} added");
    household::record(&txn, now, &p, "household.add-member", &row.village, row.id, Some(&note)).await?;
    txn.commit().await?;
    household::load(&s, req.id).await
}
