//! Updating a household's members: adding a person (a birth, a marriage) is an entry path like
//! registration, so the same nationwide duplicate check applies. A person already in another
//! active household is refused here with that household named (when the caller may see it);
//! moving them is a new application's adjudication (`transfer`), never a silent merge.

use chain_api::identification::{Household, MemberInput, Relation};
use chain_api::step::Step;
use chain_api::{FieldError, Principal, Problem, ProblemKind, Role};
use chain_bus::service::internal;
use chain_domain::{Division, ResidentId};
use chrono::Datelike;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait};

use crate::State;
use crate::domain::{MAX_MEMBERS, holds_ids};
use crate::handlers::{hidden, load, record};
use crate::store::{self, active_id, enum_str, household, member};

/// An operator covering the village adds a member to a household still in the register.
pub async fn add_member(s: State, p: Principal, req: Step<MemberInput>) -> Result<Household, Problem> {
    let m = &req.body;
    let mut errors = Vec::new();
    let name = m.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        errors.push(FieldError { field: "name".into(), message: "must be 1 to 50 characters".into() });
    }
    if m.relation == Relation::Head {
        errors.push(FieldError { field: "relation".into(), message: "the household already has its head".into() });
    }
    let id = match ResidentId::parse(&m.resident_id, chain_domain::calendar::beijing_date(s.now())) {
        Ok(id) => Some(id),
        Err(e) => {
            errors.push(FieldError { field: "resident_id".into(), message: e.to_string() });
            None
        }
    };
    crate::card::validate_member(&m.details, "", &mut errors);
    for e in &mut errors {
        e.field = e.field.trim_start_matches('/').to_owned();
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let id = id.expect("checked");
    let index = s.pii.blind_index(&id);
    let txn = s.db.begin().await.map_err(internal)?;
    let (row, current) = store::load(&txn, req.id).await.map_err(internal)?.ok_or_else(hidden)?;
    let village = Division::parse(&row.village).map_err(internal)?;
    p.require_within(&[Role::Operator], &village, hidden())?;
    store::check_version(&row, req.expected_version)?;
    if !holds_ids(current.status) {
        return Err(Problem::transition("members are added only to a household in the register or its procedure"));
    }
    if current.members.len() >= MAX_MEMBERS {
        return Err(Problem::invalid("members", format!("a household lists at most {MAX_MEMBERS} members")));
    }
    if let Some(held) = active_id::Entity::find_by_id(index.clone()).one(&txn).await.map_err(internal)? {
        let visible = household::Entity::find_by_id(held.household_id)
            .one(&txn)
            .await
            .map_err(internal)?
            .and_then(|h| Division::parse(&h.village).ok())
            .is_some_and(|v| p.covers(&v));
        let message = if held.household_id == row.id {
            "is already a member of this household".to_owned()
        } else if visible {
            format!(
                "belongs to active household {}; to move the person, apply for the new household and have the transfer adjudicated",
                held.household_id
            )
        } else {
            "belongs to an active household outside your jurisdiction; apply for the new household and have the transfer adjudicated".to_owned()
        };
        return Err(Problem {
            errors: vec![FieldError { field: "resident_id".into(), message }],
            ..Problem::new(
                ProblemKind::DuplicateResidentId,
                "this resident ID number already belongs to an active household",
            )
        });
    }
    let position = member::Entity::find()
        .filter(member::Column::HouseholdId.eq(row.id))
        .order_by_desc(member::Column::Position)
        .one(&txn)
        .await
        .map_err(internal)?
        .map_or(0, |m| m.position + 1);
    member::ActiveModel {
        household_id: Set(row.id),
        position: Set(position),
        name: Set(name.to_owned()),
        relation: Set(enum_str(&m.relation)),
        sex: Set(enum_str(&id.sex())),
        birth_year: Set(id.birth_date().year()),
        id_masked: Set(id.masked()),
        id_cipher: Set(s.pii.encrypt(&id).map_err(internal)?),
        id_index: Set(index.clone()),
        details: Set(serde_json::to_string(&m.details).map_err(internal)?),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    let claim = active_id::ActiveModel { id_index: Set(index), household_id: Set(row.id) }.insert(&txn).await;
    if let Err(e) = claim {
        let _ = txn.rollback().await;
        return Err(if chain_store::is_unique_violation(&e) {
            Problem::new(ProblemKind::DuplicateResidentId, "the ID was registered elsewhere at the same moment")
        } else {
            internal(e)
        });
    }
    let bumped = household::Entity::update_many()
        .col_expr(household::Column::Version, Expr::value(row.version + 1))
        .col_expr(household::Column::UpdatedAt, Expr::value(s.now()))
        .filter(household::Column::Id.eq(row.id))
        .filter(household::Column::Version.eq(row.version))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if bumped.rows_affected != 1 {
        return Err(Problem::new(ProblemKind::StaleVersion, "the household changed concurrently; read it again"));
    }
    record(&txn, &p, "household.add-member", &village, row.id, Some(&format!("member {position} added"))).await?;
    txn.commit().await.map_err(internal)?;
    load(&s, req.id).await
}
