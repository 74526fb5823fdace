//! The clock port. Everything time-dependent (signature windows, TTLs, token
//! expiry) reads time through [`Clock`] so tests can pin or move it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now_millis(&self) -> i64;

    fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    pub fn at_secs(secs: i64) -> Self {
        Self {
            millis: AtomicI64::new(secs * 1000),
        }
    }

    /// Starts at the current system time, then stays there until moved.
    pub fn now() -> Self {
        Self {
            millis: AtomicI64::new(SystemClock.now_millis()),
        }
    }

    pub fn set_secs(&self, secs: i64) {
        self.millis.store(secs * 1000, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.millis.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }
}

impl<C: Clock> Clock for Arc<C> {
    fn now_millis(&self) -> i64 {
        (**self).now_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at_secs(1_531_420_618);
        assert_eq!(clock.now_secs(), 1_531_420_618);
        clock.advance_secs(301);
        assert_eq!(clock.now_secs(), 1_531_420_919);
        clock.set_secs(5);
        assert_eq!(clock.now_millis(), 5_000);
    }

    #[test]
    fn negative_millis_round_down_to_whole_seconds() {
        let clock = ManualClock::default();
        clock.millis.store(-1, Ordering::SeqCst);
        assert_eq!(clock.now_secs(), -1);
    }
}

/// Milliseconds since the epoch as an RFC 3339 UTC time, for pages.
pub fn iso_time(millis: i64) -> String {
    use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
    DateTime::from_millis(millis)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| millis.to_string())
}

#[cfg(test)]
mod iso_tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(iso_time(1_732_438_800_123), "2024-11-24T09:00:00.123Z");
    }
}
