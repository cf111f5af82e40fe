// What the compose form holds, read once per submission into a plain Draft,
// and the two pure steps from it: what the API would refuse that the form
// can already see, and the `POST /posts` body.

import { LIMITS, MAX_PHOTOS, textProblem } from '../text';
import { rfc3339 } from '../time';
import type { CreatorInfoView, MediaKind, NewPost, PostMode } from '../types';
import type { UploadState } from './uploads';

export interface Draft {
  accountId: string;
  creator: CreatorInfoView | null;
  kind: MediaKind;
  mode: PostMode;
  uploads: { name: string; state: UploadState; mediaId: string | null; tooLong: boolean }[];
  caption: string;
  description: string;
  privacy: string;
  /** What viewers may do; false where the creator turned it off. */
  allow: { comment: boolean; duet: boolean; stitch: boolean };
  brandOwn: boolean;
  brandPaid: boolean;
  aigc: boolean;
  at: Date | null;
}

/** The caption's name and limit as the API words them: a photo's caption is its title. */
export const captionRule = (kind: MediaKind) =>
  kind === 'video' ? { name: 'caption', limit: LIMITS.videoCaption } : { name: 'caption (photo title)', limit: LIMITS.photoTitle };

function mediaProblems(d: Draft): string[] {
  const out: string[] = [];
  const n = d.uploads.length;
  if (n === 0) out.push(d.kind === 'video' ? 'Choose a video.' : 'Choose at least one photo.');
  if (d.kind === 'video' && n > 1) out.push('A video post takes one video.');
  if (d.kind === 'photo' && n > MAX_PHOTOS) out.push(`A photo post takes at most ${MAX_PHOTOS} photos.`);
  for (const u of d.uploads) {
    if (u.state === 'UPLOADING' || u.state === 'CHECKING') out.push(`${u.name} is still being uploaded or checked.`);
    else if (u.state !== 'READY') out.push(`${u.name} cannot be posted: remove it or choose another file.`);
    else if (u.tooLong) out.push(`${u.name} is longer than this creator may post (${d.creator?.max_video_post_duration_sec} s).`);
  }
  return out;
}

/** Everything the API would refuse that the form can see, in words. */
export function draftProblems(d: Draft, now: Date): string[] {
  const out: string[] = [];
  if (!d.creator) out.push('Choose an account.');
  out.push(...mediaProblems(d));
  const { name, limit } = captionRule(d.kind);
  const texts = [textProblem(name, d.caption, limit)];
  if (d.kind === 'photo') texts.push(textProblem('description', d.description, LIMITS.photoDescription));
  out.push(...texts.filter((p): p is string => p !== null));
  if (!d.privacy) out.push('Choose who can see this post.');
  if (d.brandPaid && d.privacy === 'SELF_ONLY') out.push('Branded content cannot be private (Only me).');
  if (!d.at) out.push('Choose when to publish.');
  else if (d.at.getTime() <= now.getTime()) out.push('The publish time is in the past.');
  return out;
}

/** The body of `POST /posts`, for a draft with no problems. */
export function toNewPost(d: Draft): NewPost {
  const post: NewPost = {
    account_id: d.accountId,
    kind: d.kind,
    media_ids: d.uploads.map((u) => u.mediaId ?? ''),
    privacy_level: d.privacy,
    post_mode: d.mode,
    scheduled_at: rfc3339(d.at ?? new Date()),
    caption: d.caption,
    disable_comment: !d.allow.comment,
    // A photo post has no duet or stitch: both stay off.
    disable_duet: d.kind !== 'video' || !d.allow.duet,
    disable_stitch: d.kind !== 'video' || !d.allow.stitch,
    brand_content_toggle: d.brandPaid,
    brand_organic_toggle: d.brandOwn,
    is_aigc: d.aigc,
  };
  if (d.kind === 'photo' && d.description) post.description = d.description;
  return post;
}
