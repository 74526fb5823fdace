//! What Slack users read, in their language: Project Fluent catalogues
//! (`shared/locales/{en,sv}/*.ftl`, one file per surface), English the
//! fallback for a message a catalogue lacks (a test fails when one does).
//!
//! Whose language: a Slack user's `locale` from `users.list` / `users.info`
//! with `include_locale` (an IETF tag such as `sv-SE`; opt-in, "If you
//! don't include the parameter, no locale will be provided",
//! api.slack.com/changelog/2017-09-locale-locale-locale), kept in the
//! directory's partition ([`crate::store::directory::Directory::locale`]);
//! `link_shared`'s `user_locale`; a browser's `Accept-Language` for pages.
//! Interaction payloads and slash commands carry no locale.
//!
//! # Layout
//! - `commands.ftl`: `/hallway`'s replies, refusals and help.
//! - `modal.ftl`: the "Meet in hallway" form and its notices.
//! - `messages.ftl`: DMs, calls, summaries, the Home tab, unfurls, step
//!   errors (the worker's).
//! - `pages.ftl`: the pages at the end of Slack round trips.
//!
//! Arguments are inserted as given: mrkdwn text is escaped by the caller,
//! and Fluent's bidi isolation marks are off (Slack would show them).

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

pub use fluent_bundle::FluentValue;

/// A language hallway speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Sv,
}

/// Every catalogue file, by locale: `(locale, file, text)`.
pub const FILES: &[(Locale, &str, &str)] = &[
    (
        Locale::En,
        "commands",
        include_str!("../locales/en/commands.ftl"),
    ),
    (Locale::En, "modal", include_str!("../locales/en/modal.ftl")),
    (
        Locale::En,
        "messages",
        include_str!("../locales/en/messages.ftl"),
    ),
    (Locale::En, "pages", include_str!("../locales/en/pages.ftl")),
    (
        Locale::Sv,
        "commands",
        include_str!("../locales/sv/commands.ftl"),
    ),
    (Locale::Sv, "modal", include_str!("../locales/sv/modal.ftl")),
    (
        Locale::Sv,
        "messages",
        include_str!("../locales/sv/messages.ftl"),
    ),
    (Locale::Sv, "pages", include_str!("../locales/sv/pages.ftl")),
];

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Sv];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Sv => "sv",
        }
    }

    /// A Slack `locale` (`sv-SE`, `en-US`, …): its language if hallway
    /// speaks it, else English.
    pub fn from_tag(tag: &str) -> Locale {
        Self::supported(tag).unwrap_or_default()
    }

    fn supported(tag: &str) -> Option<Locale> {
        let lang: LanguageIdentifier = tag.trim().parse().ok()?;
        match lang.language.as_str() {
            "sv" => Some(Locale::Sv),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best of a browser's `Accept-Language` (RFC 9110 §12.5.4:
    /// tags with optional `q` weights) that hallway speaks, else English.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut bits = part.split(';');
            let tag = bits.next().unwrap_or("").trim();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(l) = Self::supported(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

fn bundle(locale: Locale) -> FluentBundle<FluentResource> {
    let lang: LanguageIdentifier = locale.tag().parse().expect("a valid tag");
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    bundle.set_use_isolating(false);
    for (l, name, text) in FILES {
        if *l != locale {
            continue;
        }
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(_, errors)| {
            panic!("{}/{name}.ftl does not parse: {errors:?}", l.tag())
        });
        bundle.add_resource(resource).unwrap_or_else(|errors| {
            panic!("{}/{name}.ftl repeats a message: {errors:?}", l.tag())
        });
    }
    bundle
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| [bundle(Locale::En), bundle(Locale::Sv)]);

fn of(locale: Locale) -> &'static FluentBundle<FluentResource> {
    &BUNDLES[match locale {
        Locale::En => 0,
        Locale::Sv => 1,
    }]
}

/// Message `key` in `locale` with `args`; English when the locale's
/// catalogue lacks it, the key itself when English does too.
pub fn text(locale: Locale, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    for l in [locale, Locale::En] {
        let bundle = of(l);
        if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let out = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                tracing::warn!(
                    key,
                    locale = l.tag(),
                    ?errors,
                    "a message did not format cleanly"
                );
            }
            return out.into_owned();
        }
    }
    tracing::error!(key, "no catalogue has this message");
    key.to_owned()
}

/// `t!(locale, "key")`, `t!(locale, "key", name = value, …)`: a message
/// of the catalogues ([`text`]). Values are strings or numbers.
#[macro_export]
macro_rules! t {
    ($locale:expr, $key:expr) => {
        $crate::i18n::text($locale, $key, &[])
    };
    ($locale:expr, $key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::text(
            $locale,
            $key,
            &[$((stringify!($name), $crate::i18n::FluentValue::from($value))),+],
        )
    };
}

/// The message ids of one catalogue file, in order.
pub fn ids(text: &str) -> Vec<String> {
    let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r);
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every message of every catalogue exists in every locale: a key
    /// missing anywhere fails here, by file and name.
    #[test]
    fn every_catalogue_has_every_message() {
        let files: BTreeSet<&str> = FILES.iter().map(|(_, f, _)| *f).collect();
        for file in files {
            let of = |l: Locale| -> BTreeSet<String> {
                FILES
                    .iter()
                    .filter(|(fl, f, _)| *fl == l && *f == file)
                    .flat_map(|(_, _, text)| ids(text))
                    .collect()
            };
            let en = of(Locale::En);
            assert!(!en.is_empty(), "{file}.ftl has no messages");
            for l in Locale::ALL {
                let here = of(l);
                let missing: Vec<_> = en.difference(&here).collect();
                let extra: Vec<_> = here.difference(&en).collect();
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{}/{file}.ftl: missing {missing:?}, not in English {extra:?}",
                    l.tag()
                );
            }
        }
        // And each parses, with no message twice.
        for l in Locale::ALL {
            let _ = of(l);
        }
    }

    /// Every key the code asks for exists in English (so in every
    /// catalogue, by the test above): the sources are scanned for `t!(…,
    /// "key"` and `text(…, "key"`.
    #[test]
    fn every_key_the_code_uses_exists() {
        let known: BTreeSet<String> = FILES
            .iter()
            .filter(|(l, _, _)| *l == Locale::En)
            .flat_map(|(_, _, text)| ids(text))
            .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut used = BTreeSet::new();
        for dir in ["shared/src", "functions"] {
            scan(&root.join(dir), &mut used);
        }
        assert!(used.len() > 20, "the scan found only {used:?}");
        let missing: Vec<_> = used.difference(&known).collect();
        assert!(
            missing.is_empty(),
            "keys used but in no catalogue: {missing:?}"
        );
    }

    fn scan(dir: &std::path::Path, used: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                scan(&path, used);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for (at, _) in src.match_indices("t!(") {
                    // `t!(`, not `format!(` or `print!(`, and not in a comment.
                    let prev = src[..at].chars().next_back();
                    if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
                    if src[line_start..at].trim_start().starts_with("//") {
                        continue;
                    }
                    // The key is the first string literal after the locale.
                    let rest = &src[at..];
                    let Some(open) = rest.find('"') else { continue };
                    let Some(len) = rest[open + 1..].find('"') else {
                        continue;
                    };
                    let key = &rest[open + 1..open + 1 + len];
                    let before = &rest[..open];
                    if before.contains(',')
                        && !before.contains(';')
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        used.insert(key.to_owned());
                    }
                }
            }
        }
    }

    #[test]
    fn languages_come_from_slack_tags_and_browsers() {
        assert_eq!(Locale::from_tag("sv-SE"), Locale::Sv);
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag("fr-FR"), Locale::En);
        assert_eq!(Locale::from_tag("nonsense tag"), Locale::En);
        assert_eq!(
            Locale::from_accept_language("sv-SE,sv;q=0.9,en;q=0.8"),
            Locale::Sv
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, en;q=0.5, sv;q=0.7"),
            Locale::Sv
        );
        assert_eq!(Locale::from_accept_language("de, sv;q=0"), Locale::En);
        assert_eq!(Locale::from_accept_language(""), Locale::En);
    }
}
