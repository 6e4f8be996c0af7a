//! Return-to-poverty monitoring cases and their assistance measures, and reading a case in API
//! form.

use chain_api::monitoring::{Measure, MonitoringCase};
use chain_store::text::parse_enum;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};

use super::households::decode;

/// The `monitoring_cases` table.
pub mod case {
    use sea_orm::entity::prelude::*;

    /// A case row. The head's resident ID is kept only as a blind index and masked.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "monitoring_cases")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Village code.
        pub village: String,
        /// Registered household, if any.
        pub household_id: Option<Uuid>,
        /// Head's name (households not in the register).
        pub head_name: Option<String>,
        /// Head's masked ID.
        pub head_id_masked: Option<String>,
        /// Head's ID blind index.
        pub head_id_index: Option<String>,
        /// Unique while the case is open (see `crate::monitoring::case::open_key`), `NULL` once closed.
        pub open_key: Option<String>,
        /// Group (snake_case).
        pub group_name: String,
        /// Channel (snake_case).
        pub channel: String,
        /// First signal.
        pub signal_date: Date,
        /// Income year.
        pub year: i32,
        /// Per-capita net income, fen.
        pub income_fen: i64,
        /// Year before's, fen.
        pub previous_income_fen: Option<i64>,
        /// Rigid spending, fen.
        pub rigid_spending_fen: Option<i64>,
        /// Its reason (snake_case).
        pub rigid_reason: Option<String>,
        /// Range reasons, JSON array.
        pub reasons: String,
        /// The ceiling applied, fen.
        pub ceiling_fen: i64,
        /// Labour capacity.
        pub has_labour: bool,
        /// Status (snake_case).
        pub status: String,
        /// The county's deadline.
        pub decision_due_at: DateTimeUtc,
        /// When decided.
        pub decided_at: Option<DateTimeUtc>,
        /// Monitored since.
        pub monitored_since: Option<DateTimeUtc>,
        /// Risk removed at.
        pub risk_removed_at: Option<DateTimeUtc>,
        /// Version.
        pub version: i64,
        /// Opened by.
        pub created_by: String,
        /// Opened.
        pub created_at: DateTimeUtc,
        /// Updated.
        pub updated_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `monitoring_measures` table.
pub mod measure {
    use sea_orm::entity::prelude::*;

    /// An assistance measure on a case.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "monitoring_measures")]
    pub struct Model {
        /// Internal key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Case.
        pub case_id: Uuid,
        /// Description.
        pub description: String,
        /// Recorded by.
        pub recorded_by: String,
        /// Recorded at.
        pub recorded_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A case row and the case with its measures in API form (without the notice, which the engine
/// knows).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<(case::Model, MonitoringCase)>, DbErr> {
    let Some(c) = case::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let measures = measure::Entity::find()
        .filter(measure::Column::CaseId.eq(id))
        .order_by_asc(measure::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Measure { description: m.description, recorded_by: m.recorded_by, recorded_at: m.recorded_at })
        .collect();
    let api = to_api(&c, measures)?;
    Ok(Some((c, api)))
}

/// A row in API form.
pub fn to_api(c: &case::Model, measures: Vec<Measure>) -> Result<MonitoringCase, DbErr> {
    Ok(MonitoringCase {
        id: c.id,
        village: c.village.clone(),
        household_id: c.household_id,
        head_name: c.head_name.clone(),
        head_resident_id: c.head_id_masked.clone(),
        group: parse_enum(&c.group_name)?,
        channel: parse_enum(&c.channel)?,
        signal_date: c.signal_date,
        year: c.year,
        per_capita_income_fen: c.income_fen,
        previous_income_fen: c.previous_income_fen,
        rigid_spending_fen: c.rigid_spending_fen,
        rigid_spending_reason: c.rigid_reason.as_deref().map(parse_enum).transpose()?,
        reasons: decode(&c.reasons)?,
        income_ceiling_fen: c.ceiling_fen,
        has_labour: c.has_labour,
        status: parse_enum(&c.status)?,
        decision_due_at: c.decision_due_at,
        decided_at: c.decided_at,
        monitored_since: c.monitored_since,
        risk_removed_at: c.risk_removed_at,
        measures,
        notice: None,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}
