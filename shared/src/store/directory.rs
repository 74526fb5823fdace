//! A Slack team's people directory, and the refresh that fills it.
//!
//! A refresh walks `users.list` one page per job (see the worker's
//! `directory` module): the run item (pattern 18) holds its progress, a lease
//! that keeps a second refresh from spending the same Tier 2 budget, and the
//! counts the office shows. `team_join` and `user_change` write single people
//! between refreshes. Every write carries Slack's `updated` time and only
//! replaces an older copy, so an event and a page that race end with the
//! newer profile whichever lands last.
//!
//! Deleted people and bots stay in the directory, marked: the office needs
//! to recognise a name in old history, but never lists them as people.

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;
use serde_json::Value;

use crate::clock::SharedClock;
use crate::ids::{TeamId, UserId};
use crate::keys;
use crate::slack::users::UserObject;
use crate::table::{
    Condition, Query, SharedTable, TableError, Update, all_records, from_item, n, record_item, s,
};

/// How long a refresh may go without progress before another may replace
/// it (a page is a few seconds; a run stuck on 429s still advances).
pub const RUN_LEASE_SECS: i64 = 10 * 60;

/// A page of [`Directory::page`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeoplePage {
    pub people: Vec<Person>,
    /// Where the next page starts (after this person), if anywhere.
    pub next: Option<UserId>,
    /// Records read to fill this page.
    pub scanned: usize,
}

/// Pattern 29's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LocaleRecord {
    locale: String,
}

/// The language of a person's locale item (pattern 29), as a batched read
/// returns it.
pub fn locale_of(item: crate::table::Item) -> Result<Locale, TableError> {
    let r: LocaleRecord = from_item(item)?;
    Ok(Locale::from_tag(&r.locale))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    /// The handle (`name`), kept for search. Names Slack left out are
    /// empty, and not stored (DynamoDB Local refuses empty strings).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub real_name: String,
    pub avatar: Option<String>,
    /// Only when the token has `users:read.email`.
    pub email: Option<String>,
    pub deleted: bool,
    /// Bots and Slackbot (not app users: those are people who linked).
    pub is_bot: bool,
    pub tz: Option<String>,
    /// Slack's `updated` (seconds): orders writes of the same person.
    pub updated: i64,
    /// Their own workspace, when Slack said: another organisation's for
    /// people met in Slack Connect channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_team: Option<TeamId>,
    /// Their organisation (Enterprise Grid), when Slack said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// Slack's `locale` when the read asked for it: on its way to its own
    /// item (pattern 29, [`Directory::set_locale`]), not stored here.
    #[serde(skip)]
    pub locale: Option<String>,
}

impl Person {
    /// Reads one user object as Slack sends it (`users.list` members,
    /// `team_join`/`user_change`'s `user`), leniently: see
    /// [`crate::slack::users`].
    pub fn from_slack_json(value: &Value) -> Result<Self, String> {
        Self::from_user(UserObject::from_json(value)?)
    }

    pub fn from_user(user: UserObject) -> Result<Self, String> {
        let id = UserId::new(user.id.clone()).map_err(|e| e.to_string())?;
        let text = |v: Option<&String>| v.map(|s| s.trim().to_owned()).unwrap_or_default();
        Ok(Person {
            name: user.name.clone().unwrap_or_default(),
            display_name: text(user.profile.display_name.as_ref()),
            real_name: text(user.real_name.as_ref().or(user.profile.real_name.as_ref())),
            avatar: user.avatar().map(str::to_owned),
            email: user.profile.email.clone(),
            deleted: user.deleted,
            // `is_app_user` marks people who authorized the app, not bots.
            is_bot: user.is_bot_user(),
            tz: user.tz.clone(),
            updated: user.updated.unwrap_or(0),
            home_team: user.team_id.as_deref().and_then(|t| TeamId::new(t).ok()),
            enterprise_id: user
                .enterprise_user
                .as_ref()
                .and_then(|e| e.enterprise_id.clone()),
            locale: user.locale.clone(),
            id,
        })
    }

    /// Someone the office may list and invite.
    /// Whether a search (`q`, any case) finds this person by handle,
    /// display name, real name or email.
    pub fn matches(&self, q: &str) -> bool {
        let q = q.trim().to_lowercase();
        q.is_empty()
            || [&self.name, &self.display_name, &self.real_name]
                .into_iter()
                .chain(self.email.as_ref())
                .any(|f| f.to_lowercase().contains(&q))
    }

    /// Someone of another organisation (Slack Connect) as seen from
    /// `team` of organisation `enterprise`: their own workspace is another
    /// one, and not of the same Enterprise Grid organisation.
    pub fn is_external(&self, team: &TeamId, enterprise: Option<&str>) -> bool {
        let same_org = enterprise.is_some() && self.enterprise_id.as_deref() == enterprise;
        self.home_team.as_ref().is_some_and(|t| t != team) && !same_org
    }

    pub fn is_person(&self) -> bool {
        !self.deleted && !self.is_bot
    }

    /// The name people know them by: display name, else real name, else handle.
    pub fn label(&self) -> &str {
        [&self.display_name, &self.real_name, &self.name]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(String::as_str)
            .unwrap_or(self.id.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Done,
    Failed,
}

/// The state of a team's directory refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryRun {
    pub run_id: String,
    pub status: RunStatus,
    pub started_at: i64,
    /// Wall-clock milliseconds the page schedule is counted from (Slack's
    /// limits run on real time, whatever clock the store uses).
    pub pace_origin_ms: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    /// Pages completed.
    #[serde(default)]
    pub pages: u32,
    /// Users read from Slack so far.
    #[serde(default)]
    pub fetched: u32,
    /// Users Slack sent that could not be read (logged, not stored).
    #[serde(default)]
    pub unreadable: u32,
    /// Where the next page starts.
    pub next_cursor: Option<String>,
    pub lease_until: Option<i64>,
    pub error: Option<String>,
    /// Filled when the run completes.
    pub counts: Option<DirectoryCounts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryCounts {
    /// Active people (not deleted, not bots).
    pub people: u32,
    pub bots: u32,
    pub deleted: u32,
    /// People no longer in Slack's list at all, marked deleted by this run.
    pub gone: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartRun {
    Started(DirectoryRun),
    /// Another refresh holds the lease.
    AlreadyRunning(DirectoryRun),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored (new, or newer than the stored copy).
    Stored,
    /// The stored copy is newer; nothing changed.
    Older,
}

#[derive(Clone)]
pub struct Directory {
    table: SharedTable,
    clock: SharedClock,
}

impl Directory {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    /// Stores a person unless the stored copy is newer. `run` marks the
    /// person as seen by a refresh (even when the copy is older).
    pub async fn upsert(
        &self,
        team: &TeamId,
        person: &Person,
        run: Option<&str>,
    ) -> Result<Written, TableError> {
        let key = keys::person(team, &person.id);
        let mut item = record_item(&key, person)?;
        let now = self.clock.now_secs();
        item.insert("stored_at".into(), n(now));
        if let Some(run) = run {
            item.insert("run".into(), s(run));
        }
        match self
            .table
            .put(
                item,
                Some(Condition::Below("updated".into(), person.updated + 1)),
            )
            .await
        {
            Ok(()) => Ok(Written::Stored),
            Err(TableError::ConditionFailed) => {
                if let Some(run) = run {
                    self.table
                        .update(&key, Update::default().set("run", s(run)), None)
                        .await?;
                }
                Ok(Written::Older)
            }
            Err(e) => Err(e),
        }
    }

    /// Remembers a person's Slack `locale` (`sv-SE`), as `users.list` or
    /// `users.info` with `include_locale` gave it.
    pub async fn set_locale(
        &self,
        team: &TeamId,
        user: &UserId,
        tag: &str,
    ) -> Result<(), TableError> {
        let mut item = record_item(
            &keys::person_locale(team, user),
            &LocaleRecord {
                locale: tag.to_owned(),
            },
        )?;
        item.insert("stored_at".into(), n(self.clock.now_secs()));
        self.table.put(item, None).await
    }

    /// [`Self::set_locale`] for a page of people at once: one
    /// transaction per 25 (the table port's limit), so a refresh page of
    /// 200 costs eight more requests, not two hundred.
    pub async fn set_locales(
        &self,
        team: &TeamId,
        locales: &[(UserId, String)],
    ) -> Result<(), TableError> {
        let now = self.clock.now_secs();
        for chunk in locales.chunks(25) {
            let mut writes = Vec::with_capacity(chunk.len());
            for (user, tag) in chunk {
                let mut item = record_item(
                    &keys::person_locale(team, user),
                    &LocaleRecord {
                        locale: tag.clone(),
                    },
                )?;
                item.insert("stored_at".into(), n(now));
                writes.push(crate::table::Write::Put {
                    item,
                    condition: None,
                });
            }
            self.table.transact(writes).await?;
        }
        Ok(())
    }

    /// The language a person reads hallway in, when their Slack locale is
    /// known.
    pub async fn locale(&self, team: &TeamId, user: &UserId) -> Result<Option<Locale>, TableError> {
        self.table
            .get(&keys::person_locale(team, user))
            .await?
            .map(locale_of)
            .transpose()
    }

    pub async fn get(&self, team: &TeamId, user: &UserId) -> Result<Option<Person>, TableError> {
        self.table
            .get(&keys::person(team, user))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Everyone in the directory, bots and deleted people included.
    pub async fn everyone(&self, team: &TeamId) -> Result<Vec<Person>, TableError> {
        all_records(self.table.as_ref(), self.people_query(team)).await
    }

    /// A page of the people `keep` accepts, in id order, starting after
    /// `after`. Reads at most `max_scan` records (a search that matches
    /// little stops early); `next` says where to go on, `None` at the end.
    pub async fn page(
        &self,
        team: &TeamId,
        after: Option<&UserId>,
        limit: usize,
        max_scan: usize,
        keep: impl Fn(&Person) -> bool,
    ) -> Result<PeoplePage, TableError> {
        let mut query = self.people_query(team).limit(200);
        if let Some(u) = after {
            query = query.after_sort_key(keys::person(team, u).sk);
        }
        let (mut people, mut scanned) = (Vec::new(), 0usize);
        loop {
            let page = self.table.query(query.clone()).await?;
            let more = page.next.is_some();
            for item in page.items {
                scanned += 1;
                let p: Person = from_item(item)?;
                let last = p.id.clone();
                if keep(&p) {
                    people.push(p);
                }
                if people.len() >= limit || scanned >= max_scan {
                    return Ok(PeoplePage {
                        people,
                        next: Some(last),
                        scanned,
                    });
                }
            }
            match page.next {
                Some(next) if more => query = query.after(Some(next)),
                _ => {
                    return Ok(PeoplePage {
                        people,
                        next: None,
                        scanned,
                    });
                }
            }
        }
    }

    fn people_query(&self, team: &TeamId) -> Query {
        Query::partition(keys::team_pk(team))
            .prefix(keys::PERSON_PREFIX)
            .limit(1000)
    }

    pub async fn run(&self, team: &TeamId) -> Result<Option<DirectoryRun>, TableError> {
        self.table
            .get(&keys::directory_run(team))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Starts a refresh unless one holds the lease.
    pub async fn start_run(
        &self,
        team: &TeamId,
        pace_origin_ms: i64,
    ) -> Result<StartRun, TableError> {
        let now = self.clock.now_secs();
        let run = DirectoryRun {
            run_id: crate::ids::new_ordered_id(),
            status: RunStatus::Running,
            started_at: now,
            pace_origin_ms,
            updated_at: now,
            finished_at: None,
            pages: 0,
            fetched: 0,
            unreadable: 0,
            next_cursor: None,
            lease_until: Some(now + RUN_LEASE_SECS),
            error: None,
            counts: None,
        };
        let item = record_item(&keys::directory_run(team), &run)?;
        // A finished run has no lease; a running one's lease lapses if its
        // chain of jobs was lost.
        match self
            .table
            .put(item, Some(Condition::Below("lease_until".into(), now)))
            .await
        {
            Ok(()) => Ok(StartRun::Started(run)),
            Err(TableError::ConditionFailed) => match self.run(team).await? {
                Some(existing) => Ok(StartRun::AlreadyRunning(existing)),
                // Deleted in between: a rare race; the caller may try again.
                None => Err(TableError::ConditionFailed),
            },
            Err(e) => Err(e),
        }
    }

    /// Records page `page` as done. `false` when the run is no longer this
    /// one, no longer running, or the page was recorded before (a duplicate
    /// job): the caller must not go on.
    pub async fn advance(
        &self,
        team: &TeamId,
        run_id: &str,
        page: u32,
        next_cursor: Option<&str>,
        fetched: u32,
        unreadable: u32,
    ) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        let mut update = Update::default()
            .set("pages", n(i64::from(page) + 1))
            .set("updated_at", n(now))
            .set("lease_until", n(now + RUN_LEASE_SECS))
            .add("fetched", i64::from(fetched))
            .add("unreadable", i64::from(unreadable));
        update = match next_cursor {
            Some(c) => update.set("next_cursor", s(c)),
            None => update.remove("next_cursor"),
        };
        self.conditional(team, run_id, Some(page), update).await
    }

    /// Completes the run with its counts; the lease goes.
    pub async fn finish(
        &self,
        team: &TeamId,
        run_id: &str,
        counts: DirectoryCounts,
    ) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        let counts_value = serde_dynamo::to_attribute_value(counts)
            .map_err(|e| TableError::Invalid(e.to_string()))?;
        let update = Update::default()
            .set("status", s("done"))
            .set("finished_at", n(now))
            .set("updated_at", n(now))
            .set("counts", counts_value)
            .remove("lease_until")
            .remove("next_cursor");
        self.conditional(team, run_id, None, update).await
    }

    /// Ends the run as failed, with a reason the office can show.
    pub async fn fail(&self, team: &TeamId, run_id: &str, error: &str) -> Result<bool, TableError> {
        let now = self.clock.now_secs();
        let update = Update::default()
            .set("status", s("failed"))
            .set("error", s(error))
            .set("finished_at", n(now))
            .set("updated_at", n(now))
            .remove("lease_until");
        self.conditional(team, run_id, None, update).await
    }

    async fn conditional(
        &self,
        team: &TeamId,
        run_id: &str,
        page: Option<u32>,
        update: Update,
    ) -> Result<bool, TableError> {
        let mut all = vec![
            Condition::Equals("run_id".into(), s(run_id)),
            Condition::Equals("status".into(), s("running")),
        ];
        if let Some(page) = page {
            all.push(Condition::Below("pages".into(), i64::from(page) + 1));
        }
        match self
            .table
            .update(
                &keys::directory_run(team),
                update,
                Some(Condition::All(all)),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// After the last page: people the run did not see and nobody wrote
    /// since it started are no longer in Slack's list; they are marked
    /// deleted. Returns the directory's counts.
    pub async fn sweep(
        &self,
        team: &TeamId,
        run: &DirectoryRun,
    ) -> Result<DirectoryCounts, TableError> {
        let mut counts = DirectoryCounts::default();
        let mut cursor = None;
        loop {
            let page = self
                .table
                .query(self.people_query(team).after(cursor))
                .await?;
            for item in page.items {
                let seen = crate::table::str_attr(&item, "run") == Some(run.run_id.as_str());
                let fresh = crate::table::int_attr(&item, "stored_at")
                    .is_some_and(|at| at >= run.started_at);
                let mut person: Person = from_item(item)?;
                if !seen && !fresh && !person.deleted {
                    self.table
                        .update(
                            &keys::person(team, &person.id),
                            Update::default().set("deleted", crate::table::Value::Bool(true)),
                            Some(Condition::Exists),
                        )
                        .await?;
                    person.deleted = true;
                    counts.gone += 1;
                }
                if person.is_bot {
                    counts.bots += 1;
                } else if person.deleted {
                    counts.deleted += 1;
                } else {
                    counts.people += 1;
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(counts),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slack_user() -> Value {
        json!({
            "id": "U0ADA", "team_id": "T1", "name": "ada", "deleted": false,
            "real_name": "Ada Lovelace", "tz": "Europe/London", "tz_offset": 0,
            "profile": {
                "real_name": "Ada Lovelace", "display_name": "ada",
                "email": "ada@example.com",
                "image_48": "https://a/48.png", "image_192": "https://a/192.png",
                "image_512": "https://a/512.png", "team": "T1"
            },
            "is_admin": false, "is_bot": false, "is_app_user": false,
            "updated": 1_700_000_123, "is_email_confirmed": true, "who_can_share_contact_card": "EVERYONE"
        })
    }

    #[test]
    fn reads_slack_user_objects() {
        let p = Person::from_slack_json(&slack_user()).unwrap();
        assert_eq!(p.id.as_str(), "U0ADA");
        assert_eq!((p.name.as_str(), p.label()), ("ada", "ada"));
        assert_eq!(p.real_name, "Ada Lovelace");
        assert_eq!(p.avatar.as_deref(), Some("https://a/192.png"));
        assert_eq!(p.email.as_deref(), Some("ada@example.com"));
        assert_eq!(p.tz.as_deref(), Some("Europe/London"));
        assert_eq!(p.updated, 1_700_000_123);
        assert!(p.is_person());
    }

    #[test]
    fn bots_slackbot_and_deleted_people_are_not_people() {
        let mut bot = slack_user();
        bot["is_bot"] = json!(true);
        assert!(!Person::from_slack_json(&bot).unwrap().is_person());
        // An app user authorized hallway: a linked person, not a bot.
        let mut app_user = slack_user();
        app_user["is_app_user"] = json!(true);
        assert!(Person::from_slack_json(&app_user).unwrap().is_person());
        let mut slackbot = slack_user();
        slackbot["id"] = json!("USLACKBOT");
        assert!(Person::from_slack_json(&slackbot).unwrap().is_bot);
        let mut gone = slack_user();
        gone["deleted"] = json!(true);
        let gone = Person::from_slack_json(&gone).unwrap();
        assert!(gone.deleted && !gone.is_person());
    }

    #[test]
    fn sparse_users_read_and_label_falls_back() {
        let p = Person::from_slack_json(&json!({"id": "W0ENT", "name": "grace"})).unwrap();
        assert_eq!(p.label(), "grace");
        assert_eq!((p.email, p.avatar, p.updated), (None, None, 0));
        assert!(Person::from_slack_json(&json!({"name": "no id"})).is_err());
        assert!(Person::from_slack_json(&json!({"id": "U#1"})).is_err());
        // Seen in the wild: `fields` as an array, profile fields left out.
        let odd = Person::from_slack_json(&json!({"id": "U0ODD", "name": "odd",
            "profile": {"fields": [], "real_name": "Odd One"}}))
        .unwrap();
        assert_eq!((odd.label(), odd.avatar.as_deref()), ("Odd One", None));
    }
}
