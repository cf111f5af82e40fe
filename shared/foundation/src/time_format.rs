//! The one home of the time formats written to the table and the wire:
//! RFC 3339 instants, the due index's minute bucket and ISO dates.
//!
//! None of them panics: an instant whose UTC form falls outside the years
//! `time` can represent gives `None`, and callers refuse it at their edge.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// `at` in UTC, or `None` when the conversion leaves the representable range
/// (e.g. `9999-12-31T23:59:59-23:59`).
pub fn to_utc(at: OffsetDateTime) -> Option<OffsetDateTime> {
    at.checked_to_offset(UtcOffset::UTC)
}

/// RFC 3339 in UTC (`2026-11-30T18:00:00Z`); empty when `at` cannot be
/// expressed in UTC or has a year outside 0000..=9999, which RFC 3339 cannot
/// write. Values reaching here come from our own clock or a parsed, range-checked input.
pub fn rfc3339(at: OffsetDateTime) -> String {
    to_utc(at).and_then(|utc| utc.format(&Rfc3339).ok()).unwrap_or_default()
}

/// Minute bucket of the due index: `YYYY-MM-DDTHH:MM` in UTC.
pub fn minute_bucket(at: OffsetDateTime) -> String {
    let at = to_utc(at).unwrap_or(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// `YYYY-MM-DD`.
pub fn iso_date(date: Date) -> String {
    date.format(DATE).unwrap_or_default()
}

/// Reads a `YYYY-MM-DD` date.
pub fn parse_iso_date(raw: &str) -> Result<Date, time::error::Parse> {
    Date::parse(raw, DATE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_are_written_in_utc() {
        assert_eq!(rfc3339(datetime!(2026-11-30 19:30:05 +01:00)), "2026-11-30T18:30:05Z");
        assert_eq!(minute_bucket(datetime!(2026-11-30 19:30:59 +01:00)), "2026-11-30T18:30");
        assert_eq!(iso_date(datetime!(2026-02-03 0:00 UTC).date()), "2026-02-03");
    }

    #[test]
    fn instants_outside_the_utc_range_do_not_panic() {
        assert_eq!(to_utc(datetime!(9999-12-31 23:59:59 -23:59)), None);
        assert_eq!(rfc3339(datetime!(9999-12-31 23:59:59 -23:59)), "");
    }
}
