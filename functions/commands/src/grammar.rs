//! The `/hallway` grammar: `/hallway [@user …] [space name] [room name]`,
//! or `help`.
//!
//! Slack sends the text after the command with "Escape channels, users, and
//! links" on (our manifest turns it on): people arrive as `<@U123>` or
//! `<@U123|name>` (Enterprise ids start with `W`), channels as `<#C1|name>`,
//! links as `<https://…>`, and `&`, `<`, `>` as entities. Names are bare words
//! or quoted with `'…'`, `"…"`, `‘…’` or `“…”` (clients turn quotes curly).
//!
//! The parser only splits and checks; which words are a space and which a
//! room is for `crate::resolve` to decide against the real names (see
//! [`name_splits`]).

use hallway::ids::UserId;

/// A name as typed: quoted names are taken whole; bare words may combine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub quoted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Help,
    Run {
        /// People to invite, in order, without repeats.
        mentions: Vec<UserId>,
        names: Vec<Name>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrammarError {
    #[error("a quote opened with {0} is not closed")]
    UnclosedQuote(char),
    #[error("{0} is not a person hallway can invite")]
    BadMention(String),
    #[error("invite people, not channels: mention each person with @")]
    ChannelMention,
    #[error("@{0} cannot be invited that way: mention each person with @")]
    SpecialMention(String),
    #[error("links cannot be invited: mention people with @, then a space and a room")]
    Link,
    #[error("{0} was not recognised as a mention: pick the person from Slack's @ suggestions")]
    PlainAt(String),
}

/// Quote pairs: opening → closing.
fn closing_quote(open: char) -> Option<char> {
    match open {
        '\'' => Some('\''),
        '"' => Some('"'),
        '‘' => Some('’'),
        '“' => Some('”'),
        // Some clients open with the low or reversed forms.
        '„' => Some('“'),
        '‚' => Some('‘'),
        _ => None,
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn mention(inner: &str) -> Result<UserId, GrammarError> {
    // inner is what sits between "<@" and ">": "U123" or "U123|name".
    let id = inner.split('|').next().unwrap_or("");
    let ok = id.len() >= 2
        && (id.starts_with('U') || id.starts_with('W'))
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok {
        return Err(GrammarError::BadMention(format!("<@{inner}>")));
    }
    UserId::new(id).map_err(|_| GrammarError::BadMention(format!("<@{inner}>")))
}

pub fn parse(text: &str) -> Result<Parsed, GrammarError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("help") || text == "?" {
        return Ok(Parsed::Help);
    }
    let mut mentions: Vec<UserId> = Vec::new();
    let mut names = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '<' {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '>')
                .map(|p| i + p)
                .ok_or_else(|| GrammarError::BadMention(chars[i..].iter().collect()))?;
            let inner: String = chars[i + 1..end].iter().collect();
            match inner.chars().next() {
                Some('@') => {
                    let id = mention(&inner[1..])?;
                    if !mentions.contains(&id) {
                        mentions.push(id);
                    }
                }
                Some('#') => return Err(GrammarError::ChannelMention),
                Some('!') => {
                    let what = inner[1..].split('|').next().unwrap_or("").to_owned();
                    return Err(GrammarError::SpecialMention(what));
                }
                _ => return Err(GrammarError::Link),
            }
            i = end + 1;
            continue;
        }
        if let Some(close) = closing_quote(c) {
            let start = i + 1;
            let end = chars[start..]
                .iter()
                .position(|&x| {
                    x == close || (close == '’' && x == '\'') || (close == '”' && x == '"')
                })
                .map(|p| start + p)
                .ok_or(GrammarError::UnclosedQuote(c))?;
            let text: String = chars[start..end].iter().collect();
            let text = unescape(text.trim());
            if !text.is_empty() {
                names.push(Name { text, quoted: true });
            }
            i = end + 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '<' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if word.starts_with('@') && word.len() > 1 {
            return Err(GrammarError::PlainAt(word));
        }
        names.push(Name {
            text: unescape(&word),
            quoted: false,
        });
    }
    Ok(Parsed::Run { mentions, names })
}

/// The ways a run of names can be read as `(space, room)`: quoted names stay
/// whole; neighbouring bare words may form one name. For `a b c` (all bare)
/// this gives `("a b c", -)`, `("a", "b c")`, `("a b", "c")`, and so on; the
/// router keeps the first reading whose names exist.
pub fn name_splits(names: &[Name]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    if names.is_empty() {
        return out;
    }
    // Group consecutive bare words; a quoted name is a group of its own.
    let join = |slice: &[Name]| -> Option<String> {
        if slice.len() > 1 && slice.iter().any(|n| n.quoted) {
            return None;
        }
        Some(
            slice
                .iter()
                .map(|n| n.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    if let Some(all) = join(names) {
        out.push((all, None));
    }
    for cut in 1..names.len() {
        if let (Some(a), Some(b)) = (join(&names[..cut]), join(&names[cut..])) {
            out.push((a, Some(b)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Vec<String>, Vec<(String, bool)>) {
        match parse(text).unwrap() {
            Parsed::Run { mentions, names } => (
                mentions.into_iter().map(String::from).collect(),
                names.into_iter().map(|n| (n.text, n.quoted)).collect(),
            ),
            Parsed::Help => panic!("help"),
        }
    }

    #[test]
    fn empty_and_help() {
        assert_eq!(run(""), (vec![], vec![]));
        assert_eq!(run("   "), (vec![], vec![]));
        assert_eq!(parse("help").unwrap(), Parsed::Help);
        assert_eq!(parse(" HELP ").unwrap(), Parsed::Help);
        assert_eq!(parse("?").unwrap(), Parsed::Help);
    }

    #[test]
    fn mentions_in_both_escaped_forms_and_enterprise_ids() {
        let (m, n) = run("<@U012ABCDEF> <@U0B|bob> <@W0ENT|ent user>");
        assert_eq!(m, ["U012ABCDEF", "U0B", "W0ENT"]);
        assert!(n.is_empty());
        let (m, _) = run("<@U1><@U2>");
        assert_eq!(m, ["U1", "U2"], "no space needed between mentions");
        let (m, _) = run("<@U1> <@U1|again>");
        assert_eq!(m, ["U1"], "repeats are dropped");
    }

    #[test]
    fn names_bare_and_quoted_in_every_style() {
        assert_eq!(
            run("HQ Kitchen").1,
            [("HQ".into(), false), ("Kitchen".into(), false)]
        );
        assert_eq!(
            run("'Main Office' \"Big Hall\"").1,
            [("Main Office".into(), true), ("Big Hall".into(), true)]
        );
        assert_eq!(
            run("‘Main Office’ “Big Hall”").1,
            [("Main Office".into(), true), ("Big Hall".into(), true)]
        );
        assert_eq!(run("„Low Quote“").1, [("Low Quote".into(), true)]);
        // Mixed: a curly open closed by a straight quote.
        assert_eq!(run("‘Main Office'").1, [("Main Office".into(), true)]);
        assert_eq!(
            run("R&amp;D 'Q&amp;A'").1,
            [("R&D".into(), false), ("Q&A".into(), true)]
        );
    }

    #[test]
    fn mentions_and_names_together() {
        let (m, n) = run("<@U1|ada> <@U2> 'HQ' Kitchen");
        assert_eq!(m, ["U1", "U2"]);
        assert_eq!(n, [("HQ".into(), true), ("Kitchen".into(), false)]);
        let (m, n) = run("Kitchen <@U3>");
        assert_eq!((m, n.len()), (vec!["U3".to_string()], 1));
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(parse("'HQ Kitchen"), Err(GrammarError::UnclosedQuote('\'')));
        assert_eq!(parse("“HQ"), Err(GrammarError::UnclosedQuote('“')));
        assert_eq!(parse("<#C123|general>"), Err(GrammarError::ChannelMention));
        assert_eq!(
            parse("<!channel>"),
            Err(GrammarError::SpecialMention("channel".into()))
        );
        assert_eq!(
            parse("<!subteam^S1|@devs>"),
            Err(GrammarError::SpecialMention("subteam^S1".into()))
        );
        assert_eq!(parse("<https://x.example>"), Err(GrammarError::Link));
        assert_eq!(parse("@bob"), Err(GrammarError::PlainAt("@bob".into())));
        assert!(matches!(parse("<@u1>"), Err(GrammarError::BadMention(_))));
        assert!(matches!(parse("<@C1>"), Err(GrammarError::BadMention(_))));
        assert!(matches!(parse("<@U1"), Err(GrammarError::BadMention(_))));
    }

    #[test]
    fn splits_keep_quoted_names_whole() {
        let bare = |t: &str| Name {
            text: t.into(),
            quoted: false,
        };
        let quoted = |t: &str| Name {
            text: t.into(),
            quoted: true,
        };
        assert_eq!(
            name_splits(&[bare("Main"), bare("Office"), bare("Kitchen")]),
            vec![
                ("Main Office Kitchen".into(), None),
                ("Main".into(), Some("Office Kitchen".into())),
                ("Main Office".into(), Some("Kitchen".into())),
            ]
        );
        assert_eq!(
            name_splits(&[quoted("Main Office"), bare("Kitchen")]),
            vec![("Main Office".into(), Some("Kitchen".into()))]
        );
        assert!(name_splits(&[]).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,80}") {
            let _ = parse(&text);
        }

        #[test]
        fn what_is_rendered_parses_back(
            ids in proptest::collection::vec("[UW][A-Z0-9]{1,10}", 0..4),
            names in proptest::collection::vec("[A-Za-z0-9][A-Za-z0-9 &]{0,12}[A-Za-z0-9]", 0..3),
            labels in proptest::bool::ANY,
        ) {
            let mut text = String::new();
            for id in &ids {
                if labels { text.push_str(&format!("<@{id}|someone> ")) } else { text.push_str(&format!("<@{id}> ")) }
            }
            for n in &names {
                text.push_str(&format!("'{}' ", n.replace('&', "&amp;")));
            }
            let Parsed::Run { mentions, names: got } = parse(&text).unwrap() else { panic!("help") };
            let mut want: Vec<String> = Vec::new();
            for id in &ids { if !want.contains(id) { want.push(id.clone()); } }
            proptest::prop_assert_eq!(mentions.iter().map(|m| m.to_string()).collect::<Vec<_>>(), want);
            proptest::prop_assert_eq!(got.iter().map(|n| n.text.clone()).collect::<Vec<_>>(), names.iter().map(|n| n.trim().to_string()).collect::<Vec<_>>());
        }
    }
}
