//! REST routes, and [`api`]: the one list of every operation, each mounted on the router and
//! documented by the same line.

pub mod audit;
pub mod boards;
pub mod directives;
pub mod divisions;
pub mod exits;
pub mod funding;
pub mod health;
pub mod households;
pub mod imports;
pub mod monitoring;
pub mod notices;
pub mod plans;
pub mod projects;
pub mod queries;
pub mod quotas;
pub mod schedules;
pub mod tasks;
pub mod teams;

use axum::Router;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::custom::{self, Resource};

/// Every operation's router, grouped by how the gateway wraps it (see [`crate::router`]).
#[derive(Debug)]
pub struct Routers {
    /// Operations answered within [`crate::REQUEST_TIMEOUT`].
    pub bounded: Router<AppState>,
    /// Event streams, open for as long as the client listens.
    pub streams: Router<AppState>,
    /// Uploads, as long as the file takes to arrive.
    pub uploads: Router<AppState>,
}

/// The resources with custom methods (`POST {path}:<name>`).
pub const CUSTOM: [&Resource; 10] = [
    &households::STEPS,
    &monitoring::STEPS,
    &plans::STEPS,
    &teams::STEPS,
    &exits::STEPS,
    &tasks::STEPS,
    &notices::OBJECTIONS,
    &funding::PLAN_STEPS,
    &funding::TRANSFER_STEPS,
    &projects::STEPS,
];

/// Every operation: the routers that answer them and their paths in the document.
pub fn api() -> (Routers, OpenApi) {
    let bounded = OpenApiRouter::default()
        .routes(routes!(divisions::provinces))
        .routes(routes!(divisions::get))
        .routes(routes!(divisions::children))
        .routes(routes!(households::register, queries::list))
        .routes(routes!(queries::counts))
        .routes(routes!(households::get))
        .routes(routes!(quotas::get, quotas::set))
        .routes(routes!(quotas::allot))
        .routes(routes!(boards::board))
        .routes(routes!(imports::get))
        .routes(routes!(imports::errors))
        .routes(routes!(plans::create, plans::list))
        .routes(routes!(plans::coverage))
        .routes(routes!(plans::get))
        .routes(routes!(plans::revision))
        .routes(routes!(plans::rules))
        .routes(routes!(teams::create))
        .routes(routes!(teams::get))
        .routes(routes!(teams::presence))
        .routes(routes!(teams::uncovered))
        .routes(routes!(teams::flags))
        .routes(routes!(funding::allocate, funding::list_allocations))
        .routes(routes!(funding::create_plan, funding::list_plans))
        .routes(routes!(funding::get_plan))
        .routes(routes!(funding::disburse, funding::list_disbursements))
        .routes(routes!(funding::get_disbursement))
        .routes(routes!(funding::list_transfers))
        .routes(routes!(funding::get_transfer))
        .routes(routes!(funding::trace_transfer))
        .routes(routes!(projects::propose, projects::list))
        .routes(routes!(projects::get))
        .routes(routes!(funding::account))
        .routes(routes!(funding::check))
        .routes(routes!(funding::entries))
        .routes(routes!(monitoring::list, monitoring::open))
        .routes(routes!(monitoring::get))
        .routes(routes!(exits::propose))
        .routes(routes!(exits::get))
        .routes(routes!(directives::issue))
        .routes(routes!(tasks::list))
        .routes(routes!(tasks::get_task))
        .routes(routes!(tasks::tree))
        .routes(routes!(notices::get_notice))
        .routes(routes!(notices::lodge_objection))
        .routes(routes!(schedules::list_schedules, schedules::create_schedule))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::list_accountability))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz));
    let bounded = CUSTOM.into_iter().fold(bounded, custom::mount);
    let streams = OpenApiRouter::default().routes(routes!(tasks::events));
    let uploads = OpenApiRouter::default().routes(routes!(imports::upload));
    let (bounded, mut paths) = bounded.split_for_parts();
    let (streams, streamed) = streams.split_for_parts();
    let (uploads, uploaded) = uploads.split_for_parts();
    paths.merge(streamed);
    paths.merge(uploaded);
    (Routers { bounded, streams, uploads }, paths)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    use axum::Router;
    use utoipa::openapi::HttpMethod;

    use super::*;

    const METHODS: [(&str, HttpMethod); 5] = [
        ("get", HttpMethod::Get),
        ("post", HttpMethod::Post),
        ("put", HttpMethod::Put),
        ("patch", HttpMethod::Patch),
        ("delete", HttpMethod::Delete),
    ];

    /// The `(path, method)` pairs a router answers, read from axum's `Debug` form of it, which
    /// lists every route's path and, per method, its handler or `None`.
    fn mounted(router: &Router<AppState>) -> BTreeSet<(String, &'static str)> {
        let text = format!("{router:?}");
        // The fallback router after it holds axum's own catch-all, not routes.
        let text = text.split("fallback_router:").next().unwrap_or_default();
        let (routes, node) = text.split_once("node: Node { paths: ").expect("axum's Debug form of a router");
        let mut methods = BTreeMap::new();
        for chunk in routes.split("RouteId(").skip(1) {
            let (id, rest) = chunk.split_once(')').unwrap();
            let body = rest.strip_prefix(": MethodRouter(MethodRouter { ").expect("a route is a method router");
            let answered: Vec<_> =
                METHODS.iter().map(|(m, _)| *m).filter(|m| !body.contains(&format!("{m}: None"))).collect();
            assert!(!answered.is_empty(), "route {id} answers no method: {body}");
            methods.insert(id.to_owned(), answered);
        }
        let mut pairs = BTreeSet::new();
        for chunk in node.split("RouteId(").skip(1) {
            let (id, rest) = chunk.split_once(')').unwrap();
            let path = rest.split('"').nth(1).expect("a quoted path");
            for m in methods.remove(id).unwrap_or_else(|| panic!("no methods for {path}")) {
                pairs.insert((path.to_owned(), m));
            }
        }
        assert!(methods.is_empty(), "routes without a path: {methods:?}");
        pairs
    }

    /// The `(path, method)` pairs the document describes, with a custom method
    /// `POST {path}:<name>` as the `POST {path}` that answers it.
    fn documented(doc: &OpenApi) -> BTreeSet<(String, &'static str)> {
        let mut pairs = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            for (name, method) in METHODS {
                let op = match method {
                    HttpMethod::Get => &item.get,
                    HttpMethod::Post => &item.post,
                    HttpMethod::Put => &item.put,
                    HttpMethod::Patch => &item.patch,
                    _ => &item.delete,
                };
                if op.is_some() {
                    let mounted_at = path.split_once(':').map_or(path.as_str(), |(base, _)| base);
                    pairs.insert((mounted_at.to_owned(), name));
                }
            }
        }
        pairs
    }

    #[test]
    fn every_mounted_route_is_documented_and_every_documented_operation_is_mounted() {
        let (routers, doc) = api();
        let mut routes = mounted(&routers.bounded);
        routes.extend(mounted(&routers.streams));
        routes.extend(mounted(&routers.uploads));
        assert!(routes.contains(&("/v1/households/{id}".to_owned(), "post")), "{routes:?}");
        let documented = documented(&doc);
        let undocumented: Vec<_> = routes.difference(&documented).collect();
        let unmounted: Vec<_> = documented.difference(&routes).collect();
        assert!(undocumented.is_empty(), "mounted but not in the document: {undocumented:?}");
        assert!(unmounted.is_empty(), "in the document but not mounted: {unmounted:?}");
    }

    #[test]
    fn every_custom_method_is_documented_once_under_its_own_name() {
        let (_, doc) = api();
        for resource in CUSTOM {
            let mut names = HashSet::new();
            for m in resource.methods {
                assert!(names.insert(m.name), "{}:{} twice", resource.path, m.name);
                assert!(!m.doc.is_empty() && !m.answers.is_empty(), "{}:{} is undescribed", resource.path, m.name);
                let op = doc.paths.get_path_operation(format!("{}:{}", resource.path, m.name), HttpMethod::Post);
                assert!(op.is_some(), "{}:{} is not in the document", resource.path, m.name);
            }
        }
        let custom = doc.paths.paths.keys().filter(|p| p.contains(':')).count();
        assert_eq!(custom, CUSTOM.iter().map(|r| r.methods.len()).sum::<usize>());
    }
}
