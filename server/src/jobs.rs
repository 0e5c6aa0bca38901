//! Background work: cancelling orders left unpaid, completing orders after the waiting time,
//! retrying refunds the provider has not confirmed, settling commissions whose holding time
//! passed, deleting expired sessions and spent limit counters. The server runs `run_once` on a timer (`spawn`); tests call it directly after moving
//! the clock, and end-to-end tests through `/__test/jobs`.
//!
//! Safe with several instances on one database: a lease row lets one instance scan at a time,
//! and every order is moved by a conditional update, so even two runs at once change it once.

use app::ctx::AppState;
use app::error::AppError;
use serde::{Deserialize, Serialize};
use store::{distribution, groupbuy, jobs, limits, orders, referral, refunds, users};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobReport {
    pub expired: usize,
    pub completed: usize,
    pub refunds_settled: usize,
    /// Group-buy teams whose window ended: succeeded, and failed (every payment refunded).
    pub teams_succeeded: usize,
    pub teams_failed: usize,
    /// Frozen commissions whose holding time passed, now withdrawable.
    pub commissions_settled: usize,
    /// Rows that no longer mean anything deleted: expired sessions, full rate-limit buckets,
    /// forgotten sign-in attempts, referral visits older than half a year.
    pub purged: usize,
    /// False when another instance held the lease and this run did nothing.
    pub ran: bool,
}

const BATCH: i64 = 200;
/// A refund the provider refused or did not answer goes to the back of the queue this long.
const REFUND_RETRY: std::time::Duration = std::time::Duration::from_secs(60);
/// A run that dies keeps the lease this long before another instance takes over.
const LEASE: std::time::Duration = std::time::Duration::from_secs(60);
const LEASE_MS: i64 = domain::time::ms(LEASE);

pub async fn run_once(st: &AppState) -> Result<JobReport, AppError> {
    let now = st.clock.now_ms();
    if !jobs::try_lease(&st.db, "orders", &st.instance, now, LEASE_MS).await? {
        return Ok(JobReport::default());
    }
    let result = work(st).await;
    jobs::release(&st.db, "orders", &st.instance).await?;
    result
}

/// The phases of a run, in order. Each runs even when an earlier one failed (a broken order must
/// not keep every commission from settling); the lease is renewed before each, and a run that
/// lost it (it took longer than the lease) stops so two instances never work at once.
async fn work(st: &AppState) -> Result<JobReport, AppError> {
    let mut report = JobReport { ran: true, ..Default::default() };
    let now = st.clock.now_ms();
    let mut first_error = None;
    for phase in Phase::ALL {
        if !jobs::try_lease(&st.db, "orders", &st.instance, st.clock.now_ms(), LEASE_MS).await? {
            tracing::warn!(?phase, "job lease lost; stopping this run");
            break;
        }
        if let Err(e) = run_phase(st, phase, now, &mut report).await {
            tracing::error!(?phase, error = %e, "job phase failed; the next phases still run");
            first_error.get_or_insert(e);
        }
    }
    if report.expired
        + report.completed
        + report.refunds_settled
        + report.teams_succeeded
        + report.teams_failed
        + report.commissions_settled
        + report.purged
        > 0
    {
        tracing::info!(?report, "jobs ran");
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    Expire,
    Complete,
    CloseTeams,
    PayRefunds,
    SettleCommissions,
    Purge,
}

impl Phase {
    /// Refunds decided by the phases before (failed teams, ladder differences) are paid in the
    /// same run.
    const ALL: [Phase; 6] =
        [Phase::Expire, Phase::Complete, Phase::CloseTeams, Phase::PayRefunds, Phase::SettleCommissions, Phase::Purge];
}

/// One phase: every due item is tried, and one that fails (a broken row) is logged and skipped so
/// it cannot hold up the others; the first failure is reported after the phase.
async fn run_phase(st: &AppState, phase: Phase, now: i64, report: &mut JobReport) -> Result<(), AppError> {
    let mut failed: Option<AppError> = None;
    let mut note = |item: i64, e: AppError| {
        tracing::error!(?phase, item, error = %e, "job item failed; going on with the others");
        failed.get_or_insert(e);
    };
    match phase {
        Phase::Expire => {
            for id in orders::due_for_expiry(&st.db, now, BATCH).await? {
                match orders::cancel_unpaid(&st.db, id, "system", now).await {
                    Ok(done) => report.expired += done as usize,
                    Err(e) => note(id, e.into()),
                }
            }
            if report.expired > 0 {
                st.changes.poke();
            }
        }
        Phase::Complete => {
            let shipped_before = now - st.settings.auto_complete_ms;
            for id in orders::due_for_completion(&st.db, shipped_before, BATCH).await? {
                match orders::complete(&st.db, id, "system", now).await {
                    Ok(done) => report.completed += done as usize,
                    Err(e) => note(id, e.into()),
                }
            }
        }
        Phase::CloseTeams => {
            for id in groupbuy::due(&st.db, now, BATCH).await? {
                match groupbuy::close_due(&st.db, id, now).await {
                    Ok(groupbuy::Closed::Succeeded { .. }) => report.teams_succeeded += 1,
                    Ok(groupbuy::Closed::Failed { .. }) => report.teams_failed += 1,
                    Ok(groupbuy::Closed::Nothing) => {}
                    Err(e) => note(id, e.into()),
                }
            }
            if report.teams_succeeded + report.teams_failed > 0 {
                st.changes.poke();
            }
        }
        Phase::PayRefunds => {
            for r in refunds::approved_unsettled(&st.db, now, BATCH).await? {
                // Provider calls can be slow: keep the lease while they run, and stop if it is gone.
                if !jobs::try_lease(&st.db, "orders", &st.instance, st.clock.now_ms(), LEASE_MS).await? {
                    break;
                }
                match app::payments::settle_refund(st, r.id).await {
                    Ok(true) => report.refunds_settled += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(refund = r.id, error = %e, "refund still not settled");
                        refunds::retry_later(&st.db, r.id, now, REFUND_RETRY).await?;
                    }
                }
            }
        }
        Phase::SettleCommissions => {
            for id in distribution::due_to_settle(&st.db, now, BATCH).await? {
                match distribution::settle(&st.db, id, now).await {
                    Ok(done) => report.commissions_settled += done as usize,
                    Err(e) => note(id, e.into()),
                }
            }
        }
        Phase::Purge => {
            let sessions = users::purge_sessions(&st.db, now).await?;
            let counters = limits::purge(&st.db, now).await?;
            let visits = referral::purge_visits(&st.db, now).await?;
            report.purged += (sessions + counters + visits) as usize;
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Keeps this instance's id node lease (10 minutes) renewed every minute, apart from the jobs so
/// a slow run cannot let it lapse.
fn spawn_node_lease(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or_default();
            if let Err(e) = state.db.renew_node(now).await {
                tracing::error!(error = %e, "could not renew the id node lease; retrying in a minute");
            }
        }
    });
}

/// Runs the background jobs in a loop until the process ends (and keeps the id node lease).
pub fn spawn(state: AppState, every: std::time::Duration) {
    spawn_node_lease(state.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state).await {
                tracing::error!(error = %e, "background jobs failed; retrying next tick");
            }
        }
    });
}
