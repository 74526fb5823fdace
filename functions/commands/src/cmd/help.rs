//! `/hallway help`: what the command can do, answered from one read (the
//! caller's language).

use hallway::i18n::Locale;
use hallway::slack::messages::{context, escape, reply, section};
use hallway::t;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help;

impl Help {
    /// `command` is the command as the workspace named it (`/hallway`, or
    /// another name an admin gave it in the manifest).
    pub fn apply(&self, command: &str, l: Locale) -> Value {
        let md = t!(l, "help-body", command = escape(command));
        let blocks = vec![section(&md).into(), context(&t!(l, "help-hint"))];
        reply(true, &t!(l, "help-title", command = command), blocks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_ephemeral_and_names_the_command() {
        let v = Help.apply("/meet", Locale::En);
        assert_eq!(v["response_type"], "ephemeral");
        assert_eq!(v["text"], "How to use /meet");
        assert!(
            v["blocks"][0]["text"]["text"]
                .as_str()
                .unwrap()
                .contains("`/meet @ada @bob`")
        );
        let sv = Help.apply("/meet", Locale::Sv);
        assert_eq!(sv["text"], "Så använder du /meet");
    }
}
