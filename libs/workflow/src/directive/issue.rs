//! Issuing a directive from the caller's layer: the request checked, the plan worked out, and the
//! root task, its tasks (or the pending directive), its audit entry and its event written in one
//! transaction.

use chain_api::limits::{KIND_CHARS, TITLE_CHARS};
use chain_api::workflow::{IssueDirective, Issued, Quota, TaskChange, TaskState};
use chain_api::{Principal, Problem, Role, limits};
use chain_domain::Invalid;
use chain_store::audit;
use chain_store::text::enum_str;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

use super::open::{Template, deadline};
use super::pending::defer;
use super::plan::{level_counts, plan};
use crate::engine::{Actor, Change, DIRECTIVE_ISSUED, Engine, in_txn, internal, to_api};
use crate::entity::task;
use crate::rules::{check_body, issuer_acts, layer_of, valid_kind};

impl Engine {
    /// Issues a directive from the caller's layer: a root task owned by that layer and tasks for
    /// the targets and every layer between.
    pub async fn issue(&self, p: &Principal, req: IssueDirective) -> Result<Issued, Problem> {
        issuer_acts(p, "issuing a directive")?;
        self.owns(req.service)?;
        let now = self.clock.now();
        let template = self.template(&req, now)?;
        let quota = req.quota.as_ref().map(|Quota { total, shares }| (*total, shares.as_ref()));
        let issuer = p.jurisdiction.division().cloned();
        let planned = plan(issuer.as_ref(), &req.targets, quota)?;
        let actor = Actor::of(p);
        let root = {
            let own = Template { notice_kind: None, ..template.clone() };
            let mut r = self.row(&own, &layer_of(p), None, req.quota.as_ref().map(|q| q.total), now);
            r.state = enum_str(&TaskState::InProgress);
            r
        };
        let direct = planned.iter().filter(|t| t.parent.is_none()).count();
        let background = planned.len() > self.inline_limit;
        let opened: chain_bus::Result<u64> = in_txn(&self.db, async |txn| {
            task::ActiveModel::from(root.clone()).insert(txn).await?;
            if background {
                defer(txn, root.id, &req, now).await?;
            }
            let data = serde_json::json!({ "tasks": planned.len(), "children": direct, "background": background });
            let change = Change {
                task: &root,
                change: TaskChange::Opened,
                actor: &actor,
                reason: None,
                data,
                audited: false,
                published: false,
            };
            self.record(txn, change, now).await?;
            let opened =
                if background { 0 } else { self.open_planned(txn, &root, &planned, &template, &actor, now).await? };
            let payload = serde_json::json!({
                "root_id": root.id, "kind": root.kind, "title": root.title, "tasks": planned.len(),
                "quota": root.quota, "due_at": root.due_at,
                "targets": req.targets,
            });
            let entry =
                audit::Entry::new(actor.clone(), "directive.issue", &root.division).about(root.id).payload(&payload);
            audit::append(txn, now, entry).await?;
            self.publish(txn, DIRECTIVE_ISSUED, &root.division, root.id, &actor.subject, payload).await?;
            Ok(opened)
        })
        .await;
        let opened = opened?;
        if background {
            self.wake.notify_one();
        }
        Ok(Issued {
            task: to_api(&root).map_err(internal)?,
            opened,
            planned: planned.len() as u64,
            complete: !background,
            by_level: level_counts(&planned),
        })
    }

    /// What the tasks of a directive share, from the request's checked fields.
    fn template(&self, req: &IssueDirective, now: DateTime<Utc>) -> chain_bus::Result<Template> {
        let mut bad = Invalid::new();
        if !valid_kind(&req.kind) {
            bad.push("kind", format!("1–{KIND_CHARS} lowercase letters, digits, `.` or `-`, starting with a letter"));
        }
        let title = chain_domain::text::field(&req.title, chain_domain::text::Kind::Name, "title", &mut bad);
        if title.is_empty() || title.chars().count() > TITLE_CHARS {
            bad.push("title", format!("1–{TITLE_CHARS} characters"));
        }
        if let Err(why) = check_body(&req.body) {
            bad.push("body", why);
        }
        let approvals = req.required_approvals.unwrap_or(1);
        if !(1..=limits::MAX_APPROVALS).contains(&approvals) {
            bad.push("required_approvals", format!("between 1 and {}", limits::MAX_APPROVALS));
        }
        if let Some(k) = &req.notice_kind
            && (k.len() > KIND_CHARS || !self.notice_days.kinds().iter().any(|known| known == k))
        {
            bad.push("notice_kind", format!("unknown notice kind; known: {}", self.notice_days.kinds().join(", ")));
        }
        bad.or(())?;
        let due_at = deadline(req.due_date, req.due_at, now, true)?;
        Ok(Template {
            kind: req.kind.clone(),
            title,
            body: if req.body.is_null() { "null".into() } else { req.body.to_string() },
            assignee_role: req.assignee_role.unwrap_or(Role::Operator),
            required_approvals: approvals as i32,
            due_at,
            notice_kind: req.notice_kind.clone(),
        })
    }
}
