//! The engine's NATS endpoints, added to a service's own by [`register`].

use chain_api::step::{ById, Step};
use chain_api::workflow::{
    AccountabilityQuery, AuditQuery, Decompose, EventsQuery, IssueDirective, LodgeObjection, NewSchedule, OpenNotice,
    ResolveObjection, StepNote, TaskQuery, TreeQuery, verbs,
};
use chain_bus::Endpoints;

use crate::Engine;
use crate::machine::Action;

macro_rules! verb {
    ($eps:expr, $engine:expr, $verb:expr, |$e:ident, $p:ident, $req:ident: $ty:ty| $body:expr) => {{
        let engine = $engine.clone();
        $eps.handle($verb, move |_state, $p, $req: $ty| {
            let $e = engine.clone();
            async move { $body }
        })
    }};
}

/// Adds every engine verb of [`verbs`] to a service's endpoints.
pub fn register<S: Clone + Send + Sync + 'static>(eps: Endpoints<S>, engine: &Engine) -> Endpoints<S> {
    let eps = verb!(eps, engine, verbs::LIST, |e, p, q: TaskQuery| e.list_page(&p, &q).await);
    let eps = verb!(eps, engine, verbs::GET, |e, p, q: ById| e.get(&p, q.id).await);
    let eps = verb!(eps, engine, verbs::ISSUE, |e, p, q: IssueDirective| e.issue(&p, q).await);
    let eps = verb!(eps, engine, verbs::DECOMPOSE, |e, p, q: Step<Decompose>| e.decompose(&p, q).await);
    let eps = verb!(eps, engine, verbs::START, |e, p, q: Step<StepNote>| e.step(&p, Action::Start, q).await);
    let eps = verb!(eps, engine, verbs::SUBMIT, |e, p, q: Step<StepNote>| e.step(&p, Action::Submit, q).await);
    let eps = verb!(eps, engine, verbs::SIGN_OFF, |e, p, q: Step<StepNote>| e.step(&p, Action::SignOff, q).await);
    let eps = verb!(eps, engine, verbs::RETURN, |e, p, q: Step<StepNote>| e.step(&p, Action::Return, q).await);
    let eps = verb!(eps, engine, verbs::CANCEL, |e, p, q: Step<StepNote>| e.step(&p, Action::Cancel, q).await);
    let eps = verb!(eps, engine, verbs::TREE, |e, p, q: TreeQuery| e.tree(&p, q).await);
    let eps = verb!(eps, engine, verbs::EVENTS, |e, p, q: EventsQuery| e.events(&p, q).await);
    let eps = verb!(eps, engine, verbs::NOTICE_OPEN, |e, p, q: Step<OpenNotice>| e.open_notice(&p, q).await);
    let eps = verb!(eps, engine, verbs::NOTICE_GET, |e, p, q: ById| e.notice(&p, q.id).await);
    let eps = verb!(eps, engine, verbs::OBJECT, |e, p, q: Step<LodgeObjection>| e.object(&p, q).await);
    let eps = verb!(eps, engine, verbs::RESOLVE, |e, p, q: Step<ResolveObjection>| e.resolve(&p, q).await);
    let eps = verb!(eps, engine, verbs::SCHEDULE_CREATE, |e, p, q: NewSchedule| e.create_schedule(&p, q).await);
    let eps = verb!(eps, engine, verbs::SCHEDULE_LIST, |e, p, _q: serde_json::Value| e.schedules(&p).await);
    let eps = verb!(eps, engine, verbs::AUDIT_LIST, |e, p, q: AuditQuery| e.audit(&p, q).await);
    verb!(eps, engine, verbs::ACCOUNTABILITY_LIST, |e, p, q: AccountabilityQuery| e.accountability(&p, q).await)
}
