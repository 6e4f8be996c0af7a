//! The work teams' background job, at the engine's sweep pace and by its clock only: it judges
//! every month whose grace period is over (from the month the first member was recorded in, or
//! the one after the latest judged), and gives
//! the county a `team.village` task for each poor village left without a first secretary in
//! office — a term that ended, a membership ended, or none ever sent; and it submits the tasks of
//! directives to send teams that the assignments have satisfied.

use chain_bus::Shutdown;
use chain_domain::calendar::beijing_date;
use chrono::Datelike;
use sea_orm::TransactionTrait;
use sea_orm::sea_query::Expr;

use crate::State;
use crate::error::Result;
use crate::store::team::{self as teams, work_team};
use crate::team::{coverage, kit, presence};

/// Villages given a task per pass, at most; the next pass takes the rest.
const LAPSES_PER_PASS: u64 = 500;

/// One pass: months judged, tasks opened.
pub async fn pass(s: &State) -> Result<(u32, u32)> {
    let now = s.now();
    let today = beijing_date(now);
    let mut flags = 0;
    if let Some(mut month) = presence::next_to_judge(&s.db).await? {
        while month.judged_on(kit::policies().longest_grace_days(month.first().year())) <= today {
            if !presence::was_judged(&s.db, month).await? {
                flags += presence::judge(s, month, now).await?;
            }
            month = month.next();
        }
    }
    let mut opened = 0;
    for row in coverage::lapsed(&s.db, today, LAPSES_PER_PASS).await? {
        let txn = s.db.begin().await?;
        if !teams::bump(&txn, &row, now, vec![(work_team::Column::TaskOpen, Expr::value(true))]).await? {
            continue;
        }
        let why =
            if row.secretary_until.is_some() { "the first secretary's term is over" } else { "no first secretary" };
        coverage::open_task(&txn, &s.engine, &row, why, now, "system").await?;
        txn.commit().await?;
        opened += 1;
    }
    let mut after: Option<String> = None;
    loop {
        let divisions = coverage::awaiting_teams(&s.db, &s.engine, after.as_deref(), LAPSES_PER_PASS).await?;
        let Some(last) = divisions.last() else { break };
        after = Some(last.to_string());
        for division in &divisions {
            let txn = s.db.begin().await?;
            coverage::satisfy(&txn, &s.engine, division, today).await?;
            txn.commit().await?;
        }
        if (divisions.len() as u64) < LAPSES_PER_PASS {
            break;
        }
    }
    Ok((flags, opened))
}

/// Runs [`pass`] every `every` until `shutdown`.
pub fn spawn(s: State, every: std::time::Duration, mut shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match pass(&s).await {
                Ok((0, 0)) => {}
                Ok((flags, opened)) => tracing::info!(flags, opened, "work teams swept"),
                Err(e) => tracing::warn!(error = %e, "work-team sweep failed; retried at the next"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait() => break,
            }
        }
    })
}
