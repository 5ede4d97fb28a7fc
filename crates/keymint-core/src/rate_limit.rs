//! A sliding-window limit on how often something may happen: the desktop app allows a handful
//! of secret reveals a minute, so a script in its web view cannot read the whole inventory in
//! one go (SPEC §5). Counted in memory, per process: a restart starts afresh, which costs an
//! attacker a visible window restart.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// At most `limit` events in any `window`; the ones past it are refused until the oldest
/// leaves the window.
#[derive(Debug)]
pub struct RateLimiter {
    what: &'static str,
    limit: usize,
    window: Duration,
    /// When the events in the current window happened, oldest first.
    recent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    /// A limit of `limit` events per `window`; `what` names them in the refusal ("reveals").
    pub fn new(what: &'static str, limit: usize, window: Duration) -> Self {
        Self {
            what,
            limit,
            window,
            recent: Mutex::new(VecDeque::with_capacity(limit)),
        }
    }

    /// Counts one event now, or refuses it with [`Error::RateLimited`] saying when to retry.
    pub fn acquire(&self) -> Result<()> {
        self.acquire_at(Instant::now())
    }

    /// As [`RateLimiter::acquire`], at `now` (monotonic; tests pass their own).
    pub fn acquire_at(&self, now: Instant) -> Result<()> {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        while recent
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.window)
        {
            recent.pop_front();
        }
        if recent.len() < self.limit {
            recent.push_back(now);
            return Ok(());
        }
        let wait = recent.front().map_or(self.window, |&oldest| {
            self.window
                .saturating_sub(now.saturating_duration_since(oldest))
        });
        // Whole seconds, rounded up: "try again in 0 s" would be wrong.
        let wait = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        Err(Error::RateLimited(format!(
            "too many {}: at most {} in {} s; try again in {wait} s",
            self.what,
            self.limit,
            self.window.as_secs()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn allows_the_limit_then_refuses_with_when_to_retry() {
        let limiter = RateLimiter::new("reveals", 5, MINUTE);
        let start = Instant::now();
        for i in 0..5 {
            limiter
                .acquire_at(start + Duration::from_secs(i))
                .expect("within the limit");
        }
        let refused = limiter
            .acquire_at(start + Duration::from_secs(10))
            .expect_err("the sixth in a minute");
        assert_eq!(refused.code(), ErrorCode::RateLimited);
        // The first leaves the window at start + 60 s: 50 s from now.
        assert_eq!(
            refused.to_string(),
            "too many reveals: at most 5 in 60 s; try again in 50 s"
        );
        let refused = limiter
            .acquire_at(start + Duration::from_millis(10_500))
            .expect_err("still the sixth");
        assert!(
            refused.to_string().ends_with("try again in 50 s"),
            "{refused}"
        );
    }

    #[test]
    fn the_window_slides() {
        let limiter = RateLimiter::new("reveals", 2, MINUTE);
        let start = Instant::now();
        limiter.acquire_at(start).expect("first");
        limiter
            .acquire_at(start + Duration::from_secs(30))
            .expect("second");
        assert!(limiter.acquire_at(start + Duration::from_secs(59)).is_err());
        // The first has left the window; the second is still in it.
        limiter
            .acquire_at(start + MINUTE)
            .expect("a slot came free");
        assert!(limiter.acquire_at(start + MINUTE).is_err());
        limiter
            .acquire_at(start + Duration::from_secs(90))
            .expect("the second left too");
    }

    #[test]
    fn refusals_do_not_count() {
        let limiter = RateLimiter::new("reveals", 1, MINUTE);
        let start = Instant::now();
        limiter.acquire_at(start).expect("first");
        for s in 1..60 {
            assert!(limiter.acquire_at(start + Duration::from_secs(s)).is_err());
        }
        limiter
            .acquire_at(start + MINUTE)
            .expect("refused attempts did not extend the wait");
    }

    #[test]
    fn a_limit_of_zero_refuses_everything() {
        let limiter = RateLimiter::new("reveals", 0, MINUTE);
        assert!(limiter.acquire().is_err());
    }
}
