//! The engine's tables, as a migration each service's migrator includes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `tasks`, `task_events`, `notices`, `objections`, `schedules` and `accountability`.
#[derive(Debug)]
pub struct TaskTables;

impl MigrationName for TaskTables {
    fn name(&self) -> &str {
        "m0002_workflow_engine"
    }
}

fn index(name: &str, table: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table.to_owned());
    for c in cols {
        i.col(ToString::to_string(c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for TaskTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("tasks")
                .col(uuid("id").primary_key())
                .col(string("service"))
                .col(string("kind"))
                .col(string("title"))
                .col(text("body"))
                .col(string("division"))
                .col(uuid_null("parent_id"))
                .col(uuid("root_id"))
                .col(string("signer"))
                .col(string("assignee_role"))
                .col(string("state"))
                .col(uuid_null("subject_id"))
                .col(big_integer_null("quota"))
                .col(integer("required_approvals"))
                .col(text("approvals"))
                .col(string_null("submitted_by"))
                .col(timestamp_with_time_zone_null("due_at"))
                .col(timestamp_with_time_zone_null("remind_at"))
                .col(timestamp_with_time_zone_null("escalate_at"))
                .col(string("deadline_stage"))
                .col(timestamp_with_time_zone_null("next_timer_at"))
                .col(string_null("notice_kind"))
                .col(big_integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("tasks_tree", "tasks", &["root_id", "division"]).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table("pending_directives")
                .col(uuid("task_id").primary_key())
                .col(text("spec"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("tasks_division", "tasks", &["division"])).await?;
        m.create_index(index("tasks_parent", "tasks", &["parent_id"])).await?;
        m.create_index(index("tasks_subject", "tasks", &["subject_id"])).await?;
        m.create_index(index("tasks_timer", "tasks", &["next_timer_at"])).await?;

        m.create_table(
            Table::create()
                .table("task_events")
                .col(big_pk_auto("seq"))
                .col(uuid("task_id"))
                .col(uuid("root_id"))
                .col(string("division"))
                .col(string("change"))
                .col(string("state"))
                .col(big_integer("version"))
                .col(string("actor"))
                .col(text_null("reason"))
                .col(text("data"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("task_events_root", "task_events", &["root_id", "seq"])).await?;

        m.create_table(
            Table::create()
                .table("notices")
                .col(uuid("id").primary_key())
                .col(uuid("task_id"))
                .col(uuid("root_id"))
                .col(string("division"))
                .col(string("kind"))
                .col(integer("days"))
                .col(timestamp_with_time_zone("opened_at"))
                .col(timestamp_with_time_zone("closes_at"))
                .col(string("state"))
                .col(string("opened_by"))
                .col(big_integer("version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("notices_task", "notices", &["task_id"])).await?;
        m.create_index(index("notices_closing", "notices", &["state", "closes_at"])).await?;

        m.create_table(
            Table::create()
                .table("objections")
                .col(uuid("id").primary_key())
                .col(uuid("notice_id"))
                .col(uuid("task_id"))
                .col(string("division"))
                .col(string("lodged_by"))
                .col(string_null("lodged_for"))
                .col(text("reason"))
                .col(string("state"))
                .col(timestamp_with_time_zone("lodged_at"))
                .col(string_null("resolved_by"))
                .col(text_null("resolution"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(big_integer("version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("objections_notice", "objections", &["notice_id"])).await?;

        m.create_table(
            Table::create()
                .table("schedules")
                .col(uuid("id").primary_key())
                .col(string("service"))
                .col(string("kind"))
                .col(string("title"))
                .col(string("issuer"))
                .col(string("cadence"))
                .col(string("level"))
                .col(integer("due_days"))
                .col(timestamp_with_time_zone("next_run_at"))
                .col(integer("runs"))
                .col(string("created_by"))
                .col(big_integer("version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("schedules_due", "schedules", &["next_run_at"])).await?;

        m.create_table(
            Table::create()
                .table("accountability")
                .col(uuid("id").primary_key())
                .col(uuid("task_id"))
                .col(string("division"))
                .col(string("kind"))
                .col(string("escalated_to"))
                .col(text("detail"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("accountability_division", "accountability", &["division"])).await?;
        Ok(())
    }
}

/// Indexes `tasks` by kind and state: what a service's sweep asks for (the divisions whose tasks
/// of a kind await them) is then a range read, not a scan of every task.
#[derive(Debug)]
pub struct TaskKindIndex;

impl MigrationName for TaskKindIndex {
    fn name(&self) -> &str {
        "m0004_tasks_by_kind"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TaskKindIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("tasks_kind_state", "tasks", &["kind", "state", "division"])).await
    }
}
