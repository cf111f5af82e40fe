//! The date window of an analysis: whole UTC days, start and end included.
//!
//! An analysis covers the `days` complete UTC days ending yesterday, so a
//! window (and its cache key) stays the same all day and its last day is not
//! a partial one that would bend the trend. The Research API takes at most
//! [`tiktok::research::RESEARCH_MAX_SPAN_DAYS`] days between
//! `start_date` and `end_date`; [`Window::split`] cuts longer windows.

use foundation::time_format::iso_date;
use foundation::time_format::parse_iso_date;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

/// Longest window the library accepts (the HTTP surface allows 7..=30).
pub const MAX_WINDOW_DAYS: u16 = 90;

const DAY_SECS: i64 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a window has 1 to {MAX_WINDOW_DAYS} days")]
pub struct WindowError;

/// Whole UTC days `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WindowWire", into = "WindowWire")]
pub struct Window {
    start: Date,
    end: Date,
}

impl Window {
    /// `days` whole days ending with `end`.
    pub fn ending(end: Date, days: u16) -> Result<Self, WindowError> {
        if !(1..=MAX_WINDOW_DAYS).contains(&days) {
            return Err(WindowError);
        }
        let start = end.checked_sub(Duration::days(i64::from(days) - 1)).ok_or(WindowError)?;
        Ok(Self { start, end })
    }

    /// The `days` complete UTC days before `now`'s day.
    pub fn last_complete_days(now: OffsetDateTime, days: u16) -> Result<Self, WindowError> {
        let yesterday = now.to_offset(time::UtcOffset::UTC).date().previous_day().ok_or(WindowError)?;
        Self::ending(yesterday, days)
    }

    pub fn start(&self) -> Date {
        self.start
    }

    pub fn end(&self) -> Date {
        self.end
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).whole_days() + 1
    }

    /// First second of the window (unix seconds).
    pub fn start_ts(&self) -> i64 {
        self.start.midnight().assume_utc().unix_timestamp()
    }

    /// First second after the window (unix seconds).
    pub fn end_ts_exclusive(&self) -> i64 {
        self.end.midnight().assume_utc().unix_timestamp() + DAY_SECS
    }

    pub fn contains(&self, unix_secs: i64) -> bool {
        (self.start_ts()..self.end_ts_exclusive()).contains(&unix_secs)
    }

    /// Index of the day holding `unix_secs`, if inside the window.
    pub fn day_index(&self, unix_secs: i64) -> Option<usize> {
        self.contains(unix_secs).then(|| ((unix_secs - self.start_ts()) / DAY_SECS) as usize)
    }

    /// Every date of the window, in order.
    pub fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        (0..self.days()).filter_map(move |i| self.start.checked_add(Duration::days(i)))
    }

    /// Consecutive, non-overlapping windows covering this one, each with at
    /// most `max_span_days` days between its start and end dates.
    pub fn split(&self, max_span_days: i64) -> Vec<Window> {
        let step = max_span_days.max(0) + 1;
        let mut parts = Vec::new();
        let mut start = self.start;
        while start <= self.end {
            let end = start.checked_add(Duration::days(step - 1)).map_or(self.end, |d| d.min(self.end));
            parts.push(Window { start, end });
            match end.next_day() {
                Some(next) => start = next,
                None => break,
            }
        }
        parts
    }

    /// `count` consecutive sub-windows of (nearly) equal length; fewer when
    /// the window has fewer days.
    pub fn strata(&self, count: u32) -> Vec<Window> {
        let count = i64::from(count.max(1)).min(self.days());
        let days = self.days();
        (0..count)
            .filter_map(|i| {
                let from = self.start.checked_add(Duration::days(i * days / count))?;
                let to = self.start.checked_add(Duration::days((i + 1) * days / count - 1))?;
                Some(Window { start: from, end: to })
            })
            .collect()
    }
}

/// `{"start": "2025-01-01", "end": "2025-01-30", "days": 30}` on the wire:
/// whole UTC days, both ends included.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Window)]
pub struct WindowWire {
    #[schema(format = Date)]
    start: String,
    #[schema(format = Date)]
    end: String,
    days: i64,
}

impl From<Window> for WindowWire {
    fn from(w: Window) -> Self {
        Self { start: iso_date(w.start), end: iso_date(w.end), days: w.days() }
    }
}

impl TryFrom<WindowWire> for Window {
    type Error = String;

    fn try_from(wire: WindowWire) -> Result<Self, Self::Error> {
        let start = parse_iso_date(&wire.start).map_err(|e| e.to_string())?;
        let end = parse_iso_date(&wire.end).map_err(|e| e.to_string())?;
        if end < start {
            return Err("window ends before it starts".into());
        }
        Ok(Self { start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn last_complete_days_end_yesterday() {
        let w = Window::last_complete_days(datetime!(2025-03-10 15:00 UTC), 7).expect("valid");
        assert_eq!((w.start(), w.end(), w.days()), (date!(2025 - 03 - 03), date!(2025 - 03 - 09), 7));
        assert!(w.contains(datetime!(2025-03-09 23:59:59 UTC).unix_timestamp()));
        assert!(!w.contains(datetime!(2025-03-10 00:00 UTC).unix_timestamp()));
        assert_eq!(w.day_index(datetime!(2025-03-04 01:00 UTC).unix_timestamp()), Some(1));
        assert!(Window::ending(date!(2025 - 03 - 09), 0).is_err());
        assert!(Window::ending(date!(2025 - 03 - 09), MAX_WINDOW_DAYS + 1).is_err());
    }

    #[test]
    fn thirty_days_fit_one_research_query_and_longer_windows_are_split() {
        let w30 = Window::ending(date!(2025 - 03 - 30), 30).expect("valid");
        assert_eq!(w30.split(30), vec![w30]);
        let w60 = Window::ending(date!(2025 - 03 - 30), 60).expect("valid");
        let parts = w60.split(30);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].start(), w60.start());
        assert_eq!(parts[1].end(), w60.end());
        assert_eq!(parts[0].end().next_day(), Some(parts[1].start()));
        assert!(parts.iter().all(|p| (p.end() - p.start()).whole_days() <= 30));
        assert_eq!(parts.iter().map(Window::days).sum::<i64>(), 60);
    }

    #[test]
    fn strata_cover_the_window_without_overlap() {
        let w = Window::ending(date!(2025 - 03 - 30), 30).expect("valid");
        let parts = w.strata(4);
        assert_eq!(parts.len(), 4);
        assert_eq!(parts.iter().map(Window::days).sum::<i64>(), 30);
        assert_eq!(parts[0].start(), w.start());
        assert_eq!(parts[3].end(), w.end());
        assert_eq!(Window::ending(date!(2025 - 03 - 30), 2).expect("valid").strata(5).len(), 2);
    }

    #[test]
    fn wire_form_round_trips() {
        let w = Window::ending(date!(2025 - 03 - 30), 7).expect("valid");
        let json = serde_json::to_value(w).expect("json");
        assert_eq!(json, serde_json::json!({"start": "2025-03-24", "end": "2025-03-30", "days": 7}));
        assert_eq!(serde_json::from_value::<Window>(json).expect("back"), w);
    }
}
