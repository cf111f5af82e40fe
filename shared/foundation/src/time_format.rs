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

/// The years an instant a client sends may fall in, in UTC: every one of
/// them is written as a 20-character RFC 3339 time that sorts as it should
/// in the table's keys.
pub const CLIENT_YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Reads an RFC 3339 instant a client sent, as UTC; `None` when it is not
/// RFC 3339, or when its UTC form leaves [`CLIENT_YEARS`]
/// (`9999-12-31T23:59:59-23:59`, `0000-01-01T00:00:00+01:00`).
pub fn parse_client_instant(raw: &str) -> Option<OffsetDateTime> {
    let utc = to_utc(OffsetDateTime::parse(raw, &Rfc3339).ok()?)?;
    CLIENT_YEARS.contains(&utc.year()).then_some(utc)
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
    fn client_instants_are_utc_and_within_the_writable_years() {
        assert_eq!(
            parse_client_instant("2026-11-30T19:30:05+01:00"),
            Some(datetime!(2026-11-30 18:30:05 UTC))
        );
        assert_eq!(parse_client_instant("9999-12-31T23:59:59-23:59"), None, "beyond year 9999 in UTC");
        assert_eq!(parse_client_instant("0000-01-01T00:00:00+01:00"), None, "year -1 in UTC");
        assert_eq!(parse_client_instant("1969-12-31T23:59:59Z"), None);
        assert_eq!(parse_client_instant("tomorrow"), None);
        let last = parse_client_instant("9999-12-31T23:59:59Z").expect("the last writable second");
        assert_eq!(rfc3339(last), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn instants_outside_the_utc_range_do_not_panic() {
        assert_eq!(to_utc(datetime!(9999-12-31 23:59:59 -23:59)), None);
        assert_eq!(rfc3339(datetime!(9999-12-31 23:59:59 -23:59)), "");
    }
}
