//! The gate every surface but help passes first (a command, a shortcut, a
//! modal's submission): the app is installed with a working token, the
//! person is linked to the office, the team has a space. A refusal says
//! what to do, as an ephemeral reply or as a modal, whichever the surface
//! can show.

use hallway::i18n::Locale;
use hallway::ids::{OfficeUserId, TeamId};
use hallway::services::Services;
use hallway::slack::messages;
use hallway::slack::modal;
use hallway::slack::oauth::{INSTALL_PATH, LOGIN_PATH};
use hallway::store::installations::Installation;
use hallway::store::spaces::Briefs;
use hallway::store::{ChannelRoute, TeamSpace};
use hallway::t;
use serde_json::Value;

use crate::routing::Routing;

/// Past the gate: what the request read, with its guarantees.
pub(crate) struct Ready {
    pub installation: Installation,
    pub caller: OfficeUserId,
    /// Oldest first, never empty.
    pub team_spaces: Vec<TeamSpace>,
    pub briefs: Briefs,
    pub route: Option<ChannelRoute>,
}

/// Why the gate is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Revoked or uninstalled: an admin must reinstall.
    Disconnected,
    /// No record at all: installed before this deployment's table existed,
    /// or lost. Saying it "was removed" would send the admin looking for the
    /// wrong cause.
    NotInstalled,
    NotLinked,
    NoSpace,
}

pub(crate) fn gate(routing: Routing) -> Result<Ready, Refusal> {
    let Routing {
        installation,
        caller,
        team_spaces,
        briefs,
        route,
        ..
    } = routing;
    let installation = match installation {
        Some(i) if i.is_active() => i,
        Some(_) => return Err(Refusal::Disconnected),
        None => return Err(Refusal::NotInstalled),
    };
    let caller = caller.ok_or(Refusal::NotLinked)?;
    if team_spaces.is_empty() {
        return Err(Refusal::NoSpace);
    }
    Ok(Ready {
        installation,
        caller,
        team_spaces,
        briefs,
        route,
    })
}

/// A refusal's words: the text, a button (label, action id, link) and a
/// hint.
struct Words {
    text: String,
    button: Option<(String, &'static str, String)>,
    hint: Option<String>,
}

impl Refusal {
    /// Whether the app can still call Slack for this team (a modal needs
    /// `views.open`).
    pub fn can_reach_slack(self) -> bool {
        matches!(self, Refusal::NotLinked | Refusal::NoSpace)
    }

    fn words(self, s: &Services, team: &TeamId, l: Locale) -> Words {
        let install = s.config.endpoint(INSTALL_PATH);
        match self {
            Refusal::Disconnected => Words {
                text: t!(l, "gate-disconnected"),
                button: Some((t!(l, "gate-disconnected-button"), "reinstall", install)),
                hint: None,
            },
            Refusal::NotInstalled => Words {
                text: t!(l, "gate-not-installed"),
                button: Some((t!(l, "gate-not-installed-button"), "install", install)),
                hint: None,
            },
            Refusal::NotLinked => Words {
                text: t!(l, "gate-not-linked"),
                button: Some((
                    t!(l, "gate-not-linked-button"),
                    "authorize",
                    format!("{}?team={team}", s.config.endpoint(LOGIN_PATH)),
                )),
                hint: None,
            },
            Refusal::NoSpace => Words {
                text: t!(l, "gate-no-space"),
                button: None,
                hint: Some(t!(l, "gate-no-space-hint")),
            },
        }
    }

    /// As an ephemeral reply.
    pub fn ephemeral(self, s: &Services, team: &TeamId, l: Locale) -> Value {
        let w = self.words(s, team, l);
        match w.button {
            Some((label, action, href)) => messages::prompt(&w.text, &label, action, &href),
            None => messages::ephemeral(&w.text, w.hint.as_deref()),
        }
    }

    /// As a modal that only informs.
    pub fn modal(self, s: &Services, team: &TeamId, l: Locale) -> Value {
        let w = self.words(s, team, l);
        let link = w
            .button
            .as_ref()
            .map(|(l, a, h)| (l.as_str(), *a, h.as_str()));
        modal::notice(l, &t!(l, "modal-title"), &w.text, link, w.hint.as_deref())
    }
}
