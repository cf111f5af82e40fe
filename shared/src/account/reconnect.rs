//! Connecting an account again resumes what losing it held: its `HELD`
//! posts whose time is still ahead go back to `SCHEDULED`, filed under their
//! due minute again. Posts whose time has passed stay `HELD`, visible to the
//! tenant: publishing hours late could surprise the creator's audience, so
//! that is the tenant's call, not ours.

use foundation::time_format::rfc3339;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use super::Account;
use crate::error::StoreError;
use crate::post::store::PostQuery;
use crate::post::{PostStatus, PostStore, Transition, TransitionError};

/// Moves the account's held posts still ahead back to `SCHEDULED`; returns
/// how many moved. Posts another writer moved meanwhile are left alone, so
/// running it twice is harmless.
pub async fn resume_held_posts(posts: &PostStore, account: &Account) -> Result<usize, StoreError> {
    let now = OffsetDateTime::now_utc();
    let q = PostQuery {
        account_id: Some(account.id.clone()),
        statuses: vec![PostStatus::Held],
        // The owner index sorts by scheduled time: only future posts are read.
        from: Some(rfc3339(now)),
        limit: 100,
        ..PostQuery::default()
    };
    let mut resumed = 0;
    let mut start = None;
    loop {
        let page = posts.list(&account.tenant, &q, start).await?;
        for post in page.posts {
            let Ok(at) = OffsetDateTime::parse(&post.scheduled_at, &Rfc3339) else { continue };
            if at <= now {
                continue;
            }
            let t = Transition::new(PostStatus::Scheduled, "reconnect", "the account was connected again")
                .due_at(at);
            match posts.transition(&account.tenant, &post.id, PostStatus::Held, t).await {
                Ok(_) => resumed += 1,
                Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => {}
                Err(TransitionError::Store(e)) => return Err(e),
            }
        }
        start = page.next;
        if start.is_none() {
            return Ok(resumed);
        }
    }
}
