// The shapes the console reads and writes, as the OpenAPI documents of the
// api, oauth and hashtags functions describe them. Only the fields the
// console uses are spelled out; the rest pass through untyped.

export type AccountStatus = 'ACTIVE' | 'REAUTH_REQUIRED' | 'DISCONNECTED';

export interface AccountView {
  id: string;
  open_id: string;
  display_name: string;
  avatar_url: string;
  scopes: string[];
  status: AccountStatus | string;
  status_reason?: string | null;
  connected_at: string;
}

export interface CreatorInfoView {
  nickname: string;
  username: string;
  avatar_url: string;
  privacy_level_options: string[];
  comment_disabled: boolean;
  duet_disabled: boolean;
  stitch_disabled: boolean;
  max_video_post_duration_sec: number;
}

export interface ConnectLink {
  authorize_url: string;
  expires_in: number;
}

export type MediaKind = 'video' | 'photo';

export interface UploadSlot {
  url: string;
  method: string;
  headers: Record<string, string>;
  expires_in_seconds?: number;
}

/** What the pre-flight probe measured (`shared::media::probe::MediaFacts`). */
export interface MediaFacts {
  width?: number;
  height?: number;
  duration_seconds?: number;
  frame_rate?: number;
  [other: string]: unknown;
}

export interface MediaView {
  media_id: string;
  kind: MediaKind;
  content_type: string;
  status: 'PENDING_UPLOAD' | 'READY' | 'REJECTED' | string;
  declared_size_bytes: number;
  size_bytes?: number | null;
  facts?: MediaFacts | null;
  reason?: string | null;
  upload?: UploadSlot | null;
}

export type PostMode = 'DIRECT_POST' | 'MEDIA_UPLOAD';

export interface NewPost {
  account_id: string;
  kind: MediaKind;
  media_ids: string[];
  privacy_level: string;
  post_mode: PostMode;
  scheduled_at: string;
  caption: string;
  description?: string;
  disable_comment: boolean;
  disable_duet: boolean;
  disable_stitch: boolean;
  brand_content_toggle: boolean;
  brand_organic_toggle: boolean;
  is_aigc: boolean;
}

export interface PostSettings {
  kind: MediaKind;
  post_mode: PostMode;
  media_ids: string[];
  caption: string;
  description?: string;
  privacy_level: string;
  disable_comment?: boolean;
  disable_duet?: boolean;
  disable_stitch?: boolean;
  brand_content_toggle?: boolean;
  brand_organic_toggle?: boolean;
  is_aigc?: boolean;
}

export interface TimelineEntry {
  from?: string | null;
  to: string;
  at: string;
  by: string;
  reason: string;
}

export type Outcome = 'published' | 'failed' | 'retry';

export interface ResolveHint {
  method: string;
  path: string;
  outcomes: Outcome[];
}

export interface PostView {
  id: string;
  account_id: string;
  settings: PostSettings;
  scheduled_at: string;
  status: string;
  status_reason?: string | null;
  history: TimelineEntry[];
  publish_id?: string | null;
  post_ids: string[];
  attempts: number;
  resolve?: ResolveHint | null;
  created_at: string;
  updated_at: string;
}

export interface PostPage {
  posts: PostView[];
  next_cursor?: string | null;
}

export type Source = 'own' | 'research';

export interface CountStats {
  total: number;
  median?: number | null;
  p90?: number | null;
}

export interface HeatCell {
  weekday: number;
  hour: number;
  videos: number;
  median_engagement_rate?: number | null;
  small_sample: boolean;
}

export interface CoHashtag {
  tag: string;
  count: number;
  share: number;
  lift?: number | null;
  small_sample: boolean;
}

export interface TopCreator {
  creator: string;
  videos: number;
  views: number;
  engagement: number;
  engagement_rate?: number | null;
}

export type Summary =
  | { status: 'disabled' }
  | { status: 'ok'; text: string }
  | { status: 'unavailable'; message: string };

export interface Analysis {
  tag: string;
  source: Source;
  region?: string | null;
  account_id?: string | null;
  window: { start: string; end: string; days: number };
  computed_at: string;
  partial: boolean;
  partial_reasons: string[];
  reauth_accounts: string[];
  quota?: {
    day: string;
    requests_used: number;
    requests_limit: number;
    records_used: number;
    records_limit: number;
    exhausted: boolean;
    resets_at: string;
  } | null;
  metrics: {
    sample: { videos: number; small: boolean; small_below: number };
    views: CountStats;
    likes: CountStats;
    comments: CountStats;
    shares: CountStats;
    engagement: { overall_rate?: number | null; median?: number | null; rated_videos: number };
    velocity: { median_views_per_hour?: number | null; p90_views_per_hour?: number | null };
    trend: { direction: string; first_half_videos: number; second_half_videos: number };
    heatmap: { timezone: string; best_windows: HeatCell[] };
    co_hashtags: { baseline_videos: number; items: CoHashtag[] };
    top_creators: TopCreator[];
  };
  summary: Summary;
}
