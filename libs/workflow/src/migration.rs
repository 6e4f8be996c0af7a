//! The engine's tables, as a migration each service's migrator includes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `tasks`.
#[derive(Debug)]
pub struct TaskTables;

impl MigrationName for TaskTables {
    fn name(&self) -> &str {
        "m0002_workflow_tasks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TaskTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("tasks")
                .if_not_exists()
                .col(uuid("id").primary_key())
                .col(string("service"))
                .col(string("kind"))
                .col(string("title"))
                .col(string("division"))
                .col(uuid_null("parent_id"))
                .col(string("assignee_role"))
                .col(string("state"))
                .col(uuid_null("subject_id"))
                .col(timestamp_with_time_zone_null("due_at"))
                .col(big_integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("tasks_division").table("tasks").col("division").to_owned()).await?;
        m.create_index(Index::create().name("tasks_subject").table("tasks").col("subject_id").to_owned()).await?;
        Ok(())
    }
}
