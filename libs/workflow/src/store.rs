//! Tasks in the service's database.

use chain_api::tasks::{Task, TaskQuery, TaskState};
use chain_api::{Principal, Problem, Role};
use chain_store::audit;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

use crate::machine::{self, Action};

/// A task row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    /// Public id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning service.
    pub service: String,
    /// Kind of work.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Owning division.
    pub division: String,
    /// Parent task.
    pub parent_id: Option<Uuid>,
    /// Assignee role (snake_case).
    pub assignee_role: String,
    /// State (snake_case).
    pub state: String,
    /// The record the task is about.
    pub subject_id: Option<Uuid>,
    /// Deadline.
    pub due_at: Option<DateTimeUtc>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Updated.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use chain_store::text::{enum_str, parse_enum};

impl Model {
    /// The API form.
    pub fn to_api(&self) -> Result<Task, DbErr> {
        Ok(Task {
            id: self.id,
            service: self.service.clone(),
            kind: self.kind.clone(),
            title: self.title.clone(),
            division: self.division.clone(),
            parent_id: self.parent_id,
            assignee_role: parse_enum(&self.assignee_role)?,
            state: parse_enum(&self.state)?,
            subject_id: self.subject_id,
            due_at: self.due_at,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A task to open.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Owning service.
    pub service: &'static str,
    /// Kind of work.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Owning division.
    pub division: String,
    /// Assignee role.
    pub assignee_role: Role,
    /// Subject record.
    pub subject_id: Option<Uuid>,
    /// Deadline.
    pub due_at: Option<DateTimeUtc>,
}

/// Opens a task inside the caller's transaction and audits it.
pub async fn open<C: ConnectionTrait>(conn: &C, actor: &str, t: NewTask) -> Result<Task, DbErr> {
    let now = chrono::Utc::now();
    let model = ActiveModel {
        id: Set(Uuid::now_v7()),
        service: Set(t.service.to_owned()),
        kind: Set(t.kind.to_owned()),
        title: Set(t.title),
        division: Set(t.division.clone()),
        parent_id: Set(None),
        assignee_role: Set(enum_str(&t.assignee_role)),
        state: Set(enum_str(&TaskState::Open)),
        subject_id: Set(t.subject_id),
        due_at: Set(t.due_at),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    audit::append(
        conn,
        audit::Entry {
            actor,
            jurisdiction: &t.division,
            action: "task.open",
            division: &t.division,
            subject_id: Some(model.id),
            reason: None,
            payload: &serde_json::json!({ "kind": t.kind, "subject_id": t.subject_id }),
        },
    )
    .await?;
    model.to_api()
}

/// Applies an action to the task about `subject_id` of `kind`, inside the caller's transaction.
/// Returns `Ok(None)` when there is no such task.
pub async fn transition<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    kind: &str,
    subject_id: Uuid,
    action: Action,
    reason: Option<&str>,
) -> Result<Option<Result<Task, Problem>>, DbErr> {
    let Some(row) = Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::SubjectId.eq(subject_id))
        .order_by_desc(Column::CreatedAt)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let current: TaskState = parse_enum(&row.state)?;
    let next = match machine::next(current, action) {
        Ok(s) => s,
        Err(refusal) => return Ok(Some(Err(Problem::transition(refusal.to_string())))),
    };
    let updated = Entity::update_many()
        .col_expr(Column::State, Expr::value(enum_str(&next)))
        .col_expr(Column::Version, Expr::value(row.version + 1))
        .col_expr(Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(Column::Id.eq(row.id))
        .filter(Column::Version.eq(row.version))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(Some(Err(Problem::new(chain_api::ProblemKind::StaleVersion, "the task changed concurrently"))));
    }
    audit::append(
        conn,
        audit::Entry {
            actor: &principal.subject,
            jurisdiction: &principal.jurisdiction.to_string(),
            action: &format!("task.{}", enum_str(&next)),
            division: &row.division,
            subject_id: Some(row.id),
            reason,
            payload: &serde_json::json!({ "from": row.state, "to": enum_str(&next) }),
        },
    )
    .await?;
    let fresh = Entity::find_by_id(row.id).one(conn).await?.ok_or(DbErr::RecordNotFound("task".into()))?;
    Ok(Some(Ok(fresh.to_api()?)))
}

/// Tasks visible to the principal, filtered.
pub async fn list<C: ConnectionTrait>(conn: &C, principal: &Principal, q: &TaskQuery) -> Result<Vec<Task>, DbErr> {
    let mut find = Entity::find();
    if let Some(d) = principal.jurisdiction.division() {
        find = find.filter(Column::Division.starts_with(d.as_str()));
    }
    if let Some(prefix) = &q.division {
        find = find.filter(Column::Division.starts_with(prefix.as_str()));
    }
    if let Some(kind) = &q.kind {
        find = find.filter(Column::Kind.eq(kind.as_str()));
    }
    if let Some(state) = q.state {
        find = find.filter(Column::State.eq(enum_str(&state)));
    }
    if let Some(subject) = q.subject_id {
        find = find.filter(Column::SubjectId.eq(subject));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    find.order_by_asc(Column::CreatedAt).limit(limit).all(conn).await?.iter().map(Model::to_api).collect()
}
