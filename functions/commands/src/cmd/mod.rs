//! `/hallway` as commands, one file each, as in mini-redis: the text parses
//! into a [`Command`], and each command applies itself to what the request
//! read.
//!
//! The reply is built within the request from one table read and one queue
//! send at most; nothing here calls Slack or writes the table. What a
//! command does beyond its answer (the meeting record, the invite and its
//! DMs, a channel's mapping) is one job for the worker, and the inviter
//! hears back through the command's `response_url`.
//!
//! # Layout
//! - [`help`]: `help`, answered from one read (the caller's language).
//! - [`meet`]: `?`, or nothing in a DM: the "Meet in hallway" form.
//! - [`call`]: no one mentioned, at most one name: the channel is called to
//!   a room.
//! - [`invite`]: people mentioned: one DM each through the worker.
//! - [`map_channel`]: two names or more in a channel: the channel meets in
//!   that room from now on.
//!
//! Every command but help first passes the same gate ([`Context::read`]):
//! the app is installed, the caller is linked, the team has a space.

mod call;
mod help;
mod invite;
mod map_channel;
mod meet;

use std::time::Duration;

pub use call::Call;
pub use help::Help;
pub use invite::Invite;
pub use map_channel::MapChannel;
pub use meet::Meet;

use crate::form::{Conversation, SlashCommand};
use crate::gate::gate;
use crate::grammar::{self, GrammarError, Name, Parsed};
use crate::resolve::{SpaceView, Target};
use crate::routing::Routings;
use hallway::i18n::Locale;
use hallway::ids::{OfficeUserId, TeamId, UserId};
use hallway::jobs::{self, CommandAction, CommandJob, Job};
use hallway::queue::QueueError;
use hallway::services::Services;
use hallway::slack::messages;
use hallway::store::spaces::{Briefs, RoomBrief};
use hallway::store::{ChannelRoute, TeamSpace};
use hallway::t;
use hallway::web::ApiError;
use serde_json::Value;

/// What `calls.add` needs (docs.slack.dev/reference/methods/calls.add).
const CALLS_SCOPE: &str = "calls:write";

/// What `/hallway`'s text asks for. Which space and room the names mean is
/// decided against the real names when the command applies (see
/// [`crate::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help(Help),
    Meet(Meet),
    Call(Call),
    Invite(Invite),
    MapChannel(MapChannel),
}

impl Command {
    pub fn parse(text: &str) -> Result<Command, GrammarError> {
        if text.trim() == "?" {
            return Ok(Command::Meet(Meet));
        }
        Ok(match grammar::parse(text)? {
            Parsed::Help => Command::Help(Help),
            Parsed::Run { mentions, names } if !mentions.is_empty() => {
                Command::Invite(Invite::new(mentions, names))
            }
            Parsed::Run { names, .. } if names.len() >= 2 => {
                Command::MapChannel(MapChannel::new(names))
            }
            Parsed::Run { names, .. } => Command::Call(Call::new(names)),
        })
    }

    pub async fn apply(self, s: &Services, form: &SlashCommand) -> Result<Value, ApiError> {
        match &self {
            Command::Help(help) => {
                return Ok(help.apply(&form.command, reader(s, &form.team_id, &form.user_id).await));
            }
            Command::Meet(meet) => return meet.apply(s, form).await,
            // A bare call in a DM: the form asks whom (a room named still calls).
            Command::Call(call)
                if call.names.is_empty() && form.conversation() == Conversation::Dm =>
            {
                return Meet.apply(s, form).await;
            }
            _ => {}
        }
        let cx = match Context::read(s, form).await? {
            Ok(cx) => cx,
            Err(reply) => return Ok(reply),
        };
        match self {
            Command::Help(_) | Command::Meet(_) => unreachable!("answered above"),
            Command::Call(call) => call.apply(&cx).await,
            Command::Invite(invite) => invite.apply(&cx).await,
            Command::MapChannel(map) => map.apply(&cx).await,
        }
    }
}

/// `/hallway …` from a verified form to the reply Slack shows: a text that
/// does not parse gets an ephemeral explanation, a failure on our side one
/// that says so, both in the caller's language.
pub async fn run(s: &Services, form: &SlashCommand) -> Value {
    let result = match Command::parse(&form.text) {
        Ok(command) => command.apply(s, form).await,
        Err(e) => {
            let l = reader(s, &form.team_id, &form.user_id).await;
            Ok(messages::ephemeral(
                &grammar_text(&e, l),
                Some(&hint(&form.command, l)),
            ))
        }
    };
    match result {
        Ok(reply) => reply,
        Err(e) => crate::failed(
            &form.command,
            reader(s, &form.team_id, &form.user_id).await,
            e,
        ),
    }
}

/// The caller's language alone (help, a text that does not parse, a
/// failure), from the directory: the read gets a moment, then English it
/// is (the table may be what failed, and the answer must still come
/// within Slack's 3 seconds).
pub(crate) async fn reader(s: &Services, team: &TeamId, user: &UserId) -> Locale {
    let directory = s.directory();
    let read = directory.locale(team, user);
    match tokio::time::timeout(std::time::Duration::from_millis(300), read).await {
        Ok(Ok(l)) => l.unwrap_or_default(),
        _ => Locale::En,
    }
}

fn grammar_text(e: &GrammarError, l: Locale) -> String {
    match e {
        GrammarError::UnclosedQuote(q) => t!(l, "grammar-unclosed-quote", quote = q.to_string()),
        GrammarError::BadMention(m) => t!(l, "grammar-bad-mention", mention = m.as_str()),
        GrammarError::ChannelMention => t!(l, "grammar-channel-mention"),
        GrammarError::SpecialMention(n) => t!(l, "grammar-special-mention", name = n.as_str()),
        GrammarError::Link => t!(l, "grammar-link"),
        GrammarError::PlainAt(n) => t!(l, "grammar-plain-at", name = n.as_str()),
    }
}

pub(crate) fn hint(command: &str, l: Locale) -> String {
    t!(l, "command-hint", command = command)
}

/// What every command but help answers from: the request's one read,
/// past the gate.
pub(crate) struct Context<'a> {
    s: &'a Services,
    form: &'a SlashCommand,
    caller: OfficeUserId,
    /// Oldest first, never empty.
    team_spaces: Vec<TeamSpace>,
    briefs: Briefs,
    route: Option<ChannelRoute>,
    /// The install may register Slack Calls (`calls:write`): a call is
    /// posted as a Call card.
    calls: bool,
    /// The caller's language.
    locale: Locale,
}

impl<'a> Context<'a> {
    /// Everything the answer needs is one read of keys the command names
    /// ([`crate::routing`]): Slack gives us 3 s and each request is a round
    /// trip. `Err` is the reply when the command cannot run here: the app
    /// is not installed, the caller not linked, or the team has no space.
    async fn read(
        s: &'a Services,
        form: &'a SlashCommand,
    ) -> Result<Result<Self, Value>, ApiError> {
        let routing = Routings::new(s.table.clone())
            .read(&form.team_id, &form.user_id, Some(&form.channel_id))
            .await?;
        let locale = routing.locale;
        let ready = match gate(routing) {
            Ok(r) => r,
            Err(refusal) => return Ok(Err(refusal.ephemeral(s, &form.team_id, locale))),
        };
        Ok(Ok(Context {
            s,
            form,
            caller: ready.caller,
            team_spaces: ready.team_spaces,
            briefs: ready.briefs,
            route: ready.route,
            calls: ready.installation.has_scope(CALLS_SCOPE),
            locale,
        }))
    }

    /// The space and room `names` mean; `Err` is the reply saying what
    /// exists instead.
    async fn resolve(&self, names: &[Name]) -> Result<Result<Target, Value>, ApiError> {
        crate::resolve::resolve(
            self.s,
            &self.form.command,
            &self.team_spaces,
            &self.briefs,
            self.route.as_ref(),
            names,
            self.locale,
        )
        .await
    }

    fn hint(&self) -> String {
        hint(&self.form.command, self.locale)
    }

    fn conversation(&self) -> Conversation {
        self.form.conversation()
    }

    /// Hands the command's writes and fan-out to the worker: the one send
    /// before the answer, and its last step, so an answer that promises
    /// work is only given when the work is queued.
    async fn queue(
        &self,
        space: &SpaceView,
        room: &RoomBrief,
        action: CommandAction,
    ) -> Result<(), QueueError> {
        let form = self.form;
        let job = Job::Command(Box::new(CommandJob {
            command: form.command.clone(),
            team_id: form.team_id.clone(),
            channel_id: form.channel_id.clone(),
            channel_name: form.channel_name.clone(),
            user_id: form.user_id.clone(),
            user_name: form.user_name.clone(),
            caller: self.caller.clone(),
            response_url: Some(form.response_url.clone()),
            view_id: None,
            note: None,
            about: None,
            space_id: space.id.clone(),
            space_name: space.name.clone(),
            room_id: room.id.clone(),
            room_name: room.name.clone(),
            direct: form.conversation() == Conversation::Dm,
            action,
        }));
        jobs::enqueue(self.s.queue.as_ref(), &job, Duration::ZERO)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cmd: &Command) -> Vec<String> {
        let names = match cmd {
            Command::Help(_) | Command::Meet(_) => return vec![],
            Command::Call(c) => &c.names,
            Command::Invite(i) => &i.names,
            Command::MapChannel(m) => &m.names,
        };
        names.iter().map(|n| n.text.clone()).collect()
    }

    #[test]
    fn the_text_decides_the_command() {
        assert_eq!(Command::parse("help"), Ok(Command::Help(Help)));
        assert_eq!(Command::parse(" ? "), Ok(Command::Meet(Meet)));
        let call = Command::parse("").unwrap();
        assert!(matches!(call, Command::Call(_)), "{call:?}");
        let call = Command::parse("Kitchen").unwrap();
        assert!(matches!(call, Command::Call(_)), "{call:?}");
        assert_eq!(names(&call), ["Kitchen"]);
        let invite = Command::parse("<@U1> <@U2|bo> 'HQ' Kitchen").unwrap();
        let Command::Invite(i) = &invite else {
            panic!("{invite:?}")
        };
        assert_eq!(i.mentions.len(), 2);
        assert_eq!(names(&invite), ["HQ", "Kitchen"]);
        // Two names may still be one space's name ("Main Office"): the
        // mapping falls back to a call when they resolve to a space only.
        let map = Command::parse("Main Office").unwrap();
        assert!(matches!(map, Command::MapChannel(_)), "{map:?}");
        assert_eq!(
            Command::parse("<#C1|general>"),
            Err(GrammarError::ChannelMention)
        );
    }
}
