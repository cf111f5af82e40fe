//! The edge: `/hashtags/{tag}/analysis?source=&days=&region=&account_id=&format=`
//! becomes a typed [`AnalysisRequest`], or a 400 that says what is wrong.

use crate::{AccountId, AnalysisRequest, Hashtag, Region, Source, Window};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Request, RequestExt};
use percent_encoding::percent_decode_str;
use shared::{http_surface::ApiError, tenant::TenantId};
use time::OffsetDateTime;

/// Days an analysis may cover through the API.
pub const DAYS: std::ops::RangeInclusive<u16> = 7..=30;
const DEFAULT_DAYS: u16 = 7;
const KNOWN: [&str; 5] = ["source", "days", "region", "account_id", "format"];

/// How the analysis is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Svg,
}

/// The path segment as sent (percent-encoded or not) to a `Hashtag`.
pub fn hashtag(segment: &str) -> Result<Hashtag, ApiError> {
    let decoded = percent_decode_str(segment)
        .decode_utf8()
        .map_err(|_| ApiError::bad_request("the hashtag is not valid UTF-8"))?;
    Hashtag::parse(&decoded).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The one value of a parameter; a repeated parameter is refused.
fn single<'a>(params: &'a QueryMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match params.all(name) {
        None => Ok(None),
        Some(values) if values.len() == 1 => Ok(values.first().copied()),
        Some(_) => Err(ApiError::bad_request(format!("{name} is given more than once"))),
    }
}

/// The whole request, for `tenant`, at `now`.
pub fn analysis_request(
    request: &Request,
    tag_segment: &str,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<(AnalysisRequest, Format), ApiError> {
    let tag = hashtag(tag_segment)?;
    let params = request.query_string_parameters();
    if let Some((name, _)) = params.iter().find(|(name, _)| !KNOWN.contains(name)) {
        let shown: String =
            name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(32).collect();
        return Err(ApiError::bad_request(format!(
            "unknown parameter {shown:?}; known: {}",
            KNOWN.join(", ")
        )));
    }
    let source = match single(&params, "source")? {
        None => Source::Own,
        Some(raw) => {
            Source::parse(raw).ok_or_else(|| ApiError::bad_request("source must be own or research"))?
        }
    };
    let days = match single(&params, "days")? {
        None => DEFAULT_DAYS,
        Some(raw) => raw.parse::<u16>().ok().filter(|d| DAYS.contains(d)).ok_or_else(|| {
            ApiError::bad_request(format!(
                "days must be a whole number from {} to {}",
                DAYS.start(),
                DAYS.end()
            ))
        })?,
    };
    // Given empty, a parameter is refused like any value that is not one
    // (the document's patterns say so), never read as absent.
    let region = single(&params, "region")?
        .map(|raw| {
            Region::parse(raw).ok_or_else(|| ApiError::bad_request("region must be a two-letter code"))
        })
        .transpose()?;
    let account = single(&params, "account_id")?
        .map(|raw| {
            AccountId::parse(raw).map_err(|_| ApiError::bad_request("account_id is not an account id"))
        })
        .transpose()?;
    let format = match single(&params, "format")? {
        None | Some("json") => Format::Json,
        Some("svg") => Format::Svg,
        Some(_) => return Err(ApiError::bad_request("format must be json or svg")),
    };
    match source {
        Source::Own if region.is_some() => {
            return Err(ApiError::bad_request("region applies to source=research only"));
        }
        Source::Research if account.is_some() => {
            return Err(ApiError::bad_request("account_id applies to source=own only"));
        }
        _ => {}
    }
    let window = Window::last_complete_days(now, days).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((AnalysisRequest { tenant, tag, source, window, region, account }, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_and_plain_tags_parse_and_hostile_ones_do_not() {
        assert_eq!(hashtag("%23FoodTok").map(|t| t.to_string()).ok(), Some("foodtok".to_owned()));
        assert_eq!(hashtag("caf%C3%A9").map(|t| t.to_string()).ok(), Some("café".to_owned()));
        for bad in ["..", "..%2F..%2Fetc", "%00", "fyp%0A", "%E2%80%AEfyp", "%FF", "%27%20OR%201%3D1", ""] {
            assert!(hashtag(bad).is_err(), "{bad:?}");
        }
    }
}
