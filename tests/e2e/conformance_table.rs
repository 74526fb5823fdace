//! The table conformance suite: the same assertions against the embedded
//! adapter (redb, in memory) and the DynamoDB adapter (DynamoDB Local).
//! Each case gets a fresh table and a manual clock it may move.

use std::sync::Arc;

use hallway::clock::{Clock, ManualClock};
use hallway::crypto::TokenCipher;
use hallway::ids::{EventId, SpaceId, TeamId, UserId};
use hallway::secrets::Secret;
use hallway::store::installations::{InstallStatus, Revoked};
use hallway::store::{
    Claim, ConsumeError, EventClaims, Installations, NewInstallation, OAuthStates, Spaces,
    StateData,
};
use hallway::table::dynamo::DynamoTable;
use hallway::table::embedded::EmbeddedTable;
use hallway::table::{
    Condition, Item, Key, Query, SharedTable, TableError, Update, Value, Write, int_attr, n, s,
    str_attr,
};
use hallway_tests::{Emulators, manual_clock};

type Fixture = (SharedTable, Arc<ManualClock>);

async fn embedded() -> Option<Fixture> {
    let (clock, shared) = manual_clock();
    Some((Arc::new(EmbeddedTable::in_memory(shared).unwrap()), clock))
}

async fn dynamodb() -> Option<Fixture> {
    let emu = Emulators::connect().await?;
    let (clock, shared) = manual_clock();
    let name = emu.create_table().await;
    Some((
        Arc::new(DynamoTable::new(emu.dynamodb, name, shared)),
        clock,
    ))
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    if let Some(f) = super::embedded().await {
                        super::cases::$case(f).await
                    }
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    if let Some(f) = super::dynamodb().await {
                        super::cases::$case(f).await
                    }
                }
            )*
        }
    };
}

conformance!(
    put_get_and_absent,
    get_many_in_order,
    query_sort_key_range,
    put_if_absent_conflicts_and_keeps_the_original,
    version_check_update,
    update_merges_and_creates,
    delete_returns_the_old_item_and_honours_conditions,
    single_use_consume_under_concurrency,
    ttl_expiry_as_seen_by_readers,
    query_prefix_order_and_paging,
    query_descending_pages,
    gsi_query,
    transaction_all_or_nothing,
    transaction_limits,
    oldest_space_of_a_team_first,
    reconnecting_a_space_moves_its_mapping,
    installation_tokens_are_sealed_and_revocation_is_idempotent,
    event_claims_once_and_release,
    oauth_state_is_single_use_and_expires,
    counters_below_a_ceiling,
    guests_are_admitted_up_to_the_limit_under_concurrency,
    identity_links_are_one_to_one,
    login_tokens_are_single_use,
);

fn item(pk: &str, sk: &str, pairs: &[(&str, Value)]) -> Item {
    let mut i = Item::default();
    i.insert("pk".into(), s(pk));
    i.insert("sk".into(), s(sk));
    for (k, v) in pairs {
        i.insert((*k).into(), v.clone());
    }
    i
}

fn key(pk: &str, sk: &str) -> Key {
    Key {
        pk: pk.into(),
        sk: sk.into(),
    }
}

/// Every item of a query, page after page; no page holds more than the
/// query's limit.
async fn every_page(t: &SharedTable, query: Query) -> Vec<Item> {
    let mut items = Vec::new();
    let mut cursor = None;
    for _ in 0..100 {
        let page = t.query(query.clone().after(cursor)).await.unwrap();
        assert!(page.items.len() <= query.limit as usize);
        items.extend(page.items);
        match page.next {
            Some(c) => cursor = Some(c),
            None => return items,
        }
    }
    panic!("paging does not end");
}

mod cases {
    use super::*;

    pub async fn counters_below_a_ceiling((t, _): Fixture) {
        let bump = Update::default().add("count", 1);
        let below = |n: i64| Some(Condition::Below("count".into(), n));
        // Missing item, missing attribute: below anything.
        t.update(&key("P", "C"), bump.clone(), below(2))
            .await
            .unwrap();
        t.update(&key("P", "C"), bump.clone(), below(2))
            .await
            .unwrap();
        let err = t
            .update(&key("P", "C"), bump.clone(), below(2))
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        assert_eq!(
            int_attr(&t.get(&key("P", "C")).await.unwrap().unwrap(), "count"),
            Some(2)
        );
        // Inside a conjunction and a transaction too.
        let both = Condition::All(vec![Condition::Exists, Condition::Below("count".into(), 3)]);
        t.transact(vec![Write::Update {
            key: key("P", "C"),
            update: bump.clone(),
            condition: Some(both.clone()),
        }])
        .await
        .unwrap();
        let err = t
            .transact(vec![Write::Update {
                key: key("P", "C"),
                update: bump,
                condition: Some(both),
            }])
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::TransactionConflict { .. }));
    }

    pub async fn guests_are_admitted_up_to_the_limit_under_concurrency((t, clock): Fixture) {
        use hallway::store::{Members, MembersError, Role};
        let spaces = Spaces::new(t.clone(), clock.clone());
        let members = Members::new(t.clone(), clock.clone());
        let space = spaces.create("HQ", None).await.unwrap();
        let mut racers = Vec::new();
        for i in 0..6 {
            let (members, id) = (members.clone(), space.id.clone());
            racers.push(tokio::spawn(async move {
                let user = hallway::ids::OfficeUserId::new(format!("guest{i}")).unwrap();
                members.join(&id, &user, Role::Guest, 2).await
            }));
        }
        let mut admitted = 0;
        for r in racers {
            match r.await.unwrap() {
                Ok(_) => admitted += 1,
                Err(MembersError::GuestLimitReached) => {}
                // Two transactions on one item at once may cancel each other;
                // that is a refusal too, never an over-admission.
                Err(MembersError::Table(TableError::TransactionConflict { .. })) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert!(admitted <= 2, "{admitted} guests for a limit of 2");
        let count = spaces.get(&space.id).await.unwrap().unwrap().guest_count;
        let guests = members.list(&space.id).await.unwrap().len() as u32;
        assert_eq!(count, guests, "the count matches the guests admitted");
        // Members are not counted, and joining twice changes nothing.
        let ada = hallway::ids::OfficeUserId::new("ada").unwrap();
        members.join(&space.id, &ada, Role::Admin, 2).await.unwrap();
        assert!(matches!(
            members.join(&space.id, &ada, Role::Admin, 2).await.unwrap(),
            hallway::store::Joined::Already(_)
        ));
        assert_eq!(
            spaces.get(&space.id).await.unwrap().unwrap().guest_count,
            count
        );
        assert_eq!(members.spaces_of(&ada).await.unwrap().len(), 1);
    }

    pub async fn identity_links_are_one_to_one((t, clock): Fixture) {
        use hallway::store::{IdentityLinks, LinkError, LinkedVia, NewLink};
        let cipher = Arc::new(
            TokenCipher::from_secret(&Secret::new(TokenCipher::generate_key().unwrap())).unwrap(),
        );
        let links = IdentityLinks::new(t.clone(), cipher, clock);
        let team = TeamId::new("T1").unwrap();
        let link = |office: &str, slack: &str, token: Option<&str>| NewLink {
            office_user_id: hallway::ids::OfficeUserId::new(office).unwrap(),
            team_id: team.clone(),
            slack_user_id: UserId::new(slack).unwrap(),
            enterprise_id: None,
            via: if token.is_some() {
                LinkedVia::Authorize
            } else {
                LinkedVia::SignIn
            },
            user_scopes: vec![],
            user_token: token.map(Secret::new),
            rotation: None,
        };
        links
            .link(link("ada", "U1", Some("xoxp-ada")))
            .await
            .unwrap();
        assert!(matches!(
            links.link(link("bob", "U1", None)).await,
            Err(LinkError::SlackUserTaken)
        ));
        // Signing in again keeps the stored token.
        links.link(link("ada", "U1", None)).await.unwrap();
        let ada = hallway::ids::OfficeUserId::new("ada").unwrap();
        let stored = links.get(&ada, &team).await.unwrap().unwrap();
        assert_eq!(
            links.user_token(&stored).unwrap().unwrap().expose(),
            "xoxp-ada"
        );
        // Moving to another Slack user frees the first.
        links.link(link("ada", "U2", None)).await.unwrap();
        assert_eq!(
            links
                .office_user_for(&team, &UserId::new("U1").unwrap())
                .await
                .unwrap(),
            None
        );
        links.link(link("bob", "U1", None)).await.unwrap();
        assert_eq!(
            links
                .office_user_for(&team, &UserId::new("U2").unwrap())
                .await
                .unwrap(),
            Some(ada)
        );
    }

    pub async fn login_tokens_are_single_use((t, clock): Fixture) {
        let tokens = hallway::store::LoginTokens::new(t, clock.clone());
        let user = hallway::ids::OfficeUserId::new("ada").unwrap();
        let token = tokens.issue(&user, "sid-1").await.unwrap();
        let (a, b) = tokio::join!(tokens.consume(&token), tokens.consume(&token));
        let got: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(got.len(), 1, "exactly one exchange");
        assert_eq!(got[0].session_id, "sid-1");
        let late = tokens.issue(&user, "sid-2").await.unwrap();
        clock.advance_secs(hallway::store::login_tokens::LOGIN_TOKEN_TTL_SECS + 1);
        assert_eq!(tokens.consume(&late).await.unwrap(), None);
        assert_eq!(tokens.consume("junk").await.unwrap(), None);
    }

    pub async fn put_get_and_absent((t, _): Fixture) {
        assert!(t.get(&key("P", "S")).await.unwrap().is_none());
        t.put(item("P", "S", &[("name", s("a")), ("count", n(3))]), None)
            .await
            .unwrap();
        let got = t.get(&key("P", "S")).await.unwrap().unwrap();
        assert_eq!(str_attr(&got, "name"), Some("a"));
        assert_eq!(int_attr(&got, "count"), Some(3));
        // An unconditional put replaces the whole item.
        t.put(item("P", "S", &[("other", s("b"))]), None)
            .await
            .unwrap();
        let got = t.get(&key("P", "S")).await.unwrap().unwrap();
        assert!(!got.contains_key("name"));
        assert_eq!(str_attr(&got, "other"), Some("b"));
    }

    pub async fn get_many_in_order((t, clock): Fixture) {
        let now = clock.now_secs();
        t.put(item("T", "A", &[("v", n(1))]), None).await.unwrap();
        t.put(item("T", "C", &[("v", n(3))]), None).await.unwrap();
        t.put(item("U", "A", &[("v", n(4))]), None).await.unwrap();
        t.put(item("T", "GONE", &[("ttl", n(now - 1))]), None)
            .await
            .unwrap();
        let asked = [
            key("T", "C"),
            key("T", "B"),
            key("U", "A"),
            key("T", "GONE"),
            key("T", "A"),
        ];
        let got = t.get_many(&asked).await.unwrap();
        let values: Vec<Option<i64>> = got
            .iter()
            .map(|i| i.as_ref().map(|i| int_attr(i, "v").unwrap()))
            .collect();
        assert_eq!(
            values,
            [Some(3), None, Some(4), None, Some(1)],
            "in the order asked, missing and expired as None"
        );
        assert!(t.get_many(&[]).await.unwrap().is_empty());
        // 100 at once, most of them missing.
        let many: Vec<Key> = (0..100).map(|i| key("T", &format!("K{i:03}"))).collect();
        assert_eq!(t.get_many(&many).await.unwrap().len(), 100);
        let too_many: Vec<Key> = (0..101).map(|i| key("T", &format!("K{i:03}"))).collect();
        assert!(matches!(
            t.get_many(&too_many).await,
            Err(TableError::Invalid(_))
        ));
        assert!(matches!(
            t.get_many(&[key("T", "A"), key("T", "A")]).await,
            Err(TableError::Invalid(_))
        ));
    }

    pub async fn query_sort_key_range((t, _): Fixture) {
        for sk in [
            "AUDIT#1", "MEMBER#u", "META", "ROOM#1", "ROOM#2", "ROOM#3", "SYNC",
        ] {
            t.put(item("P", sk, &[]), None).await.unwrap();
        }
        let sks = |items: &[Item]| -> Vec<String> {
            items
                .iter()
                .map(|i| str_attr(i, "sk").unwrap().to_owned())
                .collect()
        };
        let high = format!("ROOM#{}", hallway::table::SORT_KEY_MAX);
        let all = t
            .query(Query::partition("P").between("META", high.clone()))
            .await
            .unwrap();
        assert_eq!(sks(&all.items), ["META", "ROOM#1", "ROOM#2", "ROOM#3"]);
        assert!(all.next.is_none());
        // Both ends are included, and paging continues inside the range.
        let seen = sks(&every_page(
            &t,
            Query::partition("P").between("MEMBER#u", "ROOM#2").limit(2),
        )
        .await);
        assert_eq!(seen, ["MEMBER#u", "META", "ROOM#1", "ROOM#2"]);
        let backwards = t
            .query(Query::partition("P").between("META", high).descending())
            .await
            .unwrap();
        assert_eq!(
            sks(&backwards.items),
            ["ROOM#3", "ROOM#2", "ROOM#1", "META"]
        );
        for bad in [
            Query::partition("P").between("ROOM#", "META"),
            Query::partition("P").prefix("ROOM#").between("A", "B"),
        ] {
            assert!(matches!(t.query(bad).await, Err(TableError::Invalid(_))));
        }
    }

    pub async fn put_if_absent_conflicts_and_keeps_the_original((t, _): Fixture) {
        t.put(
            item("P", "S", &[("v", s("first"))]),
            Some(Condition::NotExists),
        )
        .await
        .unwrap();
        let err = t
            .put(
                item("P", "S", &[("v", s("second"))]),
                Some(Condition::NotExists),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed), "{err}");
        let got = t.get(&key("P", "S")).await.unwrap().unwrap();
        assert_eq!(str_attr(&got, "v"), Some("first"));
        // Exists on a missing item fails and writes nothing.
        let err = t
            .put(item("P", "other", &[]), Some(Condition::Exists))
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        assert!(t.get(&key("P", "other")).await.unwrap().is_none());
    }

    pub async fn version_check_update((t, _): Fixture) {
        t.put(item("P", "S", &[("version", n(1)), ("v", s("a"))]), None)
            .await
            .unwrap();
        let bump = |v: &str| Update::default().set("v", s(v)).add("version", 1);
        let new = t
            .update(
                &key("P", "S"),
                bump("b"),
                Some(Condition::Equals("version".into(), n(1))),
            )
            .await
            .unwrap();
        assert_eq!(int_attr(&new, "version"), Some(2));
        // A writer holding the old version loses and changes nothing.
        let err = t
            .update(
                &key("P", "S"),
                bump("c"),
                Some(Condition::Equals("version".into(), n(1))),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        let got = t.get(&key("P", "S")).await.unwrap().unwrap();
        assert_eq!(str_attr(&got, "v"), Some("b"));
        assert_eq!(int_attr(&got, "version"), Some(2));
    }

    pub async fn update_merges_and_creates((t, _): Fixture) {
        let created = t
            .update(&key("P", "S"), Update::default().set("a", s("1")), None)
            .await
            .unwrap();
        assert_eq!(str_attr(&created, "pk"), Some("P"));
        assert_eq!(str_attr(&created, "a"), Some("1"));
        let merged = t
            .update(
                &key("P", "S"),
                Update::default().set("b", s("2")).add("n", 5),
                Some(Condition::Exists),
            )
            .await
            .unwrap();
        assert_eq!(str_attr(&merged, "a"), Some("1"));
        assert_eq!(str_attr(&merged, "b"), Some("2"));
        assert_eq!(int_attr(&merged, "n"), Some(5));
        let removed = t
            .update(&key("P", "S"), Update::default().remove("a"), None)
            .await
            .unwrap();
        assert!(!removed.contains_key("a"));
        // AttrMissing guards a one-time transition.
        let once = Condition::All(vec![
            Condition::Exists,
            Condition::AttrMissing("done".into()),
        ]);
        t.update(
            &key("P", "S"),
            Update::default().set("done", n(1)),
            Some(once.clone()),
        )
        .await
        .unwrap();
        let err = t
            .update(
                &key("P", "S"),
                Update::default().set("done", n(2)),
                Some(once),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
    }

    pub async fn delete_returns_the_old_item_and_honours_conditions((t, _): Fixture) {
        let err = t
            .delete(&key("P", "S"), Some(Condition::Exists))
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        assert!(t.delete(&key("P", "S"), None).await.unwrap().is_none());
        t.put(item("P", "S", &[("status", s("open"))]), None)
            .await
            .unwrap();
        let err = t
            .delete(
                &key("P", "S"),
                Some(Condition::Equals("status".into(), s("closed"))),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        let old = t
            .delete(&key("P", "S"), Some(Condition::Exists))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(str_attr(&old, "status"), Some("open"));
        assert!(t.get(&key("P", "S")).await.unwrap().is_none());
    }

    pub async fn single_use_consume_under_concurrency((t, clock): Fixture) {
        // Raw: eight racers delete the same item with `Exists`; one wins.
        t.put(item("TOKEN#1", "X", &[("data", s("payload"))]), None)
            .await
            .unwrap();
        let mut racers = Vec::new();
        for _ in 0..8 {
            let t = t.clone();
            racers.push(tokio::spawn(async move {
                t.delete(&key("TOKEN#1", "X"), Some(Condition::Exists))
                    .await
            }));
        }
        let mut winners = 0;
        for r in racers {
            match r.await.unwrap() {
                Ok(Some(old)) => {
                    assert_eq!(str_attr(&old, "data"), Some("payload"));
                    winners += 1;
                }
                Err(TableError::ConditionFailed) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(winners, 1, "exactly one racer consumes the item");

        // Domain: two tasks consume the same OAuth state.
        let states = OAuthStates::new(t.clone(), clock.clone());
        let state = states
            .issue(StateData {
                purpose: hallway::store::OAuthFlow::Install,
                space_id: None,
                office_user_id: None,
                nonce: None,
                join: None,
                team: None,
            })
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            {
                let states = states.clone();
                let state = state.clone();
                tokio::spawn(async move { states.consume(&state).await })
            },
            {
                let states = states.clone();
                let state = state.clone();
                tokio::spawn(async move { states.consume(&state).await })
            }
        );
        let results = [a.unwrap(), b.unwrap()];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(ConsumeError::AlreadyUsed)))
        );

        // Domain: two deliveries of the same event claim it once.
        let claims = EventClaims::new(t.clone(), clock.clone());
        let ev = EventId::new("EvRACE1").unwrap();
        let (a, b) = tokio::join!(claims.claim(&ev), claims.claim(&ev));
        let mut got = [a.unwrap(), b.unwrap()];
        got.sort_by_key(|c| *c == Claim::Duplicate);
        assert_eq!(got, [Claim::New, Claim::Duplicate]);
    }

    pub async fn ttl_expiry_as_seen_by_readers((t, clock): Fixture) {
        let now = clock.now_secs();
        t.put(item("P", "live", &[("ttl", n(now + 10))]), None)
            .await
            .unwrap();
        t.put(item("P", "forever", &[]), None).await.unwrap();
        assert!(t.get(&key("P", "live")).await.unwrap().is_some());
        clock.advance_secs(11);
        // Gone for every reader, though no one deleted it.
        assert!(t.get(&key("P", "live")).await.unwrap().is_none());
        let page = t.query(Query::partition("P")).await.unwrap();
        let sks: Vec<_> = page
            .items
            .iter()
            .map(|i| str_attr(i, "sk").unwrap().to_owned())
            .collect();
        assert_eq!(sks, ["forever"]);
        // Conditions see it as missing, too.
        let err = t
            .update(
                &key("P", "live"),
                Update::default().set("x", n(1)),
                Some(Condition::Exists),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        let err = t
            .delete(&key("P", "live"), Some(Condition::Exists))
            .await
            .unwrap_err();
        assert!(matches!(err, TableError::ConditionFailed));
        t.put(
            item("P", "live", &[("v", s("new"))]),
            Some(Condition::NotExists),
        )
        .await
        .expect("an expired item does not block a put-if-absent");
        assert_eq!(
            str_attr(&t.get(&key("P", "live")).await.unwrap().unwrap(), "v"),
            Some("new")
        );
        // A transaction check sees it as missing.
        t.put(item("P", "gone", &[("ttl", n(clock.now_secs() - 1))]), None)
            .await
            .unwrap();
        let err = t
            .transact(vec![Write::Check {
                key: key("P", "gone"),
                condition: Condition::Exists,
            }])
            .await
            .unwrap_err();
        assert!(
            matches!(err, TableError::TransactionConflict { .. }),
            "{err}"
        );
        // An event claim expires and the event can be claimed again.
        let claims = EventClaims::new(t.clone(), clock.clone());
        let ev = EventId::new("EvTTL1").unwrap();
        assert_eq!(claims.claim(&ev).await.unwrap(), Claim::New);
        assert_eq!(claims.claim(&ev).await.unwrap(), Claim::Duplicate);
        clock.advance_secs(hallway::store::event_claims::CLAIM_TTL_SECS + 1);
        assert_eq!(claims.claim(&ev).await.unwrap(), Claim::New);
    }

    pub async fn query_prefix_order_and_paging((t, _): Fixture) {
        for i in (0..25).rev() {
            t.put(item("P", &format!("ROOM#{i:03}"), &[("i", n(i))]), None)
                .await
                .unwrap();
        }
        t.put(item("P", "META", &[]), None).await.unwrap();
        t.put(item("Q", "ROOM#000", &[]), None).await.unwrap();
        let seen: Vec<i64> = every_page(&t, Query::partition("P").prefix("ROOM#").limit(10))
            .await
            .iter()
            .map(|i| int_attr(i, "i").unwrap())
            .collect();
        assert_eq!(
            seen,
            (0..25).collect::<Vec<_>>(),
            "all items, in sort-key order, once"
        );
        let bad = t
            .query(Query::partition("P").after(Some(hallway::table::Cursor("@@".into()))))
            .await
            .unwrap_err();
        assert!(matches!(bad, TableError::Invalid(_)));
    }

    pub async fn query_descending_pages((t, _): Fixture) {
        for i in 0..7 {
            t.put(item("P", &format!("E#{i}"), &[("i", n(i))]), None)
                .await
                .unwrap();
        }
        let seen: Vec<i64> =
            every_page(&t, Query::partition("P").prefix("E#").limit(3).descending())
                .await
                .iter()
                .map(|i| int_attr(i, "i").unwrap())
                .collect();
        assert_eq!(seen, vec![6, 5, 4, 3, 2, 1, 0]);
    }

    pub async fn gsi_query((t, _): Fixture) {
        for (sk, user) in [("A", "U1"), ("B", "U2"), ("C", "U1"), ("D", "U1")] {
            t.put(
                item(
                    &format!("OFFICE#{sk}"),
                    "LINK",
                    &[
                        ("gsi1pk", s(format!("SLACKUSER#{user}"))),
                        ("gsi1sk", s(sk)),
                    ],
                ),
                None,
            )
            .await
            .unwrap();
        }
        let found: Vec<String> = every_page(&t, Query::gsi1("SLACKUSER#U1").limit(2))
            .await
            .iter()
            .map(|i| str_attr(i, "pk").unwrap().to_owned())
            .collect();
        assert_eq!(found, ["OFFICE#A", "OFFICE#C", "OFFICE#D"]);
        // Moving an item off the index key removes it from the index.
        t.update(
            &key("OFFICE#C", "LINK"),
            Update::default().remove("gsi1pk").remove("gsi1sk"),
            None,
        )
        .await
        .unwrap();
        t.delete(&key("OFFICE#D", "LINK"), None).await.unwrap();
        let page = t.query(Query::gsi1("SLACKUSER#U1")).await.unwrap();
        assert_eq!(page.items.len(), 1);
    }

    pub async fn transaction_all_or_nothing((t, _): Fixture) {
        t.put(item("P", "exists", &[("v", n(1))]), None)
            .await
            .unwrap();
        let err = t
            .transact(vec![
                Write::Put {
                    item: item("P", "new", &[]),
                    condition: Some(Condition::NotExists),
                },
                Write::Update {
                    key: key("P", "exists"),
                    update: Update::default().set("v", n(2)),
                    condition: Some(Condition::Equals("v".into(), n(99))),
                },
                Write::Check {
                    key: key("P", "missing"),
                    condition: Condition::NotExists,
                },
            ])
            .await
            .unwrap_err();
        match err {
            TableError::TransactionConflict { failed } => assert_eq!(failed, vec![1]),
            other => panic!("{other}"),
        }
        assert!(
            t.get(&key("P", "new")).await.unwrap().is_none(),
            "nothing written"
        );
        assert_eq!(
            int_attr(&t.get(&key("P", "exists")).await.unwrap().unwrap(), "v"),
            Some(1)
        );
        t.transact(vec![
            Write::Put {
                item: item("P", "new", &[]),
                condition: Some(Condition::NotExists),
            },
            Write::Update {
                key: key("P", "exists"),
                update: Update::default().set("v", n(2)),
                condition: Some(Condition::Equals("v".into(), n(1))),
            },
            Write::Delete {
                key: key("P", "nothing"),
                condition: None,
            },
        ])
        .await
        .unwrap();
        assert!(t.get(&key("P", "new")).await.unwrap().is_some());
        assert_eq!(
            int_attr(&t.get(&key("P", "exists")).await.unwrap().unwrap(), "v"),
            Some(2)
        );
        // Every kind of write honours its condition inside a transaction.
        let put_again = Write::Put {
            item: item("P", "new", &[("v", n(9))]),
            condition: Some(Condition::NotExists),
        };
        let delete_guarded = Write::Delete {
            key: key("P", "exists"),
            condition: Some(Condition::Equals("v".into(), n(1))),
        };
        let check_missing = Write::Check {
            key: key("P", "absent"),
            condition: Condition::Exists,
        };
        let harmless = Write::Put {
            item: item("P", "side", &[]),
            condition: None,
        };
        for (i, guarded) in [put_again, delete_guarded, check_missing]
            .into_iter()
            .enumerate()
        {
            let err = t
                .transact(vec![harmless.clone(), guarded])
                .await
                .unwrap_err();
            match err {
                TableError::TransactionConflict { failed } => {
                    assert_eq!(failed, vec![1], "case {i}")
                }
                other => panic!("case {i}: {other}"),
            }
            assert!(
                t.get(&key("P", "side")).await.unwrap().is_none(),
                "case {i}: nothing written"
            );
        }
        assert!(
            t.get(&key("P", "new"))
                .await
                .unwrap()
                .unwrap()
                .get("v")
                .is_none()
        );
        assert!(t.get(&key("P", "exists")).await.unwrap().is_some());
    }

    pub async fn transaction_limits((t, _): Fixture) {
        let same = vec![
            Write::Put {
                item: item("P", "S", &[]),
                condition: None,
            },
            Write::Delete {
                key: key("P", "S"),
                condition: None,
            },
        ];
        assert!(matches!(
            t.transact(same).await,
            Err(TableError::Invalid(_))
        ));
        let too_many: Vec<Write> = (0..26)
            .map(|i| Write::Put {
                item: item("P", &format!("{i}"), &[]),
                condition: None,
            })
            .collect();
        assert!(matches!(
            t.transact(too_many).await,
            Err(TableError::Invalid(_))
        ));
        assert!(
            t.query(Query::partition("P"))
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }

    pub async fn oldest_space_of_a_team_first((t, clock): Fixture) {
        let spaces = Spaces::new(t.clone(), clock.clone());
        let team = TeamId::new("T1").unwrap();
        assert!(spaces.default_for_team(&team).await.unwrap().is_none());
        let mut made = Vec::new();
        for name in ["Zeta", "Alpha", "Mid"] {
            made.push(spaces.create(name, None).await.unwrap());
            clock.advance_secs(5);
        }
        // Connected newest first, so insertion order cannot explain the result.
        for s in made.iter().rev() {
            spaces.connect(&s.id, &team).await.unwrap();
        }
        let listed = spaces.for_team(&team).await.unwrap();
        let names: Vec<_> = listed.iter().map(|s| s.space_name.as_str()).collect();
        assert_eq!(names, ["Zeta", "Alpha", "Mid"], "oldest first");
        let default = spaces.default_for_team(&team).await.unwrap().unwrap();
        assert_eq!(default.space_id, made[0].id);
        // Rooms list in creation order.
        spaces.add_room(&made[0].id, "Kitchen", 4).await.unwrap();
        spaces.add_room(&made[0].id, "Library", 12).await.unwrap();
        let rooms = spaces.rooms(&made[0].id).await.unwrap();
        assert_eq!(
            rooms.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["Kitchen", "Library"]
        );
        // The space and its rooms in one read; nothing else of its
        // partition (members, meetings, audit) comes with them.
        hallway::store::Members::new(t.clone(), clock.clone())
            .join(
                &made[0].id,
                &hallway::ids::OfficeUserId::new("u1").unwrap(),
                hallway::store::Role::Admin,
                0,
            )
            .await
            .unwrap();
        let (space, with) = spaces.with_rooms(&made[0].id).await.unwrap();
        assert_eq!(space.unwrap().name, "Zeta");
        assert_eq!(with, rooms);
        let (none, no_rooms) = spaces
            .with_rooms(&SpaceId::new("absent").unwrap())
            .await
            .unwrap();
        assert!(none.is_none() && no_rooms.is_empty());
        let missing = SpaceId::new("nope").unwrap();
        assert!(matches!(
            spaces.add_room(&missing, "X", 2).await,
            Err(hallway::store::SpacesError::NoSuchSpace(_))
        ));
    }

    pub async fn reconnecting_a_space_moves_its_mapping((t, clock): Fixture) {
        let spaces = Spaces::new(t.clone(), clock.clone());
        let (a, b) = (TeamId::new("TA").unwrap(), TeamId::new("TB").unwrap());
        let space = spaces.create("Office", None).await.unwrap();
        assert_eq!(spaces.connect(&space.id, &a).await.unwrap(), None);
        assert_eq!(
            spaces.connect(&space.id, &b).await.unwrap(),
            Some(a.clone())
        );
        assert!(
            spaces.for_team(&a).await.unwrap().is_empty(),
            "not listed under two teams"
        );
        assert_eq!(spaces.for_team(&b).await.unwrap().len(), 1);
        let got = spaces.get(&space.id).await.unwrap().unwrap();
        assert_eq!(got.team_id, Some(b.clone()));
        assert!(got.connected);
        assert_eq!(spaces.mark_team_disconnected(&b).await.unwrap(), 1);
        assert_eq!(
            spaces.mark_team_disconnected(&b).await.unwrap(),
            0,
            "idempotent"
        );
        assert!(!spaces.get(&space.id).await.unwrap().unwrap().connected);
        assert!(!spaces.for_team(&b).await.unwrap()[0].connected);
        assert_eq!(spaces.disconnect(&space.id).await.unwrap(), Some(b.clone()));
        assert!(spaces.for_team(&b).await.unwrap().is_empty());
        assert_eq!(spaces.get(&space.id).await.unwrap().unwrap().team_id, None);
    }

    pub async fn installation_tokens_are_sealed_and_revocation_is_idempotent((t, clock): Fixture) {
        let cipher = Arc::new(
            TokenCipher::from_secret(&Secret::new(TokenCipher::generate_key().unwrap())).unwrap(),
        );
        let installs = Installations::new(t.clone(), cipher, clock.clone());
        let team = TeamId::new("T1").unwrap();
        installs
            .save(NewInstallation {
                team_id: team.clone(),
                team_name: "Acme".into(),
                enterprise_id: None,
                is_enterprise_install: false,
                app_id: None,
                bot_user_id: UserId::new("UBOT").unwrap(),
                bot_scopes: vec!["chat:write".into()],
                installer_user_id: Some(UserId::new("U1").unwrap()),
                bot_token: Secret::new("xoxb-111-secret-token"),
                refresh_token: Some(Secret::new("xoxe-1-refresh")),
                bot_token_expires_at: Some(clock.now_secs() + 43_200),
            })
            .await
            .unwrap();
        assert_eq!(
            installs.bot_token(&team).await.unwrap().expose(),
            "xoxb-111-secret-token"
        );
        // At rest, the item holds no token.
        let raw = t
            .get(&hallway::keys::installation(&team))
            .await
            .unwrap()
            .unwrap();
        let text = serde_json::to_string(&raw).unwrap();
        assert!(!text.contains("xoxb-111"), "{text}");
        assert!(!text.contains("xoxe-1-refresh"), "{text}");
        let inst = installs.get(&team).await.unwrap().unwrap();
        assert_eq!(
            installs
                .refresh_token(&inst)
                .await
                .unwrap()
                .unwrap()
                .expose(),
            "xoxe-1-refresh"
        );

        assert_eq!(
            installs
                .revoke(&team, InstallStatus::Uninstalled)
                .await
                .unwrap(),
            Revoked::Now
        );
        assert_eq!(
            installs
                .revoke(&team, InstallStatus::Revoked)
                .await
                .unwrap(),
            Revoked::Already
        );
        let after = installs.get(&team).await.unwrap().unwrap();
        assert_eq!(
            after.status,
            InstallStatus::Uninstalled,
            "the first revocation's reason stays"
        );
        assert!(!after.is_active());
        assert!(matches!(
            installs.bot_token(&team).await,
            Err(hallway::store::InstallationError::NeedsReinstall { .. })
        ));
        let other = TeamId::new("T2").unwrap();
        assert_eq!(
            installs
                .revoke(&other, InstallStatus::Revoked)
                .await
                .unwrap(),
            Revoked::NotInstalled
        );
        assert!(
            installs.get(&other).await.unwrap().is_none(),
            "revoking writes nothing for unknown teams"
        );
    }

    pub async fn event_claims_once_and_release((t, clock): Fixture) {
        let claims = EventClaims::new(t, clock);
        let ev = EventId::new("Ev1").unwrap();
        assert_eq!(claims.claim(&ev).await.unwrap(), Claim::New);
        assert_eq!(claims.claim(&ev).await.unwrap(), Claim::Duplicate);
        claims.release(&ev).await.unwrap();
        assert_eq!(claims.claim(&ev).await.unwrap(), Claim::New);
    }

    pub async fn oauth_state_is_single_use_and_expires((t, clock): Fixture) {
        let states = OAuthStates::new(t, clock.clone());
        let data = StateData {
            purpose: hallway::store::OAuthFlow::Login,
            space_id: Some(SpaceId::new("s1").unwrap()),
            office_user_id: None,
            nonce: Some("n-123".into()),
            join: None,
            team: None,
        };
        let state = states.issue(data.clone()).await.unwrap();
        assert_eq!(states.consume(&state).await.unwrap(), data);
        assert!(matches!(
            states.consume(&state).await,
            Err(ConsumeError::AlreadyUsed)
        ));
        let late = states.issue(data.clone()).await.unwrap();
        clock.advance_secs(hallway::store::oauth_state::STATE_TTL_SECS + 1);
        assert!(matches!(
            states.consume(&late).await,
            Err(ConsumeError::UnknownOrExpired)
        ));
        assert!(matches!(
            states.consume("forged").await,
            Err(ConsumeError::UnknownOrExpired)
        ));
        let unknown = "A".repeat(43);
        assert!(matches!(
            states.consume(&unknown).await,
            Err(ConsumeError::UnknownOrExpired)
        ));
    }
}

/// The embedded store survives a restart: what the local bundle needs to
/// keep installs between runs.
#[tokio::test]
async fn embedded_store_persists_across_reopen() {
    let dir =
        std::env::temp_dir().join(format!("hallway-persist-{}", uuid::Uuid::new_v4().simple()));
    let (_, clock) = manual_clock();
    {
        let t = EmbeddedTable::open_dir(&dir, clock.clone()).unwrap();
        use hallway::table::Table;
        t.put(item("TEAM#T1", "INSTALL", &[("v", s("kept"))]), None)
            .await
            .unwrap();
    }
    let t = EmbeddedTable::open_dir(&dir, clock).unwrap();
    use hallway::table::Table;
    let got = t.get(&key("TEAM#T1", "INSTALL")).await.unwrap().unwrap();
    assert_eq!(str_attr(&got, "v"), Some("kept"));
    drop(t);
    std::fs::remove_dir_all(&dir).unwrap();
}
