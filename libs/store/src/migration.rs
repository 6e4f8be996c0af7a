//! The tables every service has, as a migration each service's migrator lists first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `outbox`, `inbox`, `audit_log` and `audit_head`.
#[derive(Debug)]
pub struct SharedTables;

impl MigrationName for SharedTables {
    fn name(&self) -> &str {
        "m0001_shared_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SharedTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("outbox")
                .if_not_exists()
                .col(big_pk_auto("seq"))
                .col(uuid_uniq("event_id"))
                .col(string("subject"))
                .col(text("envelope"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("published_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("outbox_pending").table("outbox").col("published_at").col("seq").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("inbox")
                .if_not_exists()
                .col(string("consumer"))
                .col(uuid("event_id"))
                .col(timestamp_with_time_zone("applied_at"))
                .primary_key(Index::create().col("consumer").col("event_id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_log")
                .if_not_exists()
                .col(big_integer("seq").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(string("actor"))
                .col(string("role"))
                .col(string("jurisdiction"))
                .col(string("action"))
                .col(string("division"))
                .col(uuid_null("subject_id"))
                .col(text_null("reason"))
                .col(string("payload_hash"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("audit_subject").table("audit_log").col("subject_id").to_owned()).await?;
        m.create_table(
            Table::create()
                .table("audit_head")
                .if_not_exists()
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        let seed = Query::insert()
            .into_table("audit_head")
            .columns(["id", "seq", "hash"])
            .values_panic([1.into(), 0i64.into(), crate::audit::GENESIS.into()])
            .to_owned();
        m.exec_stmt(seed).await?;
        Ok(())
    }
}

/// Gives the audit head the chain's id, by which a process finds the chain's key
/// ([`crate::audit::install`]).
#[derive(Debug)]
pub struct AuditChainId;

impl MigrationName for AuditChainId {
    fn name(&self) -> &str {
        "m0002_audit_chain_id"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AuditChainId {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("audit_head").add_column(string_null("chain")).to_owned()).await
    }
}

/// Creates `request_answer`, the answers a service remembers by request id
/// ([`crate::answers`]).
#[derive(Debug)]
pub struct RequestAnswers;

impl MigrationName for RequestAnswers {
    fn name(&self) -> &str {
        "m0003_request_answers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RequestAnswers {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("request_answer")
                .if_not_exists()
                .col(string("request_id"))
                .col(string("subject"))
                .col(integer("status"))
                .col(text("body"))
                .col(timestamp_with_time_zone("answered_at"))
                .primary_key(Index::create().col("request_id").col("subject"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("request_answer_answered_at")
                .table("request_answer")
                .col("answered_at")
                .if_not_exists()
                .to_owned(),
        )
        .await
    }
}

/// Creates `audit_intake`, where changes leave their audit entries for the chain
/// ([`crate::audit::intake`]).
#[derive(Debug)]
pub struct AuditIntake;

impl MigrationName for AuditIntake {
    fn name(&self) -> &str {
        "m0005_audit_intake"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AuditIntake {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_intake")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("actor"))
                .col(string("role"))
                .col(string("jurisdiction"))
                .col(string("action"))
                .col(string("division"))
                .col(uuid_null("subject_id"))
                .col(text_null("reason"))
                .col(string("payload_hash"))
                .to_owned(),
        )
        .await
    }
}
