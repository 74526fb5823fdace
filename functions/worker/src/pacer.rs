//! The rate gate, per team and Web API method (Slack's limits are per
//! method: a 429 from Tier 2's `users.list` must not hold back the team's
//! DMs). When Slack answers 429 with `Retry-After`, no other job of this
//! sandbox calls that method for that team until the time is up: they go
//! back to the queue with the remaining wait instead, so a batch of ten
//! costs one 429, not ten.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hallway::ids::TeamId;

#[derive(Debug, Default)]
pub struct Pacer {
    blocked: Mutex<HashMap<(TeamId, &'static str), Instant>>,
}

impl Pacer {
    /// How long the team's calls to `method` are still blocked for.
    pub fn wait(&self, team: &TeamId, method: &'static str) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        let until = *blocked.get(&(team.clone(), method))?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    /// Blocks the team's calls to `method` for `d` (extending, never
    /// shortening, a block).
    pub fn block(&self, team: &TeamId, method: &'static str, d: Duration) {
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + d;
        let entry = blocked.entry((team.clone(), method)).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_per_team_and_method_and_lapse() {
        const POST: &str = "chat.postMessage";
        let p = Pacer::default();
        let (a, b) = (TeamId::new("TA").unwrap(), TeamId::new("TB").unwrap());
        assert_eq!(p.wait(&a, POST), None);
        p.block(&a, POST, Duration::from_secs(30));
        assert!(p.wait(&a, POST).unwrap() > Duration::from_secs(29));
        assert_eq!(p.wait(&b, POST), None);
        assert_eq!(p.wait(&a, "users.list"), None);
        p.block(&a, POST, Duration::from_secs(1));
        assert!(
            p.wait(&a, POST).unwrap() > Duration::from_secs(29),
            "never shortened"
        );
        p.block(&b, POST, Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(p.wait(&b, POST), None);
    }
}
