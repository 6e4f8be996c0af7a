//! Rate limits: keyed GCRA budgets ([`governor`]) on every request, answering 429 problem+json
//! with `Retry-After` once a budget is spent.
//!
//! Three budgets, checked in this order:
//! 1. **per client address** (the TCP peer; IPv6 clients by their /64, which one host usually
//!    holds whole), on every request, before anything else is looked at;
//! 2. **failed authentication per address**: each token that fails verification spends from it;
//!    once it is spent, requests from that address that carry a token are refused without their
//!    signature being checked until the budget has room again, so a flood of forged tokens costs a
//!    hash-map lookup each, not a signature check;
//! 3. **per token subject**, after verification, so one official's client cannot starve others.
//!
//! Health, readiness, the OpenAPI document and the docs UI are on the address budget only: they
//! take no token. The token's verification here is the request's only one: [`crate::auth::Auth`]
//! reads its outcome ([`Verified`]).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chain_api::{Problem, ProblemKind};
use chain_bus::Shutdown;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota};

use crate::AppState;
use crate::auth::Verified;
use crate::problem::ApiProblem;

/// A sustained rate and the burst a client may spend above it at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests per second, sustained.
    pub per_second: NonZeroU32,
    /// Requests that may arrive at once after a quiet spell.
    pub burst: NonZeroU32,
}

impl Budget {
    /// `per_second` sustained with bursts of `burst`; `None` when either is zero.
    pub fn new(per_second: u32, burst: u32) -> Option<Budget> {
        Some(Budget { per_second: NonZeroU32::new(per_second)?, burst: NonZeroU32::new(burst)? })
    }

    fn quota(self) -> Quota {
        Quota::per_second(self.per_second).allow_burst(self.burst)
    }
}

/// The gateway's rate limits.
///
/// The [`Default`] is for production. A county office's officials usually share one address
/// behind its NAT, and a page of the UI fires a dozen requests at once: 100 a second with bursts
/// of 200 per address serves an office of dozens and still stops one machine from monopolising a
/// core. One official works one or two clients: 20 a second with bursts of 40 per subject is
/// several times what a person clicking (or an import uploading) needs, and a runaway script
/// is cut to a fraction of the gateway. A client whose token expired retries a few times before it
/// signs in again: 10 failures at once and then one a second per address leaves it that, and makes
/// a forger pay one signature check a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Every request, per client address.
    pub address: Budget,
    /// Requests per token subject, after the token is verified.
    pub subject: Budget,
    /// Tokens that fail verification, per client address.
    pub failed_auth: Budget,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { address: budget(100, 200), subject: budget(20, 40), failed_auth: budget(1, 10) }
    }
}

impl RateLimits {
    /// Limits no single developer or test reaches (`chain up`, the system tests), still bounded so
    /// the machinery runs as in production.
    pub fn generous() -> Self {
        RateLimits {
            address: budget(10_000, 20_000),
            subject: budget(10_000, 20_000),
            failed_auth: budget(1_000, 2_000),
        }
    }
}

/// A budget from positive literals.
const fn budget(per_second: u32, burst: u32) -> Budget {
    match (NonZeroU32::new(per_second), NonZeroU32::new(burst)) {
        (Some(per_second), Some(burst)) => Budget { per_second, burst },
        _ => panic!("a budget is positive"),
    }
}

/// How often spent-and-refilled keys are dropped from the limiters.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The limiters and the addresses whose failed-authentication budget is spent.
#[derive(Debug)]
pub struct Throttle {
    address: DefaultKeyedRateLimiter<IpAddr>,
    subject: DefaultKeyedRateLimiter<String>,
    failed_auth: DefaultKeyedRateLimiter<IpAddr>,
    /// Until when an address's tokens are refused unverified; entries are dropped once past.
    barred: Mutex<HashMap<IpAddr, Instant>>,
}

impl Throttle {
    /// Fresh limiters for these limits.
    pub fn new(limits: RateLimits) -> Self {
        Throttle {
            address: DefaultKeyedRateLimiter::keyed(limits.address.quota()),
            subject: DefaultKeyedRateLimiter::keyed(limits.subject.quota()),
            failed_auth: DefaultKeyedRateLimiter::keyed(limits.failed_auth.quota()),
            barred: Mutex::new(HashMap::new()),
        }
    }

    /// Drops the keys whose budgets are full again (they behave as unseen ones), so the limiters
    /// hold only recently active clients however many addresses and subjects pass.
    pub fn sweep(&self) {
        for limiter in [&self.address, &self.failed_auth] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.subject.retain_recent();
        self.subject.shrink_to_fit();
        let now = Instant::now();
        let mut barred = self.barred.lock().unwrap_or_else(|e| e.into_inner());
        barred.retain(|_, until| *until > now);
        barred.shrink_to_fit();
    }

    /// Sweeps every [`SWEEP_EVERY`] until shutdown.
    pub fn spawn_sweeper(self: &Arc<Self>, mut shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.wait() => return,
                    _ = tokio::time::sleep(SWEEP_EVERY) => me.sweep(),
                }
            }
        })
    }

    /// How many keys the limiters hold (address, subject, failed authentication).
    pub fn keys(&self) -> (usize, usize, usize) {
        (self.address.len(), self.subject.len(), self.failed_auth.len())
    }

    fn barred_for(&self, client: IpAddr) -> Option<Duration> {
        let barred = self.barred.lock().unwrap_or_else(|e| e.into_inner());
        barred.get(&client).and_then(|until| until.checked_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    /// Spends from the address's failed-authentication budget; once it is spent the address is
    /// barred until it has room again.
    fn failed(&self, client: IpAddr) -> Result<(), Duration> {
        self.failed_auth.check_key(&client).map_err(|refused| {
            let wait = wait(&refused);
            let mut barred = self.barred.lock().unwrap_or_else(|e| e.into_inner());
            barred.insert(client, Instant::now() + wait);
            wait
        })
    }
}

fn wait(refused: &NotUntil<<DefaultClock as Clock>::Instant>) -> Duration {
    refused.wait_time_from(DefaultClock::default().now())
}

/// `Retry-After` in whole seconds for a wait: rounded up, at least one.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

/// The key of a client: its IPv4 address, or the /64 of its IPv6 address.
pub fn client_key(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

/// Paths served without a token: on the address budget only.
fn tokenless(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/openapi.json") || path == "/docs" || path.starts_with("/docs/")
}

/// A 429 problem with its `Retry-After`.
fn too_many(detail: &str, wait: Duration) -> Response {
    let seconds = retry_after_seconds(wait);
    let mut resp =
        ApiProblem(Problem::new(ProblemKind::RateLimited, format!("{detail}; retry in {seconds} s"))).into_response();
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    resp
}

/// The middleware: the budgets of the module documentation, in their order.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let throttle = &state.throttle;
    let client = client_key(
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |ConnectInfo(peer)| peer.ip()),
    );
    if let Err(refused) = throttle.address.check_key(&client) {
        tracing::debug!(%client, "address budget spent");
        return too_many("too many requests from your address", wait(&refused));
    }
    if tokenless(req.uri().path()) {
        return next.run(req).await;
    }
    let Ok(token) = crate::auth::bearer(req.headers()) else {
        return next.run(req).await;
    };
    if let Some(wait) = throttle.barred_for(client) {
        return too_many("too many invalid tokens from your address", wait);
    }
    let verified = state.verifier.verify(token).await;
    match &verified {
        Err(_) => {
            if let Err(wait) = throttle.failed(client) {
                tracing::debug!(%client, "failed-authentication budget spent");
                return too_many("too many invalid tokens from your address", wait);
            }
        }
        Ok(principal) => {
            if let Err(refused) = throttle.subject.check_key(&principal.subject) {
                tracing::debug!(subject = %principal.subject, "subject budget spent");
                return too_many("too many requests for your token's subject", wait(&refused));
            }
        }
    }
    req.extensions_mut().insert(Verified(verified));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_and_is_never_zero() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(59) + Duration::from_nanos(1)), 60);
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_key("192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_spent_failed_authentication_budget_bars_the_address_and_a_sweep_forgets_it_later() {
        let limits = RateLimits { failed_auth: budget(1, 2), ..RateLimits::default() };
        let throttle = Throttle::new(limits);
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let neighbour: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(throttle.failed(client).is_ok());
        assert!(throttle.failed(client).is_ok());
        let wait = throttle.failed(client).expect_err("the third failure within a second is over budget");
        assert!(wait <= Duration::from_secs(1));
        assert!(throttle.barred_for(client).is_some());
        assert!(throttle.barred_for(neighbour).is_none());
        throttle.sweep();
        assert_eq!(throttle.barred.lock().unwrap().len(), 1, "still barred: kept");
    }

    #[test]
    fn the_default_limits_are_tighter_than_the_generous_ones() {
        let (d, g) = (RateLimits::default(), RateLimits::generous());
        for (d, g) in [(d.address, g.address), (d.subject, g.subject), (d.failed_auth, g.failed_auth)] {
            assert!(d.per_second < g.per_second && d.burst < g.burst);
            assert!(d.burst >= d.per_second);
        }
    }
}
