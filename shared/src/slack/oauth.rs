//! Slack's browser-facing OAuth URLs and our redirect paths.

use url::Url;

/// Where Slack sends the browser back after an install or a link.
pub const OAUTH_CALLBACK_PATH: &str = "/slack/oauth/callback";
/// Where Slack sends the browser back after Sign in with Slack.
pub const LOGIN_CALLBACK_PATH: &str = "/slack/login/callback";
pub const INSTALL_PATH: &str = "/slack/install";
pub const LOGIN_PATH: &str = "/slack/login";
pub const JOIN_PATH: &str = "/join";

/// User scopes a person grants when linking their Slack identity: DMs as
/// the person (`chat:write`, `im:write` to open one), their DMs bridged
/// (`im:history`, `im:read`), the files shared in them (`files:read`,
/// for `files.info` when Slack sends a file as its id only), names
/// (`users:read`); channel chat: their channels listed
/// (`users.conversations`: `channels:read`, `groups:read`) and read
/// (`channels:history`, `groups:history`), posting as them (`chat:write`).
pub const USER_SCOPES: &[&str] = &[
    "channels:history",
    "channels:read",
    "chat:write",
    "files:read",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
];

/// Sign in with Slack's scopes.
pub const OPENID_SCOPES: &str = "openid email profile";

fn with_query(mut url: Url, pairs: &[(&str, Option<&str>)]) -> String {
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
    }
    url.into()
}

/// `{slack}/oauth/v2/authorize` for an install (bot scopes) or a link (user
/// scopes). `team` pre-selects a workspace the person is signed in to.
pub fn authorize_url(
    slack: &Url,
    client_id: &str,
    bot_scopes: &[&str],
    user_scopes: &[&str],
    redirect_uri: &str,
    state: &str,
    team: Option<&str>,
) -> String {
    let bot = bot_scopes.join(",");
    let user = user_scopes.join(",");
    with_query(
        slack
            .join("oauth/v2/authorize")
            .expect("a fixed relative path"),
        &[
            ("client_id", Some(client_id)),
            ("scope", (!bot.is_empty()).then_some(bot.as_str())),
            ("user_scope", (!user.is_empty()).then_some(user.as_str())),
            ("redirect_uri", Some(redirect_uri)),
            ("state", Some(state)),
            ("team", team),
        ],
    )
}

/// `{slack}/openid/connect/authorize` for Sign in with Slack.
pub fn openid_authorize_url(
    slack: &Url,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    team: Option<&str>,
) -> String {
    with_query(
        slack
            .join("openid/connect/authorize")
            .expect("a fixed relative path"),
        &[
            ("response_type", Some("code")),
            ("scope", Some(OPENID_SCOPES)),
            ("client_id", Some(client_id)),
            ("state", Some(state)),
            ("nonce", Some(nonce)),
            ("redirect_uri", Some(redirect_uri)),
            ("team", team),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_urls_carry_scopes_state_and_redirect() {
        let slack: Url = "https://slack.com".parse().unwrap();
        let url: Url = authorize_url(
            &slack,
            "1.2",
            &["chat:write", "commands"],
            &[],
            "https://h/cb",
            "st.sig",
            None,
        )
        .parse()
        .unwrap();
        assert_eq!(url.path(), "/oauth/v2/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["scope"], "chat:write,commands");
        assert_eq!(q["redirect_uri"], "https://h/cb");
        assert_eq!(q["state"], "st.sig");
        assert!(!q.contains_key("user_scope") && !q.contains_key("team"));
    }

    #[test]
    fn fake_slack_bases_with_ports_work() {
        let slack: Url = "http://127.0.0.1:4000".parse().unwrap();
        let url = openid_authorize_url(&slack, "1.2", "http://h/cb", "s", "n", Some("T1"));
        assert!(url.starts_with("http://127.0.0.1:4000/openid/connect/authorize?response_type=code&scope=openid+email+profile"), "{url}");
        assert!(url.ends_with("&team=T1"));
    }
}
