//! What a slash command answers from, read in one request.
//!
//! A command needs the team's installation (is the app still there?), who
//! the caller is in the office, the team's spaces with their rooms, the
//! caller's language and the channel's room. They are five items of the
//! team's partition (patterns 1, 11, 2, 29 and 13 in [`hallway::keys`]) whose keys the command itself names, so
//! they come back from one [`Table::get_many`](hallway::table::Table::get_many):
//! one round trip of Slack's 3 seconds. The rooms and how full they are come
//! from the spaces' briefs on the team's item (see
//! [`hallway::store::spaces::SpaceBrief`]); a space mapped before briefs
//! existed has none, and the command reads that space itself.

use hallway::i18n::Locale;
use hallway::ids::{ChannelId, OfficeUserId, TeamId, UserId};
use hallway::keys;
use hallway::store::channels::ChannelRoute;
use hallway::store::directory::locale_of;
use hallway::store::installations::Installation;
use hallway::store::spaces::{Briefs, TeamSpace, team_item_from};
use hallway::table::{SharedTable, TableError, from_item};

/// The routing facts of one command, as of one read.
#[derive(Debug, Clone)]
pub struct Routing {
    /// `None`: the team has no installation on record.
    pub installation: Option<Installation>,
    /// `None`: the caller has not linked their Slack account.
    pub caller: Option<OfficeUserId>,
    /// Oldest first; the first is the team's default.
    pub team_spaces: Vec<TeamSpace>,
    /// The call mention and rooms of each of the team's spaces that has a
    /// brief.
    pub briefs: Briefs,
    /// `None`: the channel is not mapped to a room.
    pub route: Option<ChannelRoute>,
    /// The caller's language (English until their Slack locale is known).
    pub locale: Locale,
}

pub struct Routings {
    table: SharedTable,
}

impl Routings {
    pub fn new(table: SharedTable) -> Self {
        Self { table }
    }

    /// Everything a command from `user` in `channel` of `team` answers from
    /// (no channel: a global shortcut, which has none).
    pub async fn read(
        &self,
        team: &TeamId,
        user: &UserId,
        channel: Option<&ChannelId>,
    ) -> Result<Routing, TableError> {
        let mut keys = vec![
            keys::installation(team),
            keys::slack_user(team, user),
            keys::team_spaces(team),
            keys::person_locale(team, user),
        ];
        keys.extend(channel.map(|c| keys::channel_route(team, c)));
        let mut items = self.table.get_many(&keys).await?.into_iter();
        let mut next = || items.next().flatten();
        let (installation, caller, spaces, locale, route) =
            (next(), next(), next(), next(), next());
        let (team_spaces, briefs) = team_item_from(team, spaces)?;
        Ok(Routing {
            installation: installation.map(from_item).transpose()?,
            caller: caller
                .map(hallway::store::links::office_user_of)
                .transpose()?,
            team_spaces,
            briefs,
            route: route.map(from_item).transpose()?,
            locale: locale.map(locale_of).transpose()?.unwrap_or_default(),
        })
    }
}
