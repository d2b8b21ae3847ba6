//! The storage contract: what every `Store` backend must do, written once
//! against `&dyn Store` and run on every backend this build has. A new
//! backend is done when it passes all of these.

use std::sync::Arc;

use std::collections::BTreeMap;

use warmline_server::store::{
    self, NewMessage, Role, Saved, Site, SiteSettings, Status, Store, StoredAttachment, Taken,
    Visit,
};
use warmline_shared::api::{ArticleDraft, ArticleLink, Media, Video};
use warmline_shared::care::{Collect, Feedback, PageView, Reward};
use warmline_shared::handoff::{
    Availability, BusinessHours, ConversationState, Frustration, HandoffReason, HandoffSettings,
    Signal,
};
use warmline_shared::{Attachment, Author, ConversationId, NameSource, Note, SiteId, VisitorId};

use crate::helpers::fresh_postgres;

/// A fresh, empty store of each backend.
async fn backends() -> Vec<(tempfile::TempDir, Arc<dyn Store>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let mut stores = vec![(dir, store::connect(&url).await.unwrap())];
    if let Some(url) = fresh_postgres().await {
        stores.push((
            tempfile::tempdir().unwrap(),
            store::connect(&url).await.unwrap(),
        ));
    }
    stores
}

/// Runs one contract case on every backend.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                for (_dir, store) in backends().await {
                    cases::$case(&*store).await;
                }
            }
        )*
    };
}

contract!(
    consoles_count_on_every_live_relay,
    sites_are_created_updated_and_found,
    agents_sign_in_with_sessions_that_expire_and_end,
    visitors_are_found_by_token_within_their_site,
    visitors_who_never_talked_are_swept_after_a_while,
    a_visitor_has_one_open_conversation_at_a_time,
    sequence_numbers_count_per_conversation_and_resends_are_stored_once,
    messages_go_only_where_the_conditions_allow,
    every_author_kind_reads_back_as_written,
    history_reads_back_in_order_and_in_pages,
    the_inbox_lists_open_conversations_newest_first,
    conversations_are_assigned_and_closed,
    the_queue_orders_offers_and_hands_out_each_conversation_once,
    notes_are_kept_apart_from_the_messages,
    site_settings_and_the_identity_secret_are_kept,
    people_work_on_several_sites_with_a_role_on_each,
    a_verified_visitor_is_one_person_on_every_browser,
    names_and_files_belong_to_their_visitor,
    the_typical_reply_time_is_the_median_first_reply,
    articles_are_saved_by_slug_and_language_and_counted,
    messages_keep_their_articles_and_requests_for_a_person,
    choices_feedback_and_visits_are_kept,
    messages_arriving_together_keep_order_and_resends_stay_single,
    a_message_that_fails_among_others_sinks_only_itself,
);

mod cases {
    use super::*;

    pub fn site_id() -> SiteId {
        SiteId::new("s")
    }

    async fn with_site(store: &dyn Store) {
        let site = Site {
            id: site_id(),
            name: "S".into(),
            allowed_origins: vec!["https://s.example".into()],
            settings: Default::default(),
        };
        store.upsert_site(&site, 0).await.unwrap();
    }

    fn message<'a>(
        conversation_id: ConversationId,
        site_id: &'a SiteId,
        client_id: &'a str,
        text: &'a str,
    ) -> NewMessage<'a> {
        NewMessage {
            conversation_id,
            site_id,
            visitor_id: None,
            client_id,
            author: &Author::Visitor,
            agent_id: None,
            text,
            sent_at: 1,
            attachment: None,
            articles: &[],
            wants_person: false,
            options: &[],
            picked: None,
        }
    }

    /// A site `s`, a visitor and their open conversation.
    async fn conversation(store: &dyn Store, token: &str) -> (VisitorId, ConversationId) {
        with_site(store).await;
        let visitor = store
            .create_visitor(&site_id(), token, 0)
            .await
            .unwrap()
            .unwrap();
        let (conversation, _) = store
            .start_conversation(&site_id(), visitor.id, None, "en", 0)
            .await
            .unwrap();
        (visitor.id, conversation.id())
    }

    pub async fn sites_are_created_updated_and_found(store: &dyn Store) {
        with_site(store).await;
        let found = store.site(&site_id()).await.unwrap().unwrap();
        assert_eq!(found.allowed_origins, ["https://s.example"]);
        let renamed = Site {
            name: "Renamed".into(),
            allowed_origins: vec!["*".into(), "https://b.example".into()],
            ..found
        };
        store.upsert_site(&renamed, 5).await.unwrap();
        assert_eq!(store.site(&site_id()).await.unwrap(), Some(renamed));
        assert_eq!(store.site(&SiteId::new("nope")).await.unwrap(), None);
    }

    pub async fn agents_sign_in_with_sessions_that_expire_and_end(store: &dyn Store) {
        with_site(store).await;
        let agent = store
            .upsert_agent(&site_id(), "a@s.test", "Nino", Role::Owner, "h1", 0)
            .await
            .unwrap();
        let again = store
            .upsert_agent(&site_id(), "a@s.test", "Nino B", Role::Agent, "h2", 0)
            .await
            .unwrap();
        assert_eq!(again.id, agent.id, "the email names the agent");
        let credentials = store.agent_credentials("a@s.test").await.unwrap().unwrap();
        assert_eq!(credentials.password_hash, "h2");
        assert_eq!(credentials.agent.name, "Nino B");
        assert!(store.agent_credentials("b@s.test").await.unwrap().is_none());
        assert_eq!(credentials.failed_sign_ins, 0);
        store.count_failed_sign_in("a@s.test").await.unwrap();
        store.count_failed_sign_in("a@s.test").await.unwrap();
        store.count_failed_sign_in("nobody@s.test").await.unwrap();
        let counted = store.agent_credentials("a@s.test").await.unwrap().unwrap();
        assert_eq!(counted.failed_sign_ins, 2);
        store.reset_failed_sign_ins(agent.id).await.unwrap();
        let reset = store.agent_credentials("a@s.test").await.unwrap().unwrap();
        assert_eq!(reset.failed_sign_ins, 0);

        store
            .create_session("t1", agent.id, &agent.site_id, 100)
            .await
            .unwrap();
        let session = store.session("t1", 99).await.unwrap().unwrap();
        assert_eq!((session.agent.id, session.expires_at), (agent.id, 100));
        assert_eq!(session.token_hash, "t1");
        assert!(store.session("t1", 100).await.unwrap().is_none(), "expired");
        assert!(store.session("t2", 0).await.unwrap().is_none());
        store.delete_session("t1").await.unwrap();
        assert!(store.session("t1", 0).await.unwrap().is_none());
    }

    pub async fn visitors_are_found_by_token_within_their_site(store: &dyn Store) {
        with_site(store).await;
        let other = Site {
            id: SiteId::new("o"),
            name: "O".into(),
            allowed_origins: vec![],
            settings: Default::default(),
        };
        store.upsert_site(&other, 0).await.unwrap();
        let visitor = store
            .create_visitor(&site_id(), "h", 0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store.visitor_by_token(&site_id(), "h").await.unwrap(),
            Some(visitor.clone())
        );
        assert_eq!(store.visitor_by_token(&other.id, "h").await.unwrap(), None);
        // Two tabs writing first at once get the same visitor; another
        // site's token makes none here.
        let again = store.create_visitor(&site_id(), "h", 1).await.unwrap();
        assert_eq!(again.map(|v| v.id), Some(visitor.id));
        assert_eq!(store.create_visitor(&other.id, "h", 1).await.unwrap(), None);
        assert_eq!(store.visitor_by_token(&site_id(), "x").await.unwrap(), None);
    }

    pub async fn visitors_who_never_talked_are_swept_after_a_while(store: &dyn Store) {
        with_site(store).await;
        let s = site_id();
        let talked = store
            .create_visitor(&s, "talked", 10)
            .await
            .unwrap()
            .unwrap();
        store
            .start_conversation(&s, talked.id, None, "en", 10)
            .await
            .unwrap();
        store.create_visitor(&s, "silent-old", 10).await.unwrap();
        store.create_visitor(&s, "silent-new", 500).await.unwrap();
        assert_eq!(store.sweep_visitors(100).await.unwrap(), 1);
        assert!(
            store
                .visitor_by_token(&s, "silent-old")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .visitor_by_token(&s, "silent-new")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .visitor_by_token(&s, "talked")
                .await
                .unwrap()
                .is_some()
        );
    }

    pub async fn a_visitor_has_one_open_conversation_at_a_time(store: &dyn Store) {
        with_site(store).await;
        let visitor = store
            .create_visitor(&site_id(), "h", 0)
            .await
            .unwrap()
            .unwrap();
        assert!(
            store
                .open_conversation_of(visitor.id)
                .await
                .unwrap()
                .is_none()
        );
        let (first, new) = store
            .start_conversation(&site_id(), visitor.id, Some("/pricing"), "en", 7)
            .await
            .unwrap();
        assert!(new);
        assert_eq!(first.status, Status::Open);
        assert_eq!(first.summary.page.as_deref(), Some("/pricing"));
        assert_eq!(first.summary.last_seq, 0);
        let (same, new) = store
            .start_conversation(&site_id(), visitor.id, None, "en", 8)
            .await
            .unwrap();
        assert_eq!((same.id(), new), (first.id(), false));
        assert_eq!(
            store.open_conversation_of(visitor.id).await.unwrap(),
            Some(first.clone())
        );
        store
            .close_conversation(first.id(), "system", None, 9)
            .await
            .unwrap();
        let (next, new) = store
            .start_conversation(&site_id(), visitor.id, None, "en", 10)
            .await
            .unwrap();
        assert!(new);
        assert_ne!(next.id(), first.id());
    }

    pub async fn sequence_numbers_count_per_conversation_and_resends_are_stored_once(
        store: &dyn Store,
    ) {
        let (_, a) = conversation(store, "ha").await;
        let (_, b) = conversation(store, "hb").await;
        let s = site_id();
        let first = store
            .append(message(a, &s, "1", "one"))
            .await
            .unwrap()
            .unwrap();
        let other = store
            .append(message(b, &s, "1", "uno"))
            .await
            .unwrap()
            .unwrap();
        let second = store
            .append(message(a, &s, "2", "two"))
            .await
            .unwrap()
            .unwrap();
        let again = store
            .append(message(a, &s, "1", "one"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((first.message.seq, first.new), (1, true));
        assert_eq!((other.message.seq, other.new), (1, true));
        assert_eq!((second.message.seq, second.new), (2, true));
        assert_eq!((again.message.clone(), again.new), (first.message, false));
        // What changed comes back with the append: no second read needed.
        assert_eq!(second.conversation.summary.last_seq, 2);
        assert_eq!(
            second.conversation.summary.last_text.as_deref(),
            Some("two")
        );
        assert_eq!(
            again.conversation.summary.last_seq, 2,
            "a resend changes nothing"
        );
    }

    pub async fn messages_go_only_where_the_conditions_allow(store: &dyn Store) {
        let (visitor, id) = conversation(store, "h").await;
        let (stranger, _) = conversation(store, "h2").await;
        let s = site_id();
        let elsewhere = SiteId::new("o");
        let mut mine = message(id, &s, "v1", "hi");
        mine.visitor_id = Some(visitor);
        assert!(store.append(mine).await.unwrap().is_some());
        let mut theirs = message(id, &s, "x1", "hi");
        theirs.visitor_id = Some(stranger);
        assert!(store.append(theirs).await.unwrap().is_none());
        assert!(
            store
                .append(message(id, &elsewhere, "x2", "hi"))
                .await
                .unwrap()
                .is_none()
        );
        let missing = ConversationId::new(9999);
        assert!(
            store
                .append(message(missing, &s, "x3", "hi"))
                .await
                .unwrap()
                .is_none()
        );
        // A resend is answered for its own visitor, not for a stranger.
        let mut resend = message(id, &s, "v1", "hi");
        resend.visitor_id = Some(stranger);
        assert!(store.append(resend).await.unwrap().is_none());

        store
            .close_conversation(id, "system", None, 5)
            .await
            .unwrap();
        assert!(
            store
                .append(message(id, &s, "late", "hi"))
                .await
                .unwrap()
                .is_none()
        );
        let resend = store
            .append(message(id, &s, "v1", "hi"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((resend.message.seq, resend.new), (1, false));
        let history = store.messages_after(id, 0, 10).await.unwrap();
        assert_eq!(history.len(), 1, "refused messages left no trace");
        assert_eq!(
            store
                .conversation(id)
                .await
                .unwrap()
                .unwrap()
                .summary
                .last_seq,
            1
        );
    }

    pub async fn every_author_kind_reads_back_as_written(store: &dyn Store) {
        let (_, id) = conversation(store, "h").await;
        let s = site_id();
        let agent = store
            .upsert_agent(&s, "a@s.test", "Nino", Role::Agent, "h", 0)
            .await
            .unwrap();
        let authors = [
            Author::Visitor,
            Author::Agent {
                name: "Nino".into(),
            },
            Author::Bot {
                name: "Helper".into(),
            },
            Author::System,
        ];
        for (i, author) in authors.iter().enumerate() {
            let client_id = format!("c{i}");
            let mut new = message(id, &s, &client_id, "text");
            new.author = author;
            new.agent_id = matches!(author, Author::Agent { .. }).then_some(agent.id);
            store.append(new).await.unwrap().unwrap();
        }
        let read: Vec<Author> = store
            .messages_after(id, 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.author)
            .collect();
        assert_eq!(read, authors);
    }

    pub async fn history_reads_back_in_order_and_in_pages(store: &dyn Store) {
        let (_, id) = conversation(store, "h").await;
        let s = site_id();
        for i in 1..=5 {
            let client_id = format!("c{i}");
            let text = format!("m{i}");
            store
                .append(message(id, &s, &client_id, &text))
                .await
                .unwrap();
        }
        let page = store.messages_after(id, 1, 3).await.unwrap();
        let seqs: Vec<i64> = page.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [2, 3, 4]);
        assert_eq!(page[0].text, "m2");
        assert_eq!(page[0].conversation_id, id);
        assert_eq!(store.messages_after(id, 4, 3).await.unwrap().len(), 1);
        assert!(store.messages_after(id, 5, 3).await.unwrap().is_empty());
    }

    pub async fn the_inbox_lists_open_conversations_newest_first(store: &dyn Store) {
        with_site(store).await;
        let s = site_id();
        let mut ids = Vec::new();
        for (i, token) in ["a", "b", "c"].into_iter().enumerate() {
            let visitor = store.create_visitor(&s, token, 0).await.unwrap().unwrap();
            let (c, _) = store
                .start_conversation(&s, visitor.id, None, "en", i as i64)
                .await
                .unwrap();
            ids.push(c.id());
        }
        // A message makes the oldest the most recently active.
        let mut late = message(ids[0], &s, "late", "news");
        late.sent_at = 100;
        store.append(late).await.unwrap();
        store
            .close_conversation(ids[1], "system", None, 50)
            .await
            .unwrap();
        let inbox = store.open_conversations(&s, None, 10).await.unwrap();
        let listed: Vec<ConversationId> = inbox.iter().map(|c| c.id).collect();
        assert_eq!(listed, [ids[0], ids[2]]);
        assert_eq!(inbox[0].last_text.as_deref(), Some("news"));
        assert_eq!(
            store.open_conversations(&s, None, 1).await.unwrap().len(),
            1
        );
        // Paging: after the first, the rest; after the last, nothing.
        let rest = store
            .open_conversations(&s, Some(inbox[0].cursor()), 10)
            .await
            .unwrap();
        assert_eq!(rest.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[2]]);
        let none = store
            .open_conversations(&s, Some(inbox[1].cursor()), 10)
            .await
            .unwrap();
        assert!(none.is_empty());
        assert!(
            store
                .open_conversations(&SiteId::new("o"), None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub async fn conversations_are_assigned_and_closed(store: &dyn Store) {
        let (_, id) = conversation(store, "h").await;
        let agent = store
            .upsert_agent(&site_id(), "a@s.test", "Nino", Role::Agent, "h", 0)
            .await
            .unwrap();
        let Taken::Taken(assigned) = store.take(id, agent.id, 3).await.unwrap() else {
            panic!("a conversation with the bot can be taken");
        };
        assert_eq!(assigned.assigned_to, Some(agent.id));
        assert_eq!(assigned.summary.state, ConversationState::Assigned);
        assert_eq!(assigned.summary.agent.as_deref(), Some("Nino"));
        let closed = store
            .close_conversation(id, "agent:1", Some("solved"), 4)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.status, Status::Closed);
        assert_eq!(closed.summary.state, ConversationState::Closed);
        assert_eq!(closed.summary.resolution.as_deref(), Some("solved"));
        assert_eq!(closed.assigned_to, Some(agent.id));
        let again = store
            .close_conversation(id, "agent:1", Some("other"), 9)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again, closed, "closing twice changes nothing");
        assert_eq!(store.take(id, agent.id, 10).await.unwrap(), Taken::Gone);
        let closed_list = store
            .closed_conversations(&site_id(), None, 10)
            .await
            .unwrap();
        assert_eq!(closed_list.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
        let missing = ConversationId::new(9999);
        assert!(
            store
                .close_conversation(missing, "system", None, 1)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.take(missing, agent.id, 1).await.unwrap(), Taken::Gone);
        let kinds: Vec<String> = store
            .history(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["assigned", "closed"]);
    }

    pub async fn the_queue_orders_offers_and_hands_out_each_conversation_once(store: &dyn Store) {
        with_site(store).await;
        let s = site_id();
        let nino = store
            .upsert_agent(&s, "n@s.test", "Nino", Role::Agent, "h", 0)
            .await
            .unwrap();
        let levan = store
            .upsert_agent(&s, "l@s.test", "Levan", Role::Agent, "h", 0)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for (i, token) in ["a", "b", "c"].into_iter().enumerate() {
            let visitor = store.create_visitor(&s, token, 0).await.unwrap().unwrap();
            let (c, _) = store
                .start_conversation(&s, visitor.id, None, "ka", i as i64)
                .await
                .unwrap();
            assert_eq!(c.summary.state, ConversationState::Bot);
            assert_eq!(c.summary.lang, "ka");
            ids.push(c.id());
        }
        // In the order they came, then the frustrated one moves ahead.
        for (i, id) in ids.iter().enumerate() {
            let waiting = store
                .hand_off(*id, HandoffReason::Asked, 10 + i as i64)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(waiting.summary.state, ConversationState::Waiting);
            assert_eq!(waiting.summary.reason, Some(HandoffReason::Asked));
            assert_eq!(waiting.summary.waiting_since, Some(10 + i as i64));
        }
        assert!(
            store
                .hand_off(ids[0], HandoffReason::Phrase, 20)
                .await
                .unwrap()
                .is_none(),
            "a waiting conversation is not handed off again"
        );
        let frustrated = Frustration {
            score: 2,
            signals: vec![Signal::Shouting, Signal::Punctuation],
        };
        let assessed = store
            .set_frustration(ids[2], &frustrated)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(assessed.summary.frustration, frustrated);
        let order = |queue: Vec<store::Queued>| queue.iter().map(|q| q.id).collect::<Vec<_>>();
        assert_eq!(
            order(store.queue(&s).await.unwrap()),
            [ids[2], ids[0], ids[1]]
        );
        let waiting = store.waiting_conversations(&s, 10).await.unwrap();
        assert_eq!(
            waiting.iter().map(|c| c.id).collect::<Vec<_>>(),
            [ids[2], ids[0], ids[1]]
        );
        assert_eq!(store.counts(&s).await.unwrap(), (3, 0, 0));

        // One offer at a time per conversation; it lapses or is declined.
        assert!(store.offer(ids[2], nino.id, 100, 30).await.unwrap());
        assert!(!store.offer(ids[2], levan.id, 100, 31).await.unwrap());
        assert_eq!(store.next_offer_expiry().await.unwrap(), Some(100));
        assert!(store.lapsed_offers(99).await.unwrap().is_empty());
        let lapsed = store.lapsed_offers(100).await.unwrap();
        assert_eq!(lapsed.len(), 1);
        assert_eq!(
            (lapsed[0].conversation_id, lapsed[0].agent_id),
            (ids[2], nino.id)
        );
        assert!(store.end_offer(ids[2], nino.id, true, 100).await.unwrap());
        assert!(!store.end_offer(ids[2], nino.id, true, 101).await.unwrap());
        assert_eq!(store.passed_by(ids[2], 12).await.unwrap(), [nino.id]);
        assert!(store.passed_by(ids[2], 101).await.unwrap().is_empty());

        // Availability, capacity, load and offers, per person.
        store
            .set_availability(nino.id, &s, Availability::Online, 2, false)
            .await
            .unwrap();
        assert!(store.offer(ids[0], levan.id, 200, 40).await.unwrap());
        // And one offer at a time per person, whichever relay offers.
        assert!(!store.offer(ids[1], levan.id, 200, 41).await.unwrap());
        let team = store.team(&s).await.unwrap();
        let of = |id| team.iter().find(|m| m.teammate.id == id).unwrap();
        assert_eq!(of(nino.id).teammate.availability, Availability::Online);
        assert_eq!(of(nino.id).teammate.capacity, 2);
        assert_eq!(of(levan.id).teammate.availability, Availability::Offline);
        assert_eq!(of(levan.id).offers, 1);
        assert_eq!(of(levan.id).last_offered_at, 40);

        // Taken once: the second taker is told it is gone to someone else.
        let Taken::Taken(taken) = store.take(ids[0], nino.id, 50).await.unwrap() else {
            panic!("a waiting conversation can be taken");
        };
        assert_eq!(taken.summary.offered_to, None, "taking ends the offer");
        assert_eq!(
            store.take(ids[0], levan.id, 51).await.unwrap(),
            Taken::AlreadyTaken
        );
        let team = store.team(&s).await.unwrap();
        assert_eq!(
            team.iter()
                .find(|m| m.teammate.id == nino.id)
                .unwrap()
                .teammate
                .load,
            1
        );

        // A transfer needs the current owner, and keeps its note.
        assert!(
            store
                .transfer(ids[0], levan.id, nino.id, "", 60)
                .await
                .unwrap()
                .is_none()
        );
        let moved = store
            .transfer(ids[0], nino.id, levan.id, "VIP", 70)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.assigned_to, Some(levan.id));
        assert_eq!(moved.summary.note.as_deref(), Some("VIP"));
        store
            .close_conversation(ids[0], "agent:2", Some("solved"), 100)
            .await
            .unwrap();
        // Spells with an agent: 50 → 70 (Nino) and 70 → 100 (Levan).
        assert_eq!(store.pace(&s, 10).await.unwrap(), (Some(25), 2));
        assert_eq!(store.counts(&s).await.unwrap(), (2, 0, 1));
        store.email_replies(ids[1]).await.unwrap();
        assert!(
            store
                .conversation(ids[1])
                .await
                .unwrap()
                .unwrap()
                .email_replies
        );
        let kinds: Vec<String> = store
            .history(ids[0])
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            ["handed_off", "offered", "assigned", "transferred", "closed"]
        );
    }

    pub async fn consoles_count_on_every_live_relay(store: &dyn Store) {
        with_site(store).await;
        let s = site_id();
        let nino = store
            .upsert_agent(&s, "n@s.test", "Nino", Role::Agent, "h", 0)
            .await
            .unwrap()
            .id;
        let since = 0;
        // Nino has the console open on relay a, then on b too.
        assert_eq!(
            store.console_opened("a", &s, nino, 1, since).await.unwrap(),
            1
        );
        assert_eq!(
            store.console_opened("b", &s, nino, 2, since).await.unwrap(),
            2
        );
        assert_eq!(
            store.console_opened("b", &s, nino, 3, since).await.unwrap(),
            3
        );
        assert_eq!(store.connected(&s, since).await.unwrap(), [nino]);
        // Closing on a leaves those on b: not the last.
        assert_eq!(
            store.console_closed("a", &s, nino, 4, since).await.unwrap(),
            2
        );
        assert_eq!(
            store.console_closed("a", &s, nino, 5, since).await.unwrap(),
            2,
            "nothing to close on a"
        );
        assert_eq!(store.connected(&s, since).await.unwrap(), [nino]);
        // Relay b dies: after a refreshes past b's last word, b's consoles
        // no longer count, and are forgotten.
        store
            .console_opened("a", &s, nino, 100, since)
            .await
            .unwrap();
        store.refresh_consoles("a", 200, 150).await.unwrap();
        assert_eq!(store.connected(&s, 150).await.unwrap(), [nino]);
        assert_eq!(
            store.console_closed("a", &s, nino, 210, 150).await.unwrap(),
            0,
            "the last one"
        );
        assert!(store.connected(&s, 150).await.unwrap().is_empty());
        assert!(
            store.connected(&s, 0).await.unwrap().is_empty(),
            "b's counts were dropped"
        );
    }

    pub async fn notes_are_kept_apart_from_the_messages(store: &dyn Store) {
        let (_, id) = conversation(store, "h").await;
        let agent = store
            .upsert_agent(&site_id(), "a@s.test", "Nino", Role::Agent, "h", 0)
            .await
            .unwrap();
        let note = |client_id: &str, text: &str, at| Note {
            conversation_id: id,
            client_id: client_id.into(),
            author: "Nino".into(),
            text: text.into(),
            at,
        };
        let first = store
            .add_note(&note("n1", "VIP", 5), agent.id)
            .await
            .unwrap();
        assert_eq!(first, note("n1", "VIP", 5));
        // A resend keeps the original.
        let again = store
            .add_note(&note("n1", "changed", 9), agent.id)
            .await
            .unwrap();
        assert_eq!(again, first);
        store
            .add_note(&note("n0", "earlier", 3), agent.id)
            .await
            .unwrap();
        let texts: Vec<String> = store
            .notes(id)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .collect();
        assert_eq!(texts, ["earlier", "VIP"]);
        // Notes take no place in the conversation's sequence.
        let conversation = store.conversation(id).await.unwrap().unwrap();
        assert_eq!(conversation.summary.last_seq, 0);
        assert!(store.messages_after(id, 0, 10).await.unwrap().is_empty());
    }

    pub async fn site_settings_and_the_identity_secret_are_kept(store: &dyn Store) {
        with_site(store).await;
        let mut site = store.site(&site_id()).await.unwrap().unwrap();
        assert_eq!(
            site.settings,
            SiteSettings::default(),
            "a new site has the defaults"
        );
        site.settings = SiteSettings {
            accent: "#0f766e".into(),
            launcher_left: true,
            launcher_label: Some("Ask us".into()),
            greetings: BTreeMap::from([(
                "ka".to_owned(),
                BTreeMap::from([(
                    "greeting_morning".to_owned(),
                    "დილა მშვიდობისა, {name}!".to_owned(),
                )]),
            )]),
            attachment_max_bytes: 1024,
            handoff: HandoffSettings {
                direct: true,
                offer_seconds: 45,
                sensitive: BTreeMap::from([("en".to_owned(), vec!["complaint".to_owned()])]),
                hours: Some(BusinessHours {
                    time_zone: "Asia/Tbilisi".into(),
                    days: vec![vec![[540, 1080]]; 7],
                }),
            },
            context: Collect {
                pages: true,
                device: false,
                local_time: true,
                articles: false,
            },
            reward: Some(Reward::Link {
                url: "https://s.example/thanks".into(),
                label: "A gift".into(),
            }),
        };
        store.update_site(&site).await.unwrap();
        assert_eq!(store.site(&site_id()).await.unwrap(), Some(site.clone()));
        // Renaming through the demo's upsert keeps the settings.
        store
            .upsert_site(
                &Site {
                    name: "Again".into(),
                    ..site.clone()
                },
                9,
            )
            .await
            .unwrap();
        assert_eq!(
            store.site(&site_id()).await.unwrap().unwrap().settings,
            site.settings
        );

        assert_eq!(store.identity_secret(&site_id()).await.unwrap(), None);
        store
            .set_identity_secret(&site_id(), Some("k1"))
            .await
            .unwrap();
        store
            .set_identity_secret(&site_id(), Some("k2"))
            .await
            .unwrap();
        assert_eq!(
            store.identity_secret(&site_id()).await.unwrap().as_deref(),
            Some("k2")
        );
    }

    pub async fn people_work_on_several_sites_with_a_role_on_each(store: &dyn Store) {
        with_site(store).await;
        let owner = store
            .upsert_agent(&site_id(), "o@s.test", "Owner", Role::Owner, "h", 0)
            .await
            .unwrap();
        let second = Site {
            id: SiteId::new("second"),
            name: "Second".into(),
            allowed_origins: vec![],
            settings: Default::default(),
        };
        assert!(store.create_site(&second, owner.id, 1).await.unwrap());
        assert!(
            !store.create_site(&second, owner.id, 1).await.unwrap(),
            "ids are unique"
        );
        let sites: Vec<_> = store
            .memberships(owner.id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.site_id.as_str().to_owned(), m.role))
            .collect();
        assert_eq!(
            sites,
            [
                ("s".to_owned(), Role::Owner),
                ("second".to_owned(), Role::Owner)
            ]
        );

        store
            .create_session("t", owner.id, &site_id(), 100)
            .await
            .unwrap();
        assert!(store.switch_site("t", &second.id).await.unwrap());
        let session = store.session("t", 0).await.unwrap().unwrap();
        assert_eq!(session.agent.site_id, second.id);
        assert!(
            !store
                .switch_site("t", &SiteId::new("not-theirs"))
                .await
                .unwrap()
        );

        // An agent added to the second site has no role on the first.
        store
            .add_member(&second.id, "a@s.test", "Levan", Role::Agent, "h2", 2)
            .await
            .unwrap();
        let agent = store
            .agent_credentials("a@s.test")
            .await
            .unwrap()
            .unwrap()
            .agent;
        assert_eq!(
            (agent.site_id.as_str(), agent.role),
            ("second", Role::Agent)
        );
        store
            .create_session("ta", agent.id, &second.id, 100)
            .await
            .unwrap();
        assert!(!store.switch_site("ta", &site_id()).await.unwrap());
        // Adding an existing person keeps their name and password.
        store
            .add_member(&site_id(), "a@s.test", "Someone else", Role::Owner, "h3", 3)
            .await
            .unwrap();
        let again = store.agent_credentials("a@s.test").await.unwrap().unwrap();
        assert_eq!(
            (again.agent.name.as_str(), again.password_hash.as_str()),
            ("Levan", "h2")
        );
        assert_eq!(store.memberships(agent.id).await.unwrap().len(), 2);
    }

    pub async fn a_verified_visitor_is_one_person_on_every_browser(store: &dyn Store) {
        with_site(store).await;
        let laptop = store
            .identified_visitor(&site_id(), "u-1", "laptop", 0)
            .await
            .unwrap();
        let phone = store
            .identified_visitor(&site_id(), "u-1", "phone", 1)
            .await
            .unwrap();
        assert_eq!(laptop.id, phone.id);
        for token in ["laptop", "phone"] {
            let found = store
                .visitor_by_token(&site_id(), token)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(found.id, laptop.id, "{token}");
        }
        let other = store
            .identified_visitor(&site_id(), "u-2", "tablet", 2)
            .await
            .unwrap();
        assert_ne!(other.id, laptop.id);
        // A token that is already someone's stays theirs.
        let anonymous = store
            .create_visitor(&site_id(), "anon", 3)
            .await
            .unwrap()
            .unwrap();
        let claimed = store
            .identified_visitor(&site_id(), "u-1", "anon", 4)
            .await
            .unwrap();
        assert_eq!(claimed.id, laptop.id);
        let still = store
            .visitor_by_token(&site_id(), "anon")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(still.id, anonymous.id);
        // Verified visitors are never swept, whatever their age.
        store.sweep_visitors(i64::MAX).await.unwrap();
        assert!(
            store
                .visitor_by_token(&site_id(), "laptop")
                .await
                .unwrap()
                .is_some()
        );
    }

    pub async fn names_and_files_belong_to_their_visitor(store: &dyn Store) {
        let (visitor, conversation) = conversation(store, "v").await;
        store
            .name_visitor(visitor, "Mariam", NameSource::Given, None)
            .await
            .unwrap();
        let found = store
            .visitor_by_token(&site_id(), "v")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.name.as_deref(), found.name_source),
            (Some("Mariam"), NameSource::Given)
        );
        let line = &store
            .open_conversations(&site_id(), None, 10)
            .await
            .unwrap()[0];
        assert_eq!(
            (line.visitor.as_str(), line.name_source),
            ("Mariam", NameSource::Given)
        );

        let file = StoredAttachment {
            attachment: Attachment {
                id: "f1".into(),
                name: "receipt.pdf".into(),
                mime: "application/pdf".into(),
                size: 99,
            },
            site_id: site_id(),
            visitor_id: visitor,
            sha256: "ab".repeat(32),
        };
        store.create_attachment(&file, 5).await.unwrap();
        assert_eq!(store.attachment("f1").await.unwrap(), Some(file.clone()));
        assert_eq!(store.attachment("f2").await.unwrap(), None);
        let site = site_id();
        let sent = store
            .append(NewMessage {
                attachment: Some(&file.attachment),
                ..message(conversation, &site, "c1", "receipt.pdf")
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sent.message.attachment.as_ref(), Some(&file.attachment));
        let stored = store.messages_after(conversation, 0, 10).await.unwrap();
        assert_eq!(stored[0].attachment.as_ref(), Some(&file.attachment));
    }

    pub async fn the_typical_reply_time_is_the_median_first_reply(store: &dyn Store) {
        with_site(store).await;
        assert_eq!(store.reply_time(&site_id(), 10).await.unwrap(), (None, 0));
        let agent = Author::Agent {
            name: "Nino".into(),
        };
        let site = site_id();
        for (n, wait) in [(1, 60_000), (2, 120_000), (3, 600_000)] {
            let token = format!("v{n}");
            let visitor = store
                .create_visitor(&site_id(), &token, 0)
                .await
                .unwrap()
                .unwrap();
            let (c, _) = store
                .start_conversation(&site_id(), visitor.id, None, "en", n)
                .await
                .unwrap();
            let asked = NewMessage {
                sent_at: 1_000,
                ..message(c.id(), &site, "q", "hi")
            };
            store.append(asked).await.unwrap();
            let answered = NewMessage {
                author: &agent,
                sent_at: 1_000 + wait,
                ..message(c.id(), &site, "a", "hello")
            };
            store.append(answered).await.unwrap();
        }
        // One more that nobody has answered yet does not count.
        conversation(store, "unanswered").await;
        assert_eq!(
            store.reply_time(&site_id(), 10).await.unwrap(),
            (Some(120_000), 3)
        );
        assert_eq!(
            store.reply_time(&site_id(), 1).await.unwrap().1,
            1,
            "only the latest"
        );
    }

    pub async fn articles_are_saved_by_slug_and_language_and_counted(store: &dyn Store) {
        with_site(store).await;
        let site = site_id();
        let draft = |lang: &str, title: &str, published: bool| ArticleDraft {
            slug: "password-reset".into(),
            lang: lang.into(),
            title: title.into(),
            body: "Press **Forgot password?**".into(),
            category: "Common mistakes".into(),
            tags: vec!["password".into()],
            related: vec!["email".into()],
            published,
            order: 10,
            video: Some(Video::Youtube {
                id: "dQw4w9WgXcQ".into(),
            }),
        };
        assert_eq!(store.articles_version(&site).await.unwrap(), (0, 0));
        let Saved::Saved(en) = store
            .save_article(&site, None, &draft("en", "Forgot", true), 5)
            .await
            .unwrap()
        else {
            panic!("not saved")
        };
        assert_eq!(en.draft, draft("en", "Forgot", true));
        // The same slug in another language is another article; in the same one it is taken.
        let ka = store
            .save_article(&site, None, &draft("ka", "პაროლი", false), 6)
            .await
            .unwrap();
        assert!(matches!(ka, Saved::Saved(_)));
        assert_eq!(
            store
                .save_article(&site, None, &draft("en", "Again", true), 7)
                .await
                .unwrap(),
            Saved::SlugTaken
        );
        assert_eq!(
            store
                .save_article(&site, Some(999), &draft("en", "x", true), 7)
                .await
                .unwrap(),
            Saved::Unknown
        );
        assert_eq!(store.articles_version(&site).await.unwrap(), (2, 6));
        // An import replaces by slug and language.
        let (updated, new) = store
            .upsert_article(&site, &draft("en", "I forgot my password", true), 8)
            .await
            .unwrap();
        assert!(!new);
        assert_eq!(updated.id, en.id);
        assert_eq!(store.articles_version(&site).await.unwrap(), (2, 8));
        let all = store.articles(&site).await.unwrap();
        assert_eq!(all.len(), 2);
        // Only published articles count views and answers; other sites' never.
        assert!(store.count_view(&site, en.id).await.unwrap());
        assert!(store.count_feedback(&site, en.id, false).await.unwrap());
        let Saved::Saved(ka) = ka else { unreachable!() };
        assert!(!store.count_view(&site, ka.id).await.unwrap());
        assert!(
            !store
                .count_view(&SiteId::new("other"), en.id)
                .await
                .unwrap()
        );
        let read = store.article(&site, en.id).await.unwrap().unwrap();
        assert_eq!((read.views, read.helpful, read.unhelpful), (1, 0, 1));
        assert_eq!(
            store.article(&SiteId::new("other"), en.id).await.unwrap(),
            None
        );
        // Media by hash; misses counted and ordered.
        let media = Media {
            sha256: "a".repeat(64),
            mime: "video/webm".into(),
            size: 10,
        };
        store.add_media(&site, &media, 1).await.unwrap();
        store.add_media(&site, &media, 2).await.unwrap();
        assert_eq!(store.media(&media.sha256).await.unwrap(), Some(media));
        for (query, at) in [("gift wrap", 1), ("Gift wrap", 2), ("loyalty", 3)] {
            store
                .count_miss(&site, "en", &query.to_lowercase(), query, at)
                .await
                .unwrap();
        }
        let misses = store.misses(&site, 10).await.unwrap();
        let listed: Vec<(&str, &str, u64)> = misses
            .iter()
            .map(|(folded, m)| (folded.as_str(), m.query.as_str(), m.count))
            .collect();
        assert_eq!(
            listed,
            [("gift wrap", "Gift wrap", 2), ("loyalty", "loyalty", 1)]
        );
    }

    pub async fn messages_keep_their_articles_and_requests_for_a_person(store: &dyn Store) {
        with_site(store).await;
        let (visitor, id) = conversation(store, "t").await;
        let site = site_id();
        let links = [ArticleLink {
            id: 7,
            title: "დამავიწყდა პაროლი".into(),
            lang: "ka".into(),
            snippet: String::new(),
        }];
        let appended = store
            .append(NewMessage {
                visitor_id: Some(visitor),
                articles: &links,
                wants_person: true,
                ..message(id, &site, "p1", "I'd like a person")
            })
            .await
            .unwrap()
            .unwrap();
        assert!(appended.message.wants_person);
        let read = store.messages_after(id, 0, 10).await.unwrap();
        assert_eq!(read[0].articles, links);
        assert!(read[0].wants_person);
    }

    pub async fn choices_feedback_and_visits_are_kept(store: &dyn Store) {
        let (visitor, id) = conversation(store, "t").await;
        let site = site_id();
        let agent = Author::Agent { name: "N".into() };
        let choices = ["Refund".to_owned(), "Replacement".to_owned()];
        let offered = NewMessage {
            author: &agent,
            options: &choices,
            ..message(id, &site, "a1", "Which?")
        };
        let offer = store.append(offered).await.unwrap().unwrap().message;
        assert_eq!(
            store
                .message_at(id, offer.seq)
                .await
                .unwrap()
                .unwrap()
                .options,
            choices
        );
        assert!(!store.is_picked(id, offer.seq).await.unwrap());
        let pick = NewMessage {
            picked: Some(offer.seq),
            ..message(id, &site, "p1", "Replacement")
        };
        let picked = store.append(pick).await.unwrap().unwrap();
        assert_eq!(picked.message.picked, Some(offer.seq));
        assert!(store.is_picked(id, offer.seq).await.unwrap());
        // One pick per offer: another client id stores nothing.
        let again = NewMessage {
            picked: Some(offer.seq),
            ..message(id, &site, "p2", "Refund")
        };
        assert!(store.append(again).await.unwrap().is_none());
        let counts = store.option_counts(&site_id()).await.unwrap();
        let counted: Vec<_> = counts
            .iter()
            .map(|c| (c.option.as_str(), c.offered, c.picked))
            .collect();
        assert_eq!(counted, [("Replacement", 1, 1), ("Refund", 1, 0)]);

        let feedback = Feedback {
            conversation_id: id,
            rating: 5,
            comment: "Kind and quick".into(),
            at: 10,
            reward: Some(Reward::Code {
                code: "C1".into(),
                label: String::new(),
            }),
            answer: None,
        };
        assert!(store.rate(&site_id(), &feedback).await.unwrap());
        let twice = Feedback {
            rating: 1,
            ..feedback.clone()
        };
        assert!(!store.rate(&site_id(), &twice).await.unwrap(), "rated once");
        let rated = store.conversation(id).await.unwrap().unwrap();
        assert_eq!(rated.summary.rating, Some(5));
        let elsewhere = SiteId::new("other");
        assert!(
            !store
                .answer_feedback(&elsewhere, id, "no", 11)
                .await
                .unwrap()
        );
        assert!(
            store
                .answer_feedback(&site_id(), id, "Thanks!", 11)
                .await
                .unwrap()
        );
        let kept = store.feedback_of(visitor, 5).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].answer.as_deref(), Some("Thanks!"));
        assert_eq!(kept[0].reward, feedback.reward);
        let report = store.feedback_report(&site_id(), 10).await.unwrap();
        assert_eq!(report.counts, [0, 0, 0, 0, 1]);
        assert_eq!(report.comments[0].feedback, kept[0]);

        assert_eq!(store.visit(visitor).await.unwrap(), None);
        let visit = Visit {
            pages: vec![PageView {
                url: "https://s.example/".into(),
                title: "Home".into(),
                at: 3,
            }],
            time_zone: Some("Asia/Yerevan".into()),
            device: Some("Desktop".into()),
            ..Visit::default()
        };
        store.set_visit(visitor, &visit).await.unwrap();
        assert_eq!(store.visit(visitor).await.unwrap(), Some(visit));
        let theirs = store.conversations_of(visitor, 5).await.unwrap();
        assert_eq!(theirs.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
    }

    /// Many appends at once, as a busy relay makes them (stored together in
    /// one transaction where the backend groups commits): each conversation
    /// still counts 1, 2, 3… without a gap, and a resend among them is the
    /// original.
    pub async fn messages_arriving_together_keep_order_and_resends_stay_single(store: &dyn Store) {
        let s = site_id();
        let mut conversations = Vec::new();
        for token in ["ga", "gb", "gc"] {
            conversations.push(conversation(store, token).await.1);
        }
        let ids: Vec<(ConversationId, String)> = conversations
            .iter()
            .flat_map(|c| (1..=40).map(move |n| (*c, format!("m{n}"))))
            .collect();
        // Every fifth message is sent twice, right after itself.
        let mut asks = Vec::new();
        for (i, (c, client_id)) in ids.iter().enumerate() {
            asks.push((*c, client_id.as_str()));
            if i % 5 == 0 {
                asks.push((*c, client_id.as_str()));
            }
        }
        let appended = futures::future::join_all(
            asks.iter()
                .map(|(c, client_id)| store.append(message(*c, &s, client_id, client_id))),
        )
        .await;
        let mut seen = std::collections::HashMap::new();
        for ((c, client_id), result) in asks.iter().zip(appended) {
            let stored = result.unwrap().unwrap();
            if stored.new {
                // The conversation as it stood right after this message,
                // not after the whole batch it went in with.
                let line = &stored.conversation.summary;
                assert_eq!(line.last_seq, stored.message.seq);
                assert_eq!(
                    line.last_text.as_deref(),
                    Some(stored.message.text.as_str())
                );
            }
            let first = *seen.entry((*c, *client_id)).or_insert(stored.message.seq);
            assert_eq!(
                stored.message.seq, first,
                "a resend answers with the original"
            );
        }
        for c in conversations {
            let stored = store.messages_after(c, 0, 100).await.unwrap();
            let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
            assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
            // Each client id once, under the seq its append answered with.
            let mut ids: Vec<&str> = stored.iter().map(|m| m.client_id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), 40);
            for m in &stored {
                assert_eq!(seen[&(c, m.client_id.as_str())], m.seq);
            }
        }
    }

    /// A message whose statements fail (here: a file that was never
    /// uploaded) in the middle of messages arriving together: it alone is
    /// refused, the others are stored, and the seqs have no gap.
    pub async fn a_message_that_fails_among_others_sinks_only_itself(store: &dyn Store) {
        let s = site_id();
        let (_, c) = conversation(store, "fa").await;
        let unknown = Attachment {
            id: "never-uploaded".into(),
            name: "x.png".into(),
            mime: "image/png".into(),
            size: 1,
        };
        let ids: Vec<String> = (1..=30).map(|n| format!("m{n}")).collect();
        let appended = futures::future::join_all(ids.iter().enumerate().map(|(i, id)| {
            let mut new = message(c, &s, id, id);
            if i == 14 {
                new.attachment = Some(&unknown);
            }
            store.append(new)
        }))
        .await;
        for (i, result) in appended.iter().enumerate() {
            match i {
                14 => assert!(
                    result.is_err(),
                    "the message with an unknown file is refused"
                ),
                _ => assert!(matches!(result, Ok(Some(_))), "message {i} is stored"),
            }
        }
        let stored = store.messages_after(c, 0, 100).await.unwrap();
        let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (1..=29).collect::<Vec<_>>());
        assert!(stored.iter().all(|m| m.client_id != "m15"));
    }
}
