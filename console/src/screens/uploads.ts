// The compose form's media: for each chosen file, an upload slot from
// `POST /media`, the bytes PUT to the slot's URL (XMLHttpRequest, for upload
// progress), then `GET /media/{id}` until the pre-flight check answers
// READY (with what it measured) or REJECTED (with why).

import type { Client } from '../api';
import { ApiError } from '../api';
import { h, replace } from '../dom';
import { sleep } from '../refresh';
import type { MediaFacts, MediaKind, MediaView, UploadSlot } from '../types';

const CONTENT_TYPES: Record<MediaKind, Record<string, string>> = {
  video: { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' },
  photo: { jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' },
};
export const ACCEPT: Record<MediaKind, string> = {
  video: 'video/mp4,video/quicktime,video/webm,.mp4,.mov,.webm',
  photo: 'image/jpeg,image/webp,.jpg,.jpeg,.webp',
};
const POLL_MS = 1000;
const POLL_LIMIT_MS = 120_000;

/** Headers a browser sets itself and refuses from scripts. The slot lists
 * content-length because other clients need it; the browser sends the same
 * value, taken from the file. */
const BROWSER_OWNED = new Set(['content-length', 'host', 'connection', 'expect', 'accept-encoding']);

/** The upload's state, as `data-status` on its verdict (a stable hook for tests). */
export type UploadState = 'UPLOADING' | 'CHECKING' | 'READY' | 'REJECTED' | 'ERROR';

export interface Upload {
  index: number;
  file: File;
  state: UploadState;
  media: MediaView | null;
}

/** The content type the API takes for this file, from its type or, when the
 * browser gave none it knows, its extension. */
function contentTypeOf(kind: MediaKind, file: File): string | null {
  const allowed = CONTENT_TYPES[kind];
  if (Object.values(allowed).includes(file.type)) return file.type;
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  return allowed[ext] ?? null;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** The measured facts in words: `12.3 s, 1080×1920, 30 fps, 4.2 MB`. */
export function describeFacts(facts: MediaFacts | null | undefined, sizeBytes?: number | null): string {
  const parts: string[] = [];
  if (facts?.duration_seconds !== undefined) parts.push(`${facts.duration_seconds.toFixed(1)} s`);
  if (facts?.width !== undefined && facts.height !== undefined) parts.push(`${facts.width}×${facts.height}`);
  if (facts?.frame_rate !== undefined) parts.push(`${Math.round(facts.frame_rate * 100) / 100} fps`);
  if (sizeBytes) parts.push(mb(sizeBytes));
  return parts.join(', ');
}

/** PUTs the file to the slot with exactly its headers, reporting progress (0..1). */
function put(file: File, slot: UploadSlot, signal: AbortSignal, progress: (done: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(slot.method || 'PUT', slot.url);
    for (const [name, value] of Object.entries(slot.headers)) {
      if (!BROWSER_OWNED.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) progress(e.loaded / e.total);
    };
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new Error(`The storage refused the upload (HTTP ${xhr.status}).`));
    xhr.onerror = () => reject(new Error('The upload could not reach the storage.'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Polls `GET /media/{id}` until the check settles, or gives up after two minutes. */
async function settle(api: Client, mediaId: string, signal: AbortSignal): Promise<MediaView> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const media = await api.media(mediaId);
    if (media.status === 'READY' || media.status === 'REJECTED') return media;
    if (Date.now() > deadline) throw new Error('The file is still not checked after two minutes; choose it again.');
    await sleep(POLL_MS, signal);
  }
}

/** The list of uploads, as a <ul>, with the state the submit checks. */
export class UploadList {
  readonly element = h('ul', { class: 'upload-list', 'aria-label': 'Uploads' });
  private uploads: { upload: Upload; abort: AbortController; row: HTMLLIElement }[] = [];
  private next = 0;
  private maxVideoSeconds = 0;

  constructor(
    private readonly api: Client,
    private readonly signal: AbortSignal,
  ) {}

  get items(): Upload[] {
    return this.uploads.map((u) => u.upload);
  }

  /** Called when the creator changes: a READY video longer than this is flagged. */
  setMaxVideoSeconds(seconds: number): void {
    this.maxVideoSeconds = seconds;
    for (const u of this.uploads) this.showVerdict(u.upload, u.row);
  }

  /** True when a READY video is longer than the creator may post. */
  tooLong(upload: Upload): boolean {
    const seconds = upload.media?.facts?.duration_seconds;
    return upload.state === 'READY' && this.maxVideoSeconds > 0 && seconds !== undefined && seconds > this.maxVideoSeconds;
  }

  clear(): void {
    for (const u of this.uploads) u.abort.abort();
    this.uploads = [];
    replace(this.element);
  }

  /** Starts one upload per file; returns the files refused before any request. */
  add(kind: MediaKind, files: File[]): string[] {
    const refused: string[] = [];
    for (const file of files) {
      const type = contentTypeOf(kind, file);
      if (!type) {
        refused.push(`${file.name}: a ${kind} must be ${Object.keys(CONTENT_TYPES[kind]).join(', ')}`);
        continue;
      }
      this.start(kind, file, type);
    }
    return refused;
  }

  private remove(index: number): void {
    const at = this.uploads.findIndex((u) => u.upload.index === index);
    const [gone] = at >= 0 ? this.uploads.splice(at, 1) : [];
    if (!gone) return;
    gone.abort.abort();
    gone.row.remove();
  }

  private start(kind: MediaKind, file: File, contentType: string): void {
    const upload: Upload = { index: this.next++, file, state: 'UPLOADING', media: null };
    const abort = new AbortController();
    this.signal.addEventListener('abort', () => abort.abort(), { once: true });
    const n = upload.index;
    const progress = h('progress', { max: 1, value: 0, 'data-testid': `upload-progress-${n}`, 'aria-label': `Upload of ${file.name}` });
    const verdict = h('p', { class: 'verdict', 'aria-live': 'polite', 'data-testid': `upload-verdict-${n}` });
    const removeButton = h('button', { type: 'button', 'aria-label': `Remove ${file.name}`, onclick: () => this.remove(n) }, 'Remove');
    const row = h('li', { class: 'upload', 'data-testid': `upload-${n}` }, h('p', { class: 'upload-name' }, `${file.name} (${mb(file.size)})`), progress, verdict, removeButton);
    const entry = { upload, abort, row };
    this.uploads.push(entry);
    this.element.append(row);
    this.showVerdict(upload, row);
    void this.run(kind, contentType, entry, progress);
  }

  private async run(kind: MediaKind, contentType: string, entry: { upload: Upload; abort: AbortController; row: HTMLLIElement }, progress: HTMLProgressElement): Promise<void> {
    const { upload, abort, row } = entry;
    const api = this.api.bound(abort.signal);
    try {
      const slot = await api.createMedia(kind, contentType, upload.file.size);
      upload.media = slot;
      row.dataset.mediaId = slot.media_id;
      if (!slot.upload) throw new Error('The API gave no upload address for this file.');
      await put(upload.file, slot.upload, abort.signal, (done) => (progress.value = done));
      progress.value = 1;
      upload.state = 'CHECKING';
      this.showVerdict(upload, row);
      upload.media = await settle(api, slot.media_id, abort.signal);
      upload.state = upload.media.status === 'READY' ? 'READY' : 'REJECTED';
    } catch (err) {
      if (abort.signal.aborted) return;
      upload.state = 'ERROR';
      row.dataset.error = err instanceof ApiError ? err.describe() : err instanceof Error ? err.message : String(err);
    }
    this.showVerdict(upload, row);
  }

  private showVerdict(upload: Upload, row: HTMLLIElement): void {
    const verdict = row.querySelector<HTMLElement>('.verdict');
    if (!verdict) return;
    verdict.dataset.status = upload.state;
    verdict.className = `verdict verdict-${upload.state.toLowerCase()}`;
    const media = upload.media;
    const facts = describeFacts(media?.facts, media?.size_bytes);
    switch (upload.state) {
      case 'UPLOADING':
        verdict.textContent = 'Uploading…';
        break;
      case 'CHECKING':
        verdict.textContent = 'Uploaded; checking the file…';
        break;
      case 'READY':
        verdict.textContent = this.tooLong(upload)
          ? `Too long for this creator: ${facts}; the limit is ${this.maxVideoSeconds} s.`
          : `Ready: ${facts}`;
        verdict.dataset.tooLong = String(this.tooLong(upload));
        if (this.tooLong(upload)) verdict.className = 'verdict verdict-rejected';
        break;
      case 'REJECTED':
        verdict.textContent = `Rejected: ${media?.reason ?? 'the file failed the checks'}${facts ? ` (measured: ${facts})` : ''}`;
        break;
      case 'ERROR':
        verdict.textContent = `Not uploaded: ${row.dataset.error ?? 'unknown error'}`;
        break;
    }
  }
}
