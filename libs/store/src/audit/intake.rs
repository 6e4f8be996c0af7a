//! The intake: entries written by committed changes and not yet chained. A change inserts its
//! entries here in its own transaction, locking nothing; [`super::seal`] chains them and clears
//! them from here.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::entity::prelude::*;

use super::{Actor, Entry};

/// One entry waiting to be chained.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_intake")]
pub struct Model {
    /// Order of arrival (not of commit).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// Subject of the official.
    pub actor: String,
    /// The roles acted with.
    pub role: String,
    /// The jurisdiction acted in.
    pub jurisdiction: String,
    /// What was done.
    pub action: String,
    /// The division of the record acted on.
    pub division: String,
    /// The record acted on.
    pub subject_id: Option<Uuid>,
    /// Reason or remark given.
    pub reason: Option<String>,
    /// SHA-256 of the change's payload.
    pub payload_hash: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl ActiveModel {
    /// The row for `e`, made at `at`.
    pub(super) fn from_entry(at: DateTime<Utc>, e: &Entry) -> ActiveModel {
        ActiveModel {
            id: NotSet,
            at: Set(at),
            actor: Set(e.actor.subject.clone()),
            role: Set(e.actor.role.clone()),
            jurisdiction: Set(e.actor.jurisdiction.clone()),
            action: Set(e.action.clone()),
            division: Set(e.division.clone()),
            subject_id: Set(e.subject_id),
            reason: Set(e.reason.clone()),
            payload_hash: Set(e.payload_hash.clone()),
        }
    }
}

impl Model {
    /// The entry this row holds, with the time it was made.
    pub(super) fn into_entry(self) -> (DateTime<Utc>, Entry) {
        let actor = Actor { subject: self.actor, role: self.role, jurisdiction: self.jurisdiction };
        let entry = Entry {
            actor,
            action: self.action,
            division: self.division,
            subject_id: self.subject_id,
            reason: self.reason,
            payload_hash: self.payload_hash,
        };
        (self.at, entry)
    }
}
