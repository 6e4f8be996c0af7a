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
