//! The work-team tables: `work_teams` (one per village, with its first secretary's term for the
//! coverage query), `team_members` (every member ever sent), `team_presence` (every version of a
//! month's record), `presence_months` (months judged) and `presence_flags`.

use chain_api::planning::{PresenceFlag, PresenceRecord, TeamMember};
use chain_store::text::parse_enum;
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use sea_orm::entity::prelude::*;

use chain_domain::cadre::mask_phone;
use chain_store::pii::PiiKey;

use crate::domain::team::Membership;

/// A village's team.
pub mod work_team {
    use sea_orm::entity::prelude::*;

    /// A team row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_teams")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Village code; one team per village.
        #[sea_orm(unique)]
        pub village: String,
        /// Whether the village has identified households.
        pub poor: bool,
        /// First day of the current first secretary's term.
        pub secretary_from: Option<Date>,
        /// Last day of the current first secretary's term (or the day it was ended on).
        pub secretary_until: Option<Date>,
        /// The current first secretary.
        pub secretary_id: Option<Uuid>,
        /// Whether the county's `team.village` task about this team is unfinished.
        pub task_open: bool,
        /// Version.
        pub version: i64,
        /// Who opened the team (`system` when the village became poor).
        pub created_by: String,
        /// Created.
        pub created_at: DateTimeUtc,
        /// Updated.
        pub updated_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A member, current or past.
pub mod member {
    use sea_orm::entity::prelude::*;

    /// A member row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "team_members")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The team.
        pub team_id: Uuid,
        /// The team's village.
        pub village: String,
        /// Name.
        pub name: String,
        /// Sending unit.
        pub unit: String,
        /// The unit's layer.
        pub unit_layer: String,
        /// The unit's division.
        pub unit_division: String,
        /// Role (snake_case).
        pub role: String,
        /// Phone, encrypted with planning's key (in clear only on rows from before phones were
        /// encrypted, until the service seals them at start; those have no `phone_masked`).
        pub phone: String,
        /// Phone, masked; absent until the phone is sealed.
        pub phone_masked: Option<String>,
        /// First day.
        pub term_start: Date,
        /// Last day of the term as assigned.
        pub term_end: Date,
        /// Last day, when ended early.
        pub ended_on: Option<Date>,
        /// Why it was ended.
        pub end_reason: Option<String>,
        /// The team's id while this member is its first secretary.
        pub secretary_key: Option<String>,
        /// Who assigned the member.
        pub assigned_by: String,
        /// When.
        pub assigned_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One version of a month's presence record.
pub mod presence {
    use sea_orm::entity::prelude::*;

    /// A record row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "team_presence")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The team.
        pub team_id: Uuid,
        /// The member.
        pub member_id: Uuid,
        /// `YYYY-MM`.
        pub month: String,
        /// Days.
        pub days: i32,
        /// 1, then one more per correction.
        pub version: i64,
        /// What it rests on.
        pub note: Option<String>,
        /// Who recorded it.
        pub recorded_by: String,
        /// When.
        pub recorded_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A month judged.
pub mod judged {
    use sea_orm::entity::prelude::*;

    /// A judged month.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "presence_months")]
    pub struct Model {
        /// `YYYY-MM`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub month: String,
        /// Flags it raised.
        pub flags: i32,
        /// When.
        pub judged_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A member short of the month's minimum.
pub mod flag {
    use sea_orm::entity::prelude::*;

    /// A flag row.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "presence_flags")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The team.
        pub team_id: Uuid,
        /// The village.
        pub village: String,
        /// The member.
        pub member_id: Uuid,
        /// `YYYY-MM`.
        pub month: String,
        /// Days recorded.
        pub days: i32,
        /// Days required.
        pub required: i32,
        /// When.
        pub flagged_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

impl member::Model {
    /// The member's time in the team.
    pub fn membership(&self) -> Membership {
        Membership { start: self.term_start, term_end: self.term_end, ended_on: self.ended_on }
    }

    /// The API form on `today`, the phone masked unless `unmask` gives the key to read it.
    pub fn to_api(&self, today: NaiveDate, unmask: Option<&PiiKey>) -> Result<TeamMember, DbErr> {
        let phone = match unmask {
            Some(key) => key.decrypt_text(&self.phone).map_err(|e| DbErr::Custom(format!("a member's phone: {e}")))?,
            None => self.phone_masked.clone().unwrap_or_else(|| mask_phone(&self.phone)),
        };
        Ok(TeamMember {
            id: self.id,
            name: self.name.clone(),
            unit: self.unit.clone(),
            unit_layer: self.unit_layer.clone(),
            unit_division: self.unit_division.clone(),
            role: parse_enum(&self.role)?,
            term_start: self.term_start,
            term_end: self.term_end,
            ended_on: self.ended_on,
            end_reason: self.end_reason.clone(),
            current: self.membership().current_on(today),
            phone,
            assigned_at: self.assigned_at,
        })
    }
}

impl presence::Model {
    /// The API form.
    pub fn to_api(&self) -> PresenceRecord {
        PresenceRecord {
            member_id: self.member_id,
            month: self.month.clone(),
            days: self.days.max(0) as u32,
            version: self.version,
            note: self.note.clone(),
            recorded_by: self.recorded_by.clone(),
            recorded_at: self.recorded_at,
        }
    }
}

impl flag::Model {
    /// The API form, with the member it is about.
    pub fn to_api(&self, m: &member::Model) -> Result<PresenceFlag, DbErr> {
        Ok(PresenceFlag {
            id: self.id,
            team_id: self.team_id,
            village: self.village.clone(),
            member_id: self.member_id,
            name: m.name.clone(),
            role: parse_enum(&m.role)?,
            month: self.month.clone(),
            days: self.days.max(0) as u32,
            required: self.required.max(0) as u32,
            flagged_at: self.flagged_at,
        })
    }
}

/// The team of a village, if it has one.
pub async fn of_village<C: ConnectionTrait>(conn: &C, village: &str) -> Result<Option<work_team::Model>, DbErr> {
    work_team::Entity::find().filter(work_team::Column::Village.eq(village)).one(conn).await
}

/// The team, its row locked until the caller's transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite serialises every write anyway): a change made at the version read reads the members it
/// judges against only after any concurrent change committed, so the loser of a race is refused
/// for its stale version, never judged against a half-seen state.
pub async fn locked<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<work_team::Model>, DbErr> {
    use sea_orm::QuerySelect;
    work_team::Entity::find_by_id(id).lock_exclusive().one(conn).await
}

/// The team's members, in the order they were assigned.
pub async fn members<C: ConnectionTrait>(conn: &C, team_id: Uuid) -> Result<Vec<member::Model>, DbErr> {
    use sea_orm::QueryOrder;
    member::Entity::find()
        .filter(member::Column::TeamId.eq(team_id))
        .order_by_asc(member::Column::AssignedAt)
        .order_by_asc(member::Column::Id)
        .all(conn)
        .await
}

/// Bumps the team's version with `changes` if it is still at the version `row` was read at;
/// whether it was.
pub async fn bump<C: ConnectionTrait>(
    conn: &C,
    row: &work_team::Model,
    at: DateTimeUtc,
    mut changes: Vec<(work_team::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, DbErr> {
    changes.push((work_team::Column::UpdatedAt, Expr::value(at)));
    chain_kit::rows::update_versioned::<work_team::Entity, _>(
        conn,
        work_team::Column::Id.eq(row.id),
        (work_team::Column::Version, row.version),
        changes,
    )
    .await
}
