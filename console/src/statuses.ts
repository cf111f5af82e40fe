// What the console knows of the post state machine (`shared::post::state`):
// which statuses are final, which a tenant may still change, and how each is
// shown. The API enforces the moves; this only decides which buttons to offer.

export const POST_STATUSES = [
  'SCHEDULED',
  'QUEUED',
  'PUBLISHING',
  'INITIATING',
  'UPLOADING',
  'PROCESSING',
  'RETRY_WAIT',
  'PUBLISHED',
  'INBOX_DELIVERED',
  'FAILED',
  'CANCELLED',
  'HELD',
  'NEEDS_ATTENTION',
] as const;

const TERMINAL = new Set(['PUBLISHED', 'INBOX_DELIVERED', 'FAILED', 'CANCELLED']);
/** `is_editable`: only a post still waiting for its time. */
const EDITABLE = new Set(['SCHEDULED']);
/** The statuses whose moves include CANCELLED through `DELETE /posts/{id}`. */
const CANCELLABLE = new Set(['SCHEDULED', 'QUEUED', 'RETRY_WAIT', 'HELD']);

export const isTerminal = (status: string) => TERMINAL.has(status);
export const isEditable = (status: string) => EDITABLE.has(status);
export const isCancellable = (status: string) => CANCELLABLE.has(status);

/** The colour family of a status (a CSS class); the status text is always shown beside it. */
export function statusTone(status: string): string {
  switch (status) {
    case 'SCHEDULED':
      return 'tone-scheduled';
    case 'PUBLISHED':
    case 'INBOX_DELIVERED':
      return 'tone-done';
    case 'FAILED':
      return 'tone-failed';
    case 'NEEDS_ATTENTION':
      return 'tone-attention';
    case 'CANCELLED':
      return 'tone-cancelled';
    case 'HELD':
    case 'RETRY_WAIT':
      return 'tone-waiting';
    default:
      return 'tone-working';
  }
}

/** The legend: one entry per colour family, naming the statuses in it. */
export const LEGEND: { tone: string; label: string }[] = [
  { tone: 'tone-scheduled', label: 'Scheduled' },
  { tone: 'tone-working', label: 'Publishing (queued, initiating, uploading, processing)' },
  { tone: 'tone-waiting', label: 'Waiting (retry wait, held)' },
  { tone: 'tone-done', label: 'Published or delivered to inbox' },
  { tone: 'tone-failed', label: 'Failed' },
  { tone: 'tone-attention', label: 'Needs attention' },
  { tone: 'tone-cancelled', label: 'Cancelled' },
];
