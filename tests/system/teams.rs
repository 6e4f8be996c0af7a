//! Village work teams and first secretaries through the gateway, on the engine's injected clock:
//! a county opens a village's team and sends a first secretary (idempotent replay, a concurrent
//! conflict, another county's 404, bad input refused with nothing written, a rotation that keeps
//! the earlier one, phones unmasked only for a PII reader); a village that becomes poor gives its
//! county a task until a first secretary is sent, and shows as uncovered once the term is over;
//! a month's presence under the minimum is flagged when the month is judged.

use chain::demo::Official;
use chain_api::Role;
use chain_system_tests::{TestSystem, application, eventually, rid, spawn};
use chrono::{Datelike, Duration, NaiveDate};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const VILLAGE: &str = "520624101201";

/// A county official allowed to read personal data unmasked.
const SINAN_PII: Official = Official {
    var: "SINAN_PII",
    subject: "sinan-pii-reader",
    title: "Sinan county records office",
    jurisdiction: "520624",
    roles: &[Role::Operator, Role::PiiReader],
};

fn today(t: &TestSystem) -> NaiveDate {
    chain_domain::calendar::beijing_date(t.clock.now())
}

fn first_of_month(t: &TestSystem) -> NaiveDate {
    today(t).with_day(1).unwrap()
}

fn secretary(start: NaiveDate) -> Value {
    json!({
        "name": "王书记",
        "unit": "贵州省农业农村厅",
        "unit_layer": "province",
        "unit_division": "52",
        "role": "first_secretary",
        "term_start": start,
        "phone": "13812345678",
    })
}

async fn open_team(t: &TestSystem) -> Value {
    t.post("SINAN", "/v1/teams", json!({ "village": VILLAGE })).await.ok(201).clone()
}

async fn team(t: &TestSystem, who: &str) -> Value {
    t.get(who, &format!("/v1/teams/{VILLAGE}")).await.ok(200).clone()
}

async fn uncovered(t: &TestSystem, who: &str) -> Vec<Value> {
    let page = t.get(who, "/v1/teams/uncovered?division=520624").await;
    page.ok(200)["items"].as_array().unwrap().clone()
}

async fn team_tasks(t: &TestSystem, team_id: &str) -> Vec<Value> {
    let found = t.get("SINAN", &format!("/v1/tasks?kind=team.village&subject_id={team_id}")).await;
    found.ok(200).as_array().unwrap().clone()
}

/// Identifies a household of one member (the head, ID from `first17`) in the village, which makes
/// it poor; its team once planning has it.
async fn poor_village(t: &TestSystem, first17: &str) -> Value {
    let h = t.post("VILLAGE", "/v1/households", application(&[rid(first17)])).await;
    let household = h.ok(201)["id"].as_str().unwrap().to_owned();
    t.identify(&household).await;
    eventually("the village to become poor", || async {
        let found = t.get("SINAN", &format!("/v1/teams/{VILLAGE}")).await;
        (found.status == 200 && found.body["poor"] == true).then(|| found.body.clone())
    })
    .await
}

/// The work-team events on the stream, in order.
async fn team_events(t: &TestSystem) -> Vec<chain_api::Envelope> {
    let js = async_nats::jetstream::new(t.nats_admin().await);
    let mut stream = js.get_stream("CHAIN_EVENTS").await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut events = Vec::new();
    for seq in 1..=last {
        if let Ok(raw) = stream.get_raw_message(seq).await {
            let e: chain_api::Envelope = serde_json::from_slice(&raw.payload).unwrap();
            if e.kind.starts_with("planning.team-") || e.kind == "planning.presence-short" {
                events.push(e);
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_sends_a_first_secretary_once_and_a_rotation_keeps_the_earlier_one() {
    let mut t = spawn().await;
    let token = t.token("SINAN");
    let key = [("Idempotency-Key", "team-1")];
    let body = json!({ "village": VILLAGE });
    let first = t.send(Method::POST, "/v1/teams", &token, Some(body.clone()), &key).await;
    let again = t.send(Method::POST, "/v1/teams", &token, Some(body.clone()), &key).await;
    let id = first.ok(201)["id"].as_str().unwrap().to_owned();
    assert_eq!(again.ok(201)["id"], first.body["id"], "the retry answers the same team");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    t.post("SINAN", "/v1/teams", body).await.problem(409, "conflict");
    let nowhere = t.post("SINAN", "/v1/teams", json!({ "village": "520624101999" })).await;
    assert_eq!(nowhere.problem(422, "validation")["errors"][0]["field"], "village");
    let foreign = json!({ "village": "520623001001" });
    t.post("SINAN", "/v1/teams", foreign).await.problem(403, "forbidden");
    assert_eq!((&first.body["poor"], &first.body["covered"]), (&json!(false), &json!(false)));

    // Bad input is refused field by field and changes nothing.
    let mut bad = secretary(first_of_month(&t));
    bad["unit_layer"] = json!("township");
    bad["unit_division"] = json!("520624101");
    bad["phone"] = json!("12ab");
    bad["name"] = json!(" ");
    let path = format!("/v1/teams/{id}:assign-member");
    let refused = t.post("SINAN", &path, bad).await;
    let fields: Vec<&str> = refused.problem(422, "validation")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "unit_layer", "phone"]);
    let mut long = secretary(first_of_month(&t));
    long["term_end"] = json!(first_of_month(&t) + Duration::days(800));
    t.post("SINAN", &path, long).await.problem(422, "validation");
    assert_eq!(team(&t, "SINAN").await["version"], 1, "nothing written");

    // Another county's official finds no team; the township may not send one.
    t.post("SHIQIAN", &path, secretary(first_of_month(&t))).await.problem(404, "not-found");
    t.get("SHIQIAN", &format!("/v1/teams/{id}")).await.problem(404, "not-found");
    t.post("TANGTOU", &path, secretary(first_of_month(&t))).await.problem(403, "forbidden");

    // Two assignments at the version read: exactly one wins.
    let v1 = [("If-Match", "\"1\"")];
    let mut other = secretary(first_of_month(&t));
    other["name"] = json!("李书记");
    let (a, b) = tokio::join!(
        t.send(Method::POST, &path, &token, Some(secretary(first_of_month(&t))), &v1),
        t.send(Method::POST, &path, &token, Some(other), &v1),
    );
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    let won = won.ok(200).clone();
    assert!([409, 412].contains(&lost.status.as_u16()), "{lost:?}");
    assert_eq!((&won["version"], &won["covered"]), (&json!(2), &json!(true)));
    assert_eq!(won["members"].as_array().unwrap().len(), 1);
    let earlier = won["members"][0].clone();
    assert_eq!(earlier["phone"], "138****5678", "masked");
    assert_eq!(
        earlier["term_end"],
        json!(
            NaiveDate::from_ymd_opt(first_of_month(&t).year() + 2, first_of_month(&t).month(), 1)
                .unwrap()
                .pred_opt()
                .unwrap()
        )
    );
    assert_eq!(won["first_secretary_id"], earlier["id"]);

    // A rotation: the new first secretary's term starts tomorrow, the earlier one's ends today.
    let mut next = secretary(today(&t) + Duration::days(1));
    next["name"] = json!("张书记");
    let rotated = t.post("SINAN", &path, next).await.ok(200).clone();
    let members = rotated["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["id"], earlier["id"]);
    assert_eq!((&members[0]["ended_on"], &members[0]["end_reason"]), (&json!(today(&t)), &json!("rotated")));
    assert_eq!(rotated["first_secretary_id"], Value::Null, "the new one is not in office before tomorrow");
    t.clock.advance(Duration::days(1));
    let later = team(&t, "SINAN").await;
    assert_eq!((&later["first_secretary_id"], &later["covered"]), (&members[1]["id"], &json!(true)));
    assert_eq!(later["members"][0]["current"], false, "the earlier one stays on record");

    // Ending a membership: within the term, with a reason, once.
    let end = format!("/v1/teams/{id}:end-member");
    let member = members[1]["id"].clone();
    t.post("SINAN", &end, json!({ "member_id": member, "last_day": today(&t), "reason": "" }))
        .await
        .problem(422, "validation");
    let ending = json!({ "member_id": member, "last_day": today(&t), "reason": "调回原单位" });
    t.post("SHIQIAN", &end, ending.clone()).await.problem(404, "not-found");
    let presence = json!({ "member_id": member, "month": today(&t).format("%Y-%m").to_string(), "days": 3 });
    t.post("SHIQIAN", &format!("/v1/teams/{id}:record-presence"), presence).await.problem(404, "not-found");
    let ended = t.post("SINAN", &end, ending).await;
    assert_eq!(ended.ok(200)["members"][1]["ended_on"], json!(today(&t)));
    t.post("SINAN", &end, json!({ "member_id": member, "last_day": today(&t), "reason": "again" }))
        .await
        .problem(409, "conflict");

    // Phones in clear only for a PII reader, and the read is audited.
    t.get("SINAN", &format!("/v1/teams/{id}?unmask=true")).await.problem(403, "forbidden");
    let pii = t.token_for(&SINAN_PII);
    let clear = t.send(Method::GET, &format!("/v1/teams/{id}?unmask=true"), &pii, None, &[]).await;
    assert_eq!(clear.ok(200)["members"][0]["phone"], "13812345678");
    let audit = t.get("CENTRAL", "/v1/audit?service=planning&limit=1000").await.ok(200).to_string();
    assert!(audit.contains("team.pii-read") && !audit.contains("13812345678"), "audited, never the number");

    // At rest the phone is encrypted; a phone from before that was done is sealed at the next
    // start and still reads back.
    let db = chain_store::connect(&t.databases.planning).await.unwrap();
    let stored = |db: chain_store::Db| async move {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT phone, phone_masked FROM team_members",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (r.try_get::<String>("", "phone").unwrap(), r.try_get::<Option<String>>("", "phone_masked").unwrap())
            })
            .collect::<Vec<_>>()
    };
    let at_rest = stored(db.clone()).await;
    assert!(at_rest.iter().all(|(phone, masked)| !phone.contains("5678") && masked.as_deref() == Some("138****5678")));
    db.execute_unprepared("UPDATE team_members SET phone = '13812345678', phone_masked = NULL").await.unwrap();
    t.restart().await;
    let sealed = stored(db).await;
    assert!(sealed.iter().all(|(phone, masked)| !phone.contains("5678") && masked.is_some()), "{sealed:?}");
    let clear = t.send(Method::GET, &format!("/v1/teams/{id}?unmask=true"), &pii, None, &[]).await;
    assert_eq!(clear.ok(200)["members"][1]["phone"], "13812345678");

    // The facts for other services: two assignments and the rotated and the ended membership,
    // none carrying the phone; nor does any log line.
    let events = eventually("the team's events to be published", || async {
        let events = team_events(&t).await;
        (events.len() == 4).then_some(events)
    })
    .await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "planning.team-assigned",
            "planning.team-member-ended",
            "planning.team-assigned",
            "planning.team-member-ended"
        ]
    );
    assert_eq!(events[2].payload["replaces"], earlier["id"]);
    assert!(events.iter().all(|e| e.subject_id.to_string() == id && e.division == VILLAGE));
    assert!(!serde_json::to_string(&events).unwrap().contains("5678"), "no phone in an event");
    let logged = chain_telemetry::capture::captured();
    let leaks: Vec<&str> = logged.lines().filter(|l| l.contains("13812345678")).collect();
    assert!(leaks.is_empty(), "no phone in a log line: {leaks:?}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poor_village_is_owed_a_first_secretary_and_is_uncovered_once_the_term_is_over() {
    let t = spawn().await;
    let poor = poor_village(&t, "52062419800101002").await;
    let id = poor["id"].as_str().unwrap().to_owned();
    assert_eq!(poor["covered"], false);
    let listed = uncovered(&t, "SINAN").await;
    assert_eq!(
        (listed.len(), &listed[0]["village"], &listed[0]["reason"]),
        (1, &json!(VILLAGE), &json!("no_first_secretary"))
    );
    assert!(uncovered(&t, "SHIQIAN").await.is_empty(), "another county sees none of it");
    let tasks = team_tasks(&t, &id).await;
    assert_eq!((tasks.len(), &tasks[0]["state"], &tasks[0]["division"]), (1, &json!("open"), &json!("520624")));

    // A first secretary with a short term signs the county's task off.
    let mut short = secretary(today(&t));
    short["term_end"] = json!(today(&t) + Duration::days(10));
    t.post("SINAN", &format!("/v1/teams/{id}:assign-member"), short).await.ok(200);
    assert!(uncovered(&t, "SINAN").await.is_empty());
    assert_eq!(team_tasks(&t, &id).await[0]["state"], "signed_off");

    // The term ends by the clock: the village is uncovered and the county has a new task.
    t.clock.advance(Duration::days(11));
    let listed = uncovered(&t, "SINAN").await;
    assert_eq!((listed.len(), &listed[0]["reason"]), (1, &json!("term_ended")));
    assert_eq!(team(&t, "SINAN").await["covered"], false);
    let reopened = eventually("a new team.village task", || async {
        let tasks = team_tasks(&t, &id).await;
        (tasks.len() == 2).then_some(tasks)
    })
    .await;
    let states: Vec<&str> = reopened.iter().map(|t| t["state"].as_str().unwrap()).collect();
    assert!(states.contains(&"open") && states.contains(&"signed_off"), "{states:?}");

    // A village designated poor is owed one from the start.
    let designated = json!({ "village": "520624101202", "designated_poor": true });
    let other = t.post("SINAN", "/v1/teams", designated).await.ok(201).clone();
    assert_eq!((&other["poor"], &other["covered"]), (&json!(true), &json!(false)));
    assert_eq!(team_tasks(&t, other["id"].as_str().unwrap()).await[0]["state"], "open");
    assert_eq!(uncovered(&t, "SINAN").await.len(), 2);
    t.get("TANGTOU", "/v1/teams/uncovered").await.problem(403, "forbidden");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_under_the_minimum_is_flagged_when_the_month_is_judged() {
    let mut t = spawn().await;
    let id = open_team(&t).await["id"].as_str().unwrap().to_owned();
    let assign = format!("/v1/teams/{id}:assign-member");
    let start = first_of_month(&t);
    let with_fs = t.post("SINAN", &assign, secretary(start)).await.ok(200).clone();
    let fs = with_fs["members"][0]["id"].as_str().unwrap().to_owned();
    let mut m = secretary(start);
    (m["name"], m["role"], m["unit_layer"], m["unit_division"]) =
        (json!("赵队员"), json!("member"), json!("county"), json!("520624"));
    let with_member = t.post("SINAN", &assign, m).await.ok(200).clone();
    let member = with_member["members"][1]["id"].as_str().unwrap().to_owned();
    let month = format!("{:04}-{:02}", start.year(), start.month());

    // The village records, then corrects, the first secretary's month.
    let record = format!("/v1/teams/{id}:record-presence");
    let village = t.token("VILLAGE");
    let first = t.post("VILLAGE", &record, json!({ "member_id": fs, "month": month, "days": 15 })).await;
    assert_eq!(first.ok(200)["version"], 1);
    let stale = [("If-Match", "\"0\"")];
    let body = json!({ "member_id": fs, "month": month, "days": 22, "note": "签到表" });
    t.send(Method::POST, &record, &village, Some(body.clone()), &stale).await.problem(412, "precondition-failed");
    let v1 = [("If-Match", "\"1\"")];
    let corrected = t.send(Method::POST, &record, &village, Some(body), &v1).await;
    assert_eq!((&corrected.ok(200)["version"], &corrected.headers["etag"]), (&json!(2), &"\"2\"".parse().unwrap()));
    // A retry with its key replays the answer; two corrections over one version: one wins.
    let key = [("Idempotency-Key", "presence-1"), ("If-Match", "\"2\"")];
    let body = json!({ "member_id": fs, "month": month, "days": 23 });
    let once = t.send(Method::POST, &record, &village, Some(body.clone()), &key).await;
    let replayed = t.send(Method::POST, &record, &village, Some(body), &key).await;
    assert_eq!((&once.ok(200)["version"], &replayed.ok(200)["version"]), (&json!(3), &json!(3)));
    assert_eq!(replayed.headers["idempotent-replayed"], "true");
    let v3 = [("If-Match", "\"3\"")];
    let (a, b) = tokio::join!(
        t.send(Method::POST, &record, &village, Some(json!({ "member_id": fs, "month": month, "days": 21 })), &v3),
        t.send(Method::POST, &record, &village, Some(json!({ "member_id": fs, "month": month, "days": 24 })), &v3),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert!(statuses == [200, 409] || statuses == [200, 412], "{statuses:?}");
    let too_many = json!({ "member_id": fs, "month": month, "days": 32 });
    let refused = t.post("VILLAGE", &record, too_many).await;
    assert_eq!(refused.problem(422, "validation")["errors"][0]["field"], "days");
    let versions = t.get("SINAN", &format!("/v1/teams/{id}/presence?month={month}")).await.ok(200).clone();
    let days: Vec<&Value> = versions.as_array().unwrap().iter().map(|r| &r["days"]).collect();
    assert_eq!(days.len(), 4, "every correction is kept");
    assert_eq!((days[0], days[1], days[2]), (&json!(15), &json!(22), &json!(23)));

    // The month is judged after its grace period, by the clock, whether or not the services were
    // running at its end: the member with no record is flagged.
    t.restart().await;
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
    } else {
        start.with_month(start.month() + 1)
    };
    let judged_on = next.unwrap() + Duration::days(5);
    t.clock.advance(Duration::days((judged_on - today(&t)).num_days() + 1));
    let flags = eventually("the month to be judged", || async {
        let page = t.get("SINAN", &format!("/v1/presence-flags?month={month}")).await.ok(200).clone();
        let items = page["items"].as_array().unwrap().clone();
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert_eq!(flags.len(), 1, "the first secretary stayed 21 or 24 days: {flags:?}");
    assert_eq!(
        (&flags[0]["member_id"], &flags[0]["days"], &flags[0]["required"]),
        (&json!(member), &json!(0), &json!(20))
    );
    assert!(t.get("SHIQIAN", "/v1/presence-flags").await.ok(200)["items"].as_array().unwrap().is_empty());
    let short = eventually("the presence-short event", || async {
        let events = team_events(&t).await;
        events.into_iter().find(|e| e.kind == "planning.presence-short")
    })
    .await;
    assert_eq!((&short.payload["member_id"], &short.payload["required"]), (&json!(member), &json!(20)));
    let late = json!({ "member_id": member, "month": month, "days": 25 });
    t.post("VILLAGE", &record, late).await.problem(409, "conflict");
    t.stop().await;
}

/// Not a test but a measurement (run with `--ignored --nocapture`): one county's every village
/// given a team through the gateway, a first secretary sent to every other one, then the time of
/// the uncovered-villages query (every page) and of judging a month.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test"]
async fn measure_a_county_s_teams() {
    use std::time::Instant;
    let t = spawn().await;
    let county = chain_domain::Division::parse("520624").unwrap();
    let villages: Vec<String> = chain_domain::registry()
        .children(&county)
        .iter()
        .flat_map(|township| chain_domain::registry().children(&township.code))
        .map(|v| v.code.to_string())
        .collect();
    let started = Instant::now();
    let mut ids = Vec::new();
    for v in &villages {
        let team = t.post("SINAN", "/v1/teams", json!({ "village": v, "designated_poor": true })).await;
        ids.push(team.ok(201)["id"].as_str().unwrap().to_owned());
    }
    let created = started.elapsed();
    let started = Instant::now();
    for id in ids.iter().step_by(2) {
        t.post("SINAN", &format!("/v1/teams/{id}:assign-member"), secretary(first_of_month(&t))).await.ok(200);
    }
    let assigned = started.elapsed();
    let started = Instant::now();
    let (mut after, mut listed, mut pages) = (String::new(), 0, 0);
    loop {
        let path = if after.is_empty() {
            "/v1/teams/uncovered?division=520624&limit=500".to_owned()
        } else {
            format!("/v1/teams/uncovered?division=520624&limit=500&after={after}")
        };
        let page = t.get("SINAN", &path).await.ok(200).clone();
        listed += page["items"].as_array().unwrap().len();
        pages += 1;
        match page["next_after"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    let queried = started.elapsed();
    let start = first_of_month(&t);
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
    } else {
        start.with_month(start.month() + 1)
    };
    t.clock.advance(Duration::days((next.unwrap() + Duration::days(5) - today(&t)).num_days() + 1));
    let started = Instant::now();
    let month = format!("{:04}-{:02}", start.year(), start.month());
    let flagged = eventually("the month to be judged", || async {
        let page = t.get("SINAN", &format!("/v1/presence-flags?month={month}&limit=500")).await.ok(200).clone();
        let n = page["items"].as_array().unwrap().len();
        (n > 0).then_some(n)
    })
    .await;
    let judged = started.elapsed();
    println!(
        "backend {}: {} villages; teams opened in {created:?} ({:.0}/s); {} first secretaries sent in {assigned:?} \
         ({:.0}/s); uncovered: {listed} villages in {pages} pages in {queried:?}; month judged and first page of \
         {flagged} flags read within {judged:?}",
        chain_system_tests::backend(),
        villages.len(),
        villages.len() as f64 / created.as_secs_f64(),
        ids.len().div_ceil(2),
        ids.len().div_ceil(2) as f64 / assigned.as_secs_f64(),
    );
    assert_eq!(listed, villages.len() - ids.len().div_ceil(2));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_to_send_teams_to_every_poor_village_is_satisfied_by_the_assignments() {
    let t = spawn().await;
    let poor = poor_village(&t, "52062419800101029").await;
    let directive = json!({
        "service": "planning",
        "kind": chain_api::planning::SEND_TEAMS,
        "title": "向每个贫困村选派第一书记和驻村工作队",
        "targets": { "divisions": ["520624", "520623"] },
        "due_date": today(&t) + Duration::days(30),
    });
    t.post("TONGREN", "/v1/directives", directive).await.ok(201);
    let task_of = |county: &'static str| {
        let t = &t;
        async move {
            let found = t.get("TONGREN", &format!("/v1/tasks?kind=team.send&division={county}")).await;
            let tasks = found.ok(200).as_array().unwrap().clone();
            tasks.into_iter().find(|task| task["division"] == county).expect("the county's task")
        }
    };
    // Shiqian has no poor village: its part is done at once. Sinan's waits for a first secretary.
    eventually("Shiqian's part to be submitted", || async {
        (task_of("520623").await["state"] == "submitted").then_some(())
    })
    .await;
    assert_eq!(task_of("520624").await["state"], "open");
    let id = poor["id"].as_str().unwrap();
    t.post("SINAN", &format!("/v1/teams/{id}:assign-member"), secretary(today(&t))).await.ok(200);
    let sinan = task_of("520624").await;
    assert_eq!((sinan["state"].as_str(), sinan["submitted_by"].as_str()), (Some("submitted"), Some("system")));
    let signed = t.step("TONGREN", sinan["id"].as_str().unwrap(), "sign-off", None, json!({})).await;
    assert_eq!(signed.ok(200)["state"], "signed_off");
    t.stop().await;
}
