//! `GET /media/{id}` settles a pending upload: the object is looked up
//! (HeadObject), its size and type compared with what was declared, and its
//! header bytes probed. The verdict is written once.

use time::OffsetDateTime;

use super::probe::{probe, ProbeError};
use super::store::{MediaItem, MediaStatus, MediaStore};
use crate::error::StoreError;
use foundation::time_format::rfc3339;

/// Checks a pending item and records `READY` or `REJECTED`; an item whose
/// object is not uploaded yet is returned unchanged.
pub async fn settle_upload(store: &MediaStore, item: MediaItem) -> Result<MediaItem, StoreError> {
    if item.status != MediaStatus::PendingUpload {
        return Ok(item);
    }
    let Some((size, content_type)) = store.head(&item.key).await? else {
        return Ok(item);
    };
    let mut settled = item.clone();
    settled.size = Some(size);
    settled.updated_at = rfc3339(OffsetDateTime::now_utc());
    let verdict = if size != item.declared_size {
        Err(format!("uploaded {size} bytes but {} were declared", item.declared_size))
    } else if content_type.as_deref() != Some(item.content_type.as_str()) {
        Err(format!(
            "uploaded as {} but declared {}",
            content_type.as_deref().unwrap_or("no content type"),
            item.content_type.as_str()
        ))
    } else {
        match probe(&store.ranges(&item.key), item.content_type, size).await {
            Ok(facts) => Ok(facts),
            Err(ProbeError::Rejected(r)) => Err(r.0),
            Err(ProbeError::Read(e)) => return Err(e),
        }
    };
    match verdict {
        Ok(facts) => {
            settled.status = MediaStatus::Ready;
            settled.facts = Some(facts);
        }
        Err(reason) => {
            settled.status = MediaStatus::Rejected;
            settled.reason = Some(reason);
        }
    }
    if store.settle(&settled).await? {
        Ok(settled)
    } else {
        // Another request settled it first: its verdict stands.
        let tenant = crate::tenant::TenantId::parse(&item.tenant)
            .ok_or_else(|| StoreError::Corrupt("media item tenant".into()))?;
        store.get(&tenant, &item.id).await?.ok_or(StoreError::NotFound)
    }
}
