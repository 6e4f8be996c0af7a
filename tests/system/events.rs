//! Exactly-once effects: a redelivered event changes nothing the second time.

use chain_system_tests::{eventually, rid, spawn};

use crate::story::{identified_household, plan_task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_delivery_of_an_event_has_no_second_effect() {
    let t = spawn().await;
    let hid = identified_household(&t, &[rid("52062419660606004")]).await;
    plan_task(&t, &hid).await;

    // Publish the very same event again under a new message id, so the stream's own
    // deduplication does not catch it: only the consumers' inboxes stand in the way.
    let js = async_nats::jetstream::new(t.nats_admin().await);
    let stream = js.get_stream("CHAIN_EVENTS").await.unwrap();
    let subject = "chain.evt.identification.household-identified.52.06.24.101.201";
    let original = stream.get_last_raw_message_by_subject(subject).await.unwrap();
    let before = stream.clone().info().await.unwrap().state.messages;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", uuid::Uuid::now_v7().to_string().as_str());
    js.publish_with_headers(subject.to_owned(), headers, original.payload.clone()).await.unwrap().await.unwrap();
    assert_eq!(stream.clone().info().await.unwrap().state.messages, before + 1, "the copy is in the stream");

    // Republishing with the original id is dropped by the stream itself.
    let envelope: chain_api::Envelope = serde_json::from_slice(&original.payload).unwrap();
    let mut same_id = async_nats::HeaderMap::new();
    same_id.insert("Nats-Msg-Id", envelope.id.to_string().as_str());
    let ack =
        js.publish_with_headers(subject.to_owned(), same_id, original.payload.clone()).await.unwrap().await.unwrap();
    assert!(ack.duplicate);

    // Both consumers have seen the copy once their consumers report nothing pending.
    for name in ["chain-planning-on-household-identified", "chain-exit-on-household-identified"] {
        eventually("the copy to be consumed", || async {
            let mut c = stream.get_consumer::<async_nats::jetstream::consumer::pull::Config>(name).await.ok()?;
            let info = c.info().await.ok()?;
            (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
        })
        .await;
    }
    let tasks = t.get("SINAN", &format!("/v1/tasks?kind=plan.household&subject_id={hid}")).await;
    assert_eq!(tasks.ok(200).as_array().unwrap().len(), 1, "still exactly one planning task");
    t.stop().await;
}

/// Every event on the stream, in order.
async fn all_events(t: &chain_system_tests::TestSystem) -> Vec<chain_api::Envelope> {
    let js = async_nats::jetstream::new(t.nats_admin().await);
    let mut stream = js.get_stream("CHAIN_EVENTS").await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut events = Vec::new();
    for seq in 1..=last {
        if let Ok(raw) = stream.get_raw_message(seq).await {
            events.push(serde_json::from_slice(&raw.payload).expect("every event is a complete envelope"));
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_names_its_subject_and_its_cause_and_shares_the_request_s_correlation_id() {
    let t = spawn().await;
    let registering = uuid::Uuid::now_v7().to_string();
    let headers = [("X-Correlation-Id", registering.as_str())];
    let application = chain_system_tests::application(&[rid("52062419900909005")]);
    let registered =
        t.send(reqwest::Method::POST, "/v1/households", &t.token("VILLAGE"), Some(application), &headers).await;
    let hid = registered.ok(201)["id"].as_str().unwrap().to_owned();
    assert_eq!(registered.headers["x-correlation-id"], registering.as_str(), "the answer names the flow");
    let registration_request = registered.headers["x-request-id"].to_str().unwrap().to_owned();

    t.identify_until_county(&hid).await;
    let approving = uuid::Uuid::now_v7().to_string();
    let headers = [("X-Correlation-Id", approving.as_str())];
    let approval = serde_json::json!({ "note": "county approval" });
    let approved = t
        .send(
            reqwest::Method::POST,
            &format!("/v1/households/{hid}:approve"),
            &t.token("SINAN"),
            Some(approval),
            &headers,
        )
        .await;
    assert_eq!(approved.ok(200)["status"], "identified");
    let approval_request = approved.headers["x-request-id"].to_str().unwrap().to_owned();
    let plan = plan_task(&t, &hid).await;

    let events = all_events(&t).await;
    assert!(!events.is_empty());
    for e in &events {
        assert!(!e.subject_id.is_nil() && !e.causation_id.is_nil() && !e.correlation_id.is_nil(), "{e:?}");
        if e.kind.ends_with(".task-changed") {
            assert_eq!(e.payload["task_id"], e.subject_id.to_string(), "a task change is about its task");
        }
    }

    // The registration: its task changes are caused by the request and carry its correlation id.
    let registration: Vec<_> = events.iter().filter(|e| e.correlation_id.to_string() == registering).collect();
    assert!(registration.iter().any(|e| e.kind == "identification.task-changed"), "{registration:?}");
    assert!(registration.iter().all(|e| e.causation_id.to_string() == registration_request));

    // The approval: the identification is caused by the request and is about the household; the
    // planning task opened in reaction is caused by that event and stays in the same flow.
    let approval: Vec<_> = events.iter().filter(|e| e.correlation_id.to_string() == approving).collect();
    let identified = approval
        .iter()
        .find(|e| e.kind == "identification.household-identified")
        .expect("the identification belongs to the approval's flow");
    assert_eq!(identified.subject_id.to_string(), hid);
    assert_eq!(identified.causation_id.to_string(), approval_request);
    let reaction = approval
        .iter()
        .find(|e| e.kind == "planning.task-changed")
        .expect("planning's reaction belongs to the approval's flow");
    assert_eq!(reaction.causation_id, identified.id, "the reaction is caused by the event it consumed");
    assert_eq!(reaction.subject_id.to_string(), plan["id"].as_str().unwrap());
    t.stop().await;
}
