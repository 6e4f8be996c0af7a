//! Which service owns a task, notice or objection. An id does not say, so the first request about
//! an id asks all four services and remembers the one that knows it ([`Owners`]).

use std::collections::HashMap;
use std::sync::Mutex;

use chain_api::step::ById;
use chain_api::workflow::Service;
use chain_api::{Principal, Problem, ProblemKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::AppState;
use crate::problem::ApiProblem;

/// Which service owns each task, notice and objection id seen so far. Ids never move between
/// services, so an entry never goes stale; the map is emptied once it holds [`Owners::CAPACITY`]
/// ids, which bounds its memory.
#[derive(Debug, Default)]
pub struct Owners(Mutex<HashMap<Uuid, &'static str>>);

impl Owners {
    /// Most ids remembered at once.
    pub const CAPACITY: usize = 100_000;

    /// The owning service of `id`, if known.
    pub fn get(&self, id: Uuid) -> Option<&'static str> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&id).copied()
    }

    /// Remembers that `service` owns `id`.
    pub fn remember(&self, id: Uuid, service: &'static str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::CAPACITY && !map.contains_key(&id) {
            map.clear();
        }
        map.insert(id, service);
    }

    /// Number of ids remembered.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The bus name of a service by the name a record carries, e.g. `Task::service`.
pub fn service_named(name: &str) -> Option<&'static str> {
    Service::ALL.iter().map(|s| s.as_str()).find(|s| *s == name)
}

/// Picks the one answer that matters out of the four services' answers to a request about an id:
/// the success if one succeeded; else the owner's own refusal (any problem other than 404); else a
/// service failure (the owner may be the one that failed); else 404, since nobody knows the id.
pub fn pick_owner<T>(answers: Vec<(&'static str, Result<T, Problem>)>) -> Result<(&'static str, T), Problem> {
    let mut refusal = None;
    let mut failure = None;
    let mut missing = None;
    for (service, answer) in answers {
        match answer {
            Ok(v) => return Ok((service, v)),
            Err(p) if p.is(ProblemKind::NotFound) => {
                missing.get_or_insert(p);
            }
            Err(p) if p.status >= 500 => {
                failure.get_or_insert(p);
            }
            Err(p) => {
                refusal.get_or_insert(p);
            }
        }
    }
    Err(refusal.or(failure).or(missing).unwrap_or_else(|| Problem::not_found("record")))
}

/// Sends `req` to all four services at once and answers with the owner's reply (see
/// [`pick_owner`]). Only the owner of the id in `req` finds it; the others answer 404 and change
/// nothing. The owner is remembered.
pub async fn ask_all<Req, Resp>(
    s: &AppState,
    p: &Principal,
    verb: &str,
    id: Uuid,
    req: &Req,
) -> Result<(&'static str, Resp), ApiProblem>
where
    Req: Serialize + Sync,
    Resp: DeserializeOwned,
{
    let answers = futures::future::join_all(Service::ALL.iter().map(|svc| async move {
        let name = svc.as_str();
        (name, s.bus.request::<Req, Resp>(name, verb, p, req).await)
    }))
    .await;
    let (service, answer) = pick_owner(answers)?;
    s.owners.remember(id, service);
    Ok((service, answer))
}

/// The service that owns the task or notice `id`: remembered, or found by sending `get_verb`
/// (`task.get` or `notice.get`) to all four services.
pub async fn locate(s: &AppState, p: &Principal, get_verb: &str, id: Uuid) -> Result<&'static str, ApiProblem> {
    if let Some(service) = s.owners.get(id) {
        return Ok(service);
    }
    let (service, _) = ask_all::<_, serde_json::Value>(s, p, get_verb, id, &ById { id }).await?;
    Ok(service)
}

/// Reads the task or notice `id` with `get_verb` from its owner, finding the owner if needed.
pub async fn fetch<T: DeserializeOwned>(
    s: &AppState,
    p: &Principal,
    get_verb: &str,
    id: Uuid,
) -> Result<(&'static str, T), ApiProblem> {
    if let Some(service) = s.owners.get(id) {
        let found = s.bus.request(service, get_verb, p, &ById { id }).await?;
        return Ok((service, found));
    }
    ask_all(s, p, get_verb, id, &ById { id }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_cache_remembers_and_empties_itself_when_full() {
        let owners = Owners::default();
        let first = Uuid::now_v7();
        owners.remember(first, "planning");
        assert_eq!(owners.get(first), Some("planning"));
        assert_eq!(owners.get(Uuid::now_v7()), None);
        for _ in 1..Owners::CAPACITY {
            owners.remember(Uuid::now_v7(), "exit");
        }
        assert_eq!(owners.len(), Owners::CAPACITY);
        // Remembering a known id again does not empty it.
        owners.remember(first, "planning");
        assert_eq!(owners.len(), Owners::CAPACITY);
        let next = Uuid::now_v7();
        owners.remember(next, "funding");
        assert_eq!(owners.len(), 1);
        assert_eq!(owners.get(next), Some("funding"));
        assert_eq!(owners.get(first), None);
    }

    fn missing() -> Result<u8, Problem> {
        Err(Problem::not_found("task"))
    }

    #[test]
    fn the_owner_is_the_service_that_answered() {
        let answers =
            vec![("identification", missing()), ("planning", Ok(7)), ("funding", missing()), ("exit", missing())];
        assert_eq!(pick_owner(answers).unwrap(), ("planning", 7));
    }

    #[test]
    fn nobody_knowing_the_id_is_a_404() {
        let answers = vec![("identification", missing()), ("planning", missing())];
        assert_eq!(pick_owner(answers).unwrap_err().status, 404);
    }

    #[test]
    fn a_failed_service_is_reported_rather_than_a_404_it_may_have_hidden() {
        let down = Err(Problem::new(ProblemKind::Unavailable, "the exit service did not answer"));
        let answers = vec![("identification", missing()), ("exit", down)];
        assert!(pick_owner(answers).unwrap_err().is(ProblemKind::Unavailable));
    }

    #[test]
    fn the_owners_refusal_beats_another_services_failure() {
        let down = Err(Problem::new(ProblemKind::Unavailable, "the exit service did not answer"));
        let stale = Err(Problem::new(ProblemKind::PreconditionFailed, "version 3 is current"));
        let answers = vec![("exit", down), ("identification", missing()), ("planning", stale)];
        assert!(pick_owner(answers).unwrap_err().is(ProblemKind::PreconditionFailed));
    }

    #[test]
    fn service_names_map_to_the_bus_names() {
        assert_eq!(service_named("funding"), Some("funding"));
        assert_eq!(service_named("gateway"), None);
    }
}
