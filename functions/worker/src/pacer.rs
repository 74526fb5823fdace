//! The per-team rate gate. When Slack answers 429 with `Retry-After`, no
//! other job of this sandbox calls Slack for that team until the time is up:
//! they go back to the queue with the remaining wait instead, so a batch of
//! ten costs one 429, not ten.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hallway::ids::TeamId;

#[derive(Debug, Default)]
pub struct Pacer {
    blocked: Mutex<HashMap<TeamId, Instant>>,
}

impl Pacer {
    /// How long the team is still blocked for, if it is.
    pub fn wait(&self, team: &TeamId) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        let until = *blocked.get(team)?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    /// Blocks the team for `d` (extending, never shortening, a block).
    pub fn block(&self, team: &TeamId, d: Duration) {
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + d;
        let entry = blocked.entry(team.clone()).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_per_team_and_lapse() {
        let p = Pacer::default();
        let (a, b) = (TeamId::new("TA").unwrap(), TeamId::new("TB").unwrap());
        assert_eq!(p.wait(&a), None);
        p.block(&a, Duration::from_secs(30));
        assert!(p.wait(&a).unwrap() > Duration::from_secs(29));
        assert_eq!(p.wait(&b), None);
        p.block(&a, Duration::from_secs(1));
        assert!(
            p.wait(&a).unwrap() > Duration::from_secs(29),
            "never shortened"
        );
        p.block(&b, Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(p.wait(&b), None);
    }
}
