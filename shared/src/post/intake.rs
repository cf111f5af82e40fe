//! The rules a post must pass before it is scheduled, as pure functions over
//! the request and what the stores and TikTok said (media items, creator
//! info, the clock). Each failure names the rule and the measured value.

use foundation::text::{forbidden_char, forbidden_char_message};
use foundation::time_format::parse_client_instant;
use time::{Duration, OffsetDateTime};

use super::{PostKind, PostMode};
use crate::media::store::{MediaItem, MediaStatus};
use crate::media::MediaKind;
use tiktok::{CreatorInfo, PrivacyLevel};

pub const MAX_VIDEO_CAPTION_UTF16: usize = 2200;
pub const MAX_PHOTO_TITLE_UTF16: usize = 90;
pub const MAX_PHOTO_DESCRIPTION_UTF16: usize = 4000;
pub const MAX_PHOTOS: usize = 35;

/// When a post may be scheduled: at least `min_lead_secs` ahead (60 by
/// default: one dispatcher tick, so a post leaves on its second rather than
/// up to a tick late) and at most `horizon_days` ahead (media is kept for
/// the horizon and a margin). The api reads both from its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleWindow {
    pub min_lead_secs: u64,
    pub horizon_days: u64,
}

/// A rule a post broke: `Invalid` is a malformed request (400), `Refused` a
/// well-formed one the current state does not allow (422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeError {
    Invalid(String),
    Refused(String),
}

impl std::fmt::Display for IntakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntakeError::Invalid(m) | IntakeError::Refused(m) => f.write_str(m),
        }
    }
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, IntakeError> {
    Err(IntakeError::Invalid(msg.into()))
}

fn refused<T>(msg: impl Into<String>) -> Result<T, IntakeError> {
    Err(IntakeError::Refused(msg.into()))
}

/// Length as TikTok counts it: UTF-16 code units.
pub fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Captions are refused when too long, never truncated: a cut caption
/// would publish words the tenant did not write.
pub fn check_text(kind: PostKind, caption: &str, description: Option<&str>) -> Result<(), IntakeError> {
    let limit = match kind {
        PostKind::Video => MAX_VIDEO_CAPTION_UTF16,
        PostKind::Photo => MAX_PHOTO_TITLE_UTF16,
    };
    let name = if kind == PostKind::Video { "caption" } else { "caption (photo title)" };
    for (field, text) in [(name, Some(caption)), ("description", description)] {
        if let Some((position, c)) = text.and_then(forbidden_char) {
            return invalid(forbidden_char_message(field, position, c));
        }
    }
    let len = utf16_len(caption);
    if len > limit {
        return invalid(format!("{name} is {len} UTF-16 units; the limit is {limit}"));
    }
    match (kind, description) {
        (PostKind::Video, Some(_)) => invalid("description is for photo posts; a video has only a caption"),
        (PostKind::Photo, Some(d)) if utf16_len(d) > MAX_PHOTO_DESCRIPTION_UTF16 => invalid(format!(
            "description is {} UTF-16 units; the limit is {MAX_PHOTO_DESCRIPTION_UTF16}",
            utf16_len(d)
        )),
        _ => Ok(()),
    }
}

/// `scheduled_at`: RFC 3339, inside the schedule window.
pub fn check_schedule(
    raw: &str,
    now: OffsetDateTime,
    window: ScheduleWindow,
) -> Result<OffsetDateTime, IntakeError> {
    let ScheduleWindow { min_lead_secs, horizon_days } = window;
    let Some(at) = parse_client_instant(raw) else {
        return invalid(format!(
            "scheduled_at {raw:?} is not an RFC 3339 time between the years 1970 and 9999"
        ));
    };
    let lead = Duration::seconds(i64::try_from(min_lead_secs).unwrap_or(i64::MAX));
    if now.checked_add(lead).is_none_or(|earliest| at < earliest) {
        return invalid(format!("scheduled_at must be at least {min_lead_secs} s in the future"));
    }
    let horizon = Duration::days(i64::try_from(horizon_days).unwrap_or(i64::MAX / 86_400_000));
    if now.checked_add(horizon).is_none_or(|latest| at > latest) {
        return invalid(format!("scheduled_at is beyond the scheduling horizon of {horizon_days} days"));
    }
    Ok(at)
}

/// Media ids, before anything is read: the right count for the kind, none
/// twice. Checked first, so a request with 2,000 ids costs no I/O.
pub fn check_media_ids(kind: PostKind, ids: &[String]) -> Result<(), IntakeError> {
    let (min, max) = match kind {
        PostKind::Video => (1, 1),
        PostKind::Photo => (1, MAX_PHOTOS),
    };
    if !(min..=max).contains(&ids.len()) {
        return invalid(
            format!("a {kind:?} post takes {min}..={max} media ids, got {}", ids.len()).to_lowercase(),
        );
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(*id)) {
        return invalid(format!("media {twice} is listed twice"));
    }
    Ok(())
}

/// Media items, once read: each the tenant's, `READY`, of the post's kind.
/// `items` are in request order (`None` = not found).
pub fn check_media(kind: PostKind, ids: &[String], items: &[Option<MediaItem>]) -> Result<(), IntakeError> {
    check_media_ids(kind, ids)?;
    let want = match kind {
        PostKind::Video => MediaKind::Video,
        PostKind::Photo => MediaKind::Photo,
    };
    for (id, item) in ids.iter().zip(items) {
        let Some(item) = item else { return refused(format!("media {id} does not exist")) };
        if item.kind != want {
            return invalid(format!("media {id} is a {:?}, not a {want:?}", item.kind).to_lowercase());
        }
        match item.status {
            MediaStatus::Ready => {}
            MediaStatus::PendingUpload => {
                return refused(format!("media {id} is not uploaded yet (GET /media/{id} checks it)"))
            }
            MediaStatus::Rejected => {
                return refused(format!(
                    "media {id} was rejected: {}",
                    item.reason.as_deref().unwrap_or("failed the pre-flight checks")
                ))
            }
        }
    }
    Ok(())
}

/// What the creator allows right now (TikTok requires this check before every post).
pub struct CreatorRules<'a> {
    pub info: &'a CreatorInfo,
}

/// The post's settings that creator_info constrains.
pub struct CreatorChoice<'a> {
    pub privacy_level: &'a str,
    pub disable_comment: bool,
    pub disable_duet: bool,
    pub disable_stitch: bool,
    pub brand_content_toggle: bool,
    pub video_seconds: Option<f64>,
    pub kind: PostKind,
    pub post_mode: PostMode,
}

pub fn parse_privacy(raw: &str) -> Result<PrivacyLevel, IntakeError> {
    match serde_json::from_value::<PrivacyLevel>(serde_json::Value::String(raw.to_owned())) {
        Ok(PrivacyLevel::Unknown) | Err(_) => invalid(format!(
            "privacy_level {raw:?} is not one of PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY"
        )),
        Ok(level) => Ok(level),
    }
}

impl CreatorRules<'_> {
    pub fn check(&self, c: &CreatorChoice<'_>) -> Result<(), IntakeError> {
        let level = parse_privacy(c.privacy_level)?;
        if !self.info.privacy_level_options.contains(&level) {
            let options: Vec<String> = self
                .info
                .privacy_level_options
                .iter()
                .filter_map(|o| serde_json::to_value(o).ok().and_then(|v| v.as_str().map(str::to_owned)))
                .collect();
            return refused(format!(
                "privacy_level {} is not offered by this creator now; choose one of {}",
                c.privacy_level,
                options.join(", ")
            ));
        }
        if c.brand_content_toggle && level == PrivacyLevel::SelfOnly {
            return refused("branded content cannot be private (SELF_ONLY)");
        }
        let disabled = [
            ("comments", self.info.comment_disabled, c.disable_comment, "disable_comment"),
            ("duets", self.info.duet_disabled && c.kind == PostKind::Video, c.disable_duet, "disable_duet"),
            (
                "stitches",
                self.info.stitch_disabled && c.kind == PostKind::Video,
                c.disable_stitch,
                "disable_stitch",
            ),
        ];
        for (what, creator_disabled, post_disables, field) in disabled {
            if creator_disabled && !post_disables {
                return refused(format!("the creator has {what} turned off; set {field} to true"));
            }
        }
        if let Some(seconds) = c.video_seconds {
            let max = self.info.max_video_post_duration_sec;
            if max > 0 && seconds > max as f64 {
                return refused(format!(
                    "the video lasts {seconds:.1} s; this creator may post at most {max} s"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn captions_are_measured_in_utf16_units_and_never_truncated() {
        // An emoji outside the BMP is two UTF-16 units.
        let caption = "😀".repeat(1100);
        assert_eq!(utf16_len(&caption), 2200);
        assert_eq!(check_text(PostKind::Video, &caption, None), Ok(()));
        let over = format!("{caption}a");
        assert_eq!(
            check_text(PostKind::Video, &over, None),
            Err(IntakeError::Invalid("caption is 2201 UTF-16 units; the limit is 2200".into()))
        );
        assert!(check_text(PostKind::Photo, &"a".repeat(91), None).is_err());
        assert!(check_text(PostKind::Photo, "t", Some(&"d".repeat(4001))).is_err());
        assert!(check_text(PostKind::Photo, "t", Some(&"d".repeat(4000))).is_ok());
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_refused_with_their_position() {
        let nul = check_text(PostKind::Video, "before\u{0}after", None);
        assert!(
            matches!(&nul, Err(IntakeError::Invalid(m)) if m.contains("U+0000") && m.contains("character 6")),
            "{nul:?}"
        );
        assert!(check_text(PostKind::Video, "\u{1b}[2J\u{7}", None).is_err());
        assert!(check_text(PostKind::Video, "invoice\u{202e}gnp.exe", None).is_err());
        assert!(check_text(PostKind::Photo, "title", Some("c1 \u{9b} control")).is_err());
        assert_eq!(check_text(PostKind::Video, "two\nlines\tand a tab", None), Ok(()));
    }

    const WINDOW: ScheduleWindow = ScheduleWindow { min_lead_secs: 60, horizon_days: 30 };

    #[test]
    fn schedules_must_be_ahead_and_within_the_horizon() {
        let now = OffsetDateTime::parse("2026-11-22T10:00:00Z", &Rfc3339).expect("time");
        assert!(check_schedule("2026-11-22T10:05:00Z", now, WINDOW).is_ok());
        assert!(
            check_schedule("2026-11-22T10:05:00+02:00", now, WINDOW).is_err(),
            "08:05 UTC is in the past"
        );
        assert!(check_schedule("2026-11-22T10:00:30Z", now, WINDOW).is_err());
        assert!(check_schedule("2026-12-23T10:00:00Z", now, WINDOW).is_err());
        assert!(check_schedule("tomorrow", now, WINDOW).is_err());
        assert!(check_schedule("9999-12-31T23:59:59-23:59", now, WINDOW).is_err(), "no panic past year 9999");
        assert!(check_schedule("0000-01-01T00:00:00+01:00", now, WINDOW).is_err());
    }

    #[test]
    fn the_minimum_lead_is_the_windows() {
        let now = OffsetDateTime::parse("2026-11-22T10:00:00Z", &Rfc3339).expect("time");
        let short = ScheduleWindow { min_lead_secs: 5, ..WINDOW };
        assert!(check_schedule("2026-11-22T10:00:05Z", now, short).is_ok());
        let early = check_schedule("2026-11-22T10:00:04Z", now, short);
        assert!(matches!(&early, Err(IntakeError::Invalid(m)) if m.contains("at least 5 s")), "{early:?}");
        assert!(check_schedule("2026-11-22T10:00:00Z", now, ScheduleWindow { min_lead_secs: 0, ..WINDOW })
            .is_ok());
    }
}
