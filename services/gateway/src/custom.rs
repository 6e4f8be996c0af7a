//! Custom methods (`POST /v1/households/{id}:appraise`): the state changes of one record. Each
//! resource declares them once, as a [`Resource`] with one [`CustomMethod`] row per method; that
//! row is at once the operation in the OpenAPI document, the dispatch of `POST {path}:<name>` and
//! the bus verb the step is forwarded as ([`mount`]).

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use chain_api::exit::ExitCase;
use chain_api::funding::{AllocationPlan, Transfer};
use chain_api::identification::Household;
use chain_api::monitoring::MonitoringCase;
use chain_api::planning::Plan;
use chain_api::step::Step;
use chain_api::workflow::{Issued, Notice, Objection, Task, verbs};
use chain_api::{Principal, Problem, ProblemKind};
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, HttpMethod, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Schema};
use utoipa_axum::router::OpenApiRouter;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::owners::{ask_all, locate};
use crate::problem::{ApiProblem, Json, Path};
use crate::rest::{OptionalJson, Problems, if_match, issued, versioned};

/// A record's custom methods: `POST {path}:<name>` for each of `methods`.
#[derive(Debug)]
pub struct Resource {
    /// The record's path, e.g. `/v1/households/{id}`.
    pub path: &'static str,
    /// What the record is called in problems (`household not found`); it also starts the
    /// methods' operation ids.
    pub what: &'static str,
    /// The document's tag for the methods.
    pub tag: &'static str,
    /// The document's description of `{id}`.
    pub id_doc: &'static str,
    /// The document's description of `If-Match`.
    pub if_match_doc: &'static str,
    /// Which service a step is sent to.
    pub owner: Owner,
    /// Whether a step must send a JSON body.
    pub body: BodyRule,
    /// The methods.
    pub methods: &'static [CustomMethod],
}

/// Which service holds the record a step is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Always this one.
    Service(&'static str),
    /// The owner of the task: remembered, or found by asking all four services for it.
    Task,
    /// The owner of the objection: remembered, or else the step goes to all four services, since
    /// none can be asked who owns an objection but only its owner finds it (the others answer 404
    /// and change nothing).
    Objection,
}

/// How the body of a step is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    /// A JSON body (`Content-Type: application/json`) is required.
    Json,
    /// The body may be left out (or be `null`) and then reads as `{}`; a method whose body type
    /// reads from `{}` documents its body as optional.
    MayBeLeftOut,
}

/// One custom method: `POST {path}:<name>`, forwarded as `Step<B>` to the verb, answered with `A`.
#[derive(Clone, Copy)]
pub struct CustomMethod {
    /// The name after the colon.
    pub name: &'static str,
    /// The bus verb the step is sent as.
    pub verb: &'static str,
    /// What the method does and who may call it (the operation's summary).
    pub doc: &'static str,
    /// The description of the success answer.
    pub answers: &'static str,
    /// The document's tag, when not the resource's.
    pub tag: Option<&'static str>,
    /// The document's description of `{id}`, when not the resource's.
    pub id_doc: Option<&'static str>,
    /// The document's description of `If-Match`, when not the resource's.
    pub if_match_doc: Option<&'static str>,
    types: Types,
}

impl std::fmt::Debug for CustomMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomMethod").field("name", &self.name).field("verb", &self.verb).finish()
    }
}

impl CustomMethod {
    /// The method `name`, sent to `verb` with a body of type `B` and answered with an `A`.
    pub const fn new<B: StepBody, A: Answer>(name: &'static str, verb: &'static str) -> Self {
        CustomMethod {
            name,
            verb,
            doc: "",
            answers: "",
            tag: None,
            id_doc: None,
            if_match_doc: None,
            types: Types {
                body: register::<B>,
                answer: register::<A>,
                status: A::STATUS,
                headers: (A::ETAG, A::LOCATION),
                reads_empty: reads_empty::<B>,
                forward: forward::<B, A>,
            },
        }
    }

    /// With the operation's summary.
    pub const fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// With the description of the success answer.
    pub const fn answers(mut self, answers: &'static str) -> Self {
        self.answers = answers;
        self
    }

    /// Filed under another tag than the resource's.
    pub const fn tag(mut self, tag: &'static str) -> Self {
        self.tag = Some(tag);
        self
    }

    /// With its own description of `{id}`.
    pub const fn id_doc(mut self, id_doc: &'static str) -> Self {
        self.id_doc = Some(id_doc);
        self
    }

    /// With its own description of `If-Match`.
    pub const fn if_match_doc(mut self, if_match_doc: &'static str) -> Self {
        self.if_match_doc = Some(if_match_doc);
        self
    }
}

/// The schemas collected for the document's components.
type Schemas = Vec<(String, RefOr<Schema>)>;

/// Sends one step and answers it.
type Forward = for<'a> fn(Call<'a>) -> BoxFuture<'a, Result<Response, ApiProblem>>;

/// What a method does with its body and answer types, as plain functions so tables are constant.
#[derive(Clone, Copy)]
struct Types {
    /// Adds the body's schemas; returns its name.
    body: fn(&mut Schemas) -> String,
    /// Adds the answer's schemas; returns its name.
    answer: fn(&mut Schemas) -> String,
    /// The success status.
    status: StatusCode,
    /// The success answer's `ETag` and `Location` ([`Answer::ETAG`], [`Answer::LOCATION`]).
    headers: (&'static str, Option<&'static str>),
    /// Whether `{}` is a valid body.
    reads_empty: fn() -> bool,
    forward: Forward,
}

/// A step's body.
pub trait StepBody: Serialize + DeserializeOwned + ToSchema + Send + Sync + 'static {}

impl<T: Serialize + DeserializeOwned + ToSchema + Send + Sync + 'static> StepBody for T {}

/// What a step answers with, and how the gateway passes that on.
pub trait Answer: Serialize + DeserializeOwned + ToSchema + Send + 'static {
    /// The success status.
    const STATUS: StatusCode = StatusCode::OK;
    /// What the `ETag` of the success answer is the version of.
    const ETAG: &'static str = "The version of the record, for `If-Match`";
    /// What the `Location` of the success answer points at, if it has one.
    const LOCATION: Option<&'static str> = None;

    /// The HTTP answer for what `service` replied: the record with its `ETag`.
    fn reply(self, _s: &AppState, _service: &'static str) -> Response {
        versioned(Self::STATUS, &self)
    }
}

impl Answer for Household {}
impl Answer for MonitoringCase {}
impl Answer for ExitCase {}
impl Answer for Plan {}
impl Answer for Task {}
impl Answer for Objection {}
impl Answer for AllocationPlan {}
impl Answer for Transfer {}

/// An opened notice: its owner is remembered, so objections to it find their way.
impl Answer for Notice {
    fn reply(self, s: &AppState, service: &'static str) -> Response {
        s.owners.remember(self.id, service);
        versioned(Self::STATUS, &self)
    }
}

/// Work opened under a task: `Location` and `ETag` are the task's (see [`issued`]).
impl Answer for Issued {
    const STATUS: StatusCode = StatusCode::CREATED;
    const ETAG: &'static str = "The version of the task the work was opened under";
    const LOCATION: Option<&'static str> = Some("The task the work was opened under: `/v1/tasks/{id}`");

    fn reply(self, s: &AppState, service: &'static str) -> Response {
        issued(service, &s.owners, &self)
    }
}

/// One step on its way to the service.
struct Call<'a> {
    s: &'a AppState,
    p: &'a Principal,
    owner: Owner,
    verb: &'static str,
    id: Uuid,
    headers: &'a HeaderMap,
    body: Value,
}

fn forward<B: StepBody, A: Answer>(c: Call<'_>) -> BoxFuture<'_, Result<Response, ApiProblem>> {
    Box::pin(async move {
        let body: B = chain_api::body::from_value(c.body)?;
        let known = match c.owner {
            Owner::Service(service) => Some(service),
            Owner::Task => Some(locate(c.s, c.p, verbs::GET, c.id).await?),
            Owner::Objection => c.s.owners.get(c.id),
        };
        let req = Step { id: c.id, expected_version: if_match(c.headers)?, body };
        let (service, answer): (_, A) = match known {
            Some(service) => (service, c.s.bus.request(service, c.verb, c.p, &req).await?),
            None => ask_all(c.s, c.p, c.verb, c.id, &req).await?,
        };
        Ok(answer.reply(c.s, service))
    })
}

fn register<T: ToSchema>(schemas: &mut Schemas) -> String {
    T::schemas(schemas);
    let name = T::name().into_owned();
    schemas.push((name.clone(), T::schema()));
    name
}

fn reads_empty<T: DeserializeOwned>() -> bool {
    serde_json::from_value::<T>(Value::Object(serde_json::Map::new())).is_ok()
}

/// Mounts `POST {path}` answering the resource's custom methods, and documents each method as
/// `POST {path}:<name>`.
pub fn mount(router: OpenApiRouter<AppState>, resource: &'static Resource) -> OpenApiRouter<AppState> {
    let handler = move |State(s): State<AppState>, Auth(p): Auth, Path(target): Path<String>, req: Request| async move {
        dispatch(resource, s, p, target, req).await
    };
    let mut router = router.route(resource.path, post(handler));
    let mut schemas = Vec::new();
    let doc = router.get_openapi_mut();
    for method in resource.methods {
        let path = format!("{}:{}", resource.path, method.name);
        doc.paths.add_path_operation(path, vec![HttpMethod::Post], operation(resource, method, &mut schemas));
    }
    doc.components.get_or_insert_with(Default::default).schemas.extend(schemas);
    router
}

/// Answers `POST {path}` with `{id}` = `<uuid>:<name>`.
async fn dispatch(
    resource: &'static Resource,
    s: AppState,
    p: Principal,
    target: String,
    req: Request,
) -> Result<Response, ApiProblem> {
    // Which method is meant comes first: `POST {path}` without one is 405 and an unknown one 404,
    // whatever the body.
    let (id, name) = split_target(&target, resource.what)?;
    let method =
        resource.methods.iter().find(|m| m.name == name).ok_or_else(|| ApiProblem(Problem::not_found("operation")))?;
    let headers = req.headers().clone();
    let body = match resource.body {
        BodyRule::Json => Json::<Value>::from_request(req, &()).await?.0,
        BodyRule::MayBeLeftOut => match OptionalJson::<Value>::from_request(req, &()).await?.0 {
            // `null` says "no body" as well as an empty one does.
            Value::Null => Value::Object(serde_json::Map::new()),
            body => body,
        },
    };
    let call = Call { s: &s, p: &p, owner: resource.owner, verb: method.verb, id, headers: &headers, body };
    (method.types.forward)(call).await
}

/// Splits a custom-method path segment `<uuid>:<name>`.
fn split_target<'t>(target: &'t str, what: &str) -> Result<(Uuid, &'t str), ApiProblem> {
    let (id, name) = target.split_once(':').ok_or_else(|| {
        ApiProblem(Problem::new(
            ProblemKind::MethodNotAllowed,
            format!("POST a custom method such as /{what}/{{id}}:approve"),
        ))
    })?;
    let id = Uuid::parse_str(id).map_err(|_| ApiProblem(Problem::not_found(what)))?;
    Ok((id, name))
}

/// The method's operation in the document.
fn operation(resource: &Resource, method: &CustomMethod, schemas: &mut Schemas) -> Operation {
    let body = Ref::from_schema_name((method.types.body)(schemas));
    let answer = Ref::from_schema_name((method.types.answer)(schemas));
    let optional = resource.body == BodyRule::MayBeLeftOut && (method.types.reads_empty)();
    let (body, required): (RefOr<Schema>, _) = if optional {
        (OneOfBuilder::new().item(body).item(ObjectBuilder::new().schema_type(Type::Null)).into(), None)
    } else {
        (body.into(), Some(Required::True))
    };
    let header = |name: &str, doc: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .description(Some(doc))
            .required(Required::False)
            .schema(Some(ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]))))
    };
    let id = ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .description(Some(method.id_doc.unwrap_or(resource.id_doc)))
        .required(Required::True)
        .schema(Some(
            ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        ));
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let (etag, location) = method.types.headers;
    let mut success = ResponseBuilder::new()
        .description(method.answers)
        .header("ETag", HeaderBuilder::new().schema(Some(string())).description(Some(etag)).build())
        .content("application/json", ContentBuilder::new().schema(Some(answer)).build());
    if let Some(location) = location {
        success =
            success.header("Location", HeaderBuilder::new().schema(Some(string())).description(Some(location)).build());
    }
    OperationBuilder::new()
        .tag(method.tag.unwrap_or(resource.tag))
        .summary(Some(method.doc))
        .operation_id(Some(format!("{}_{}", resource.what, method.name).replace([' ', '-'], "_")))
        .parameter(id)
        .parameter(header("If-Match", method.if_match_doc.unwrap_or(resource.if_match_doc)))
        .parameter(header("Idempotency-Key", "Makes a retry safe"))
        .request_body(Some(
            RequestBodyBuilder::new()
                .content("application/json", ContentBuilder::new().schema(Some(body)).build())
                .required(required)
                .build(),
        ))
        .responses(
            ResponsesBuilder::new()
                .response(method.types.status.as_str(), success)
                .responses_from_into_responses::<Problems>(),
        )
        .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_an_id_and_a_method_name() {
        let id = Uuid::now_v7();
        let target = format!("{id}:sign-off");
        assert_eq!(split_target(&target, "task").unwrap(), (id, "sign-off"));
        assert_eq!(split_target(&id.to_string(), "task").unwrap_err().0.status, 405);
        assert_eq!(split_target("not-a-uuid:sign-off", "task").unwrap_err().0.status, 404);
    }
}
