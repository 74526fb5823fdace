//! `/hallway help`: what the command can do, answered without a read.

use hallway::slack::messages::{context, escape, reply, section};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help;

impl Help {
    /// `command` is the command as the workspace named it (`/hallway`, or
    /// another name an admin gave it in the manifest).
    pub fn apply(&self, command: &str) -> Value {
        let c = escape(command);
        let md = format!(
            "*{c}* pulls Slack colleagues into a room of your virtual office.\n\
             • `{c}` calls this channel to the largest empty room\n\
             • `{c} @ada @bob` invites people by DM (to the largest empty room)\n\
             • `{c} @ada 'Main Office' Kitchen` invites them to a room of a space\n\
             • `{c} 'Main Office' Kitchen` maps this channel to that room and invites its members\n\
             • `{c} ?` opens a form to pick people, a room and a note (so does `{c}` alone in a DM with the app, and the *Meet in hallway* shortcut)\n\
             • `{c} help` shows this"
        );
        let blocks = vec![
            section(&md).into(),
            context(
                "Names with spaces go in quotes. Without a space name, the channel's room or your workspace's first space is used.",
            ),
        ];
        reply(true, &format!("How to use {command}"), blocks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_ephemeral_and_names_the_command() {
        let v = Help.apply("/meet");
        assert_eq!(v["response_type"], "ephemeral");
        assert_eq!(v["text"], "How to use /meet");
        assert!(
            v["blocks"][0]["text"]["text"]
                .as_str()
                .unwrap()
                .contains("`/meet @ada @bob`")
        );
    }
}
