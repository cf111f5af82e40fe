// Times as the user sees them (their own zone) and as the API takes them
// (RFC 3339 UTC). A `datetime-local` value has no zone; it is read as the
// browser's local time, whose name the forms show.

/** RFC 3339 in UTC, to the second: `2026-03-02T14:05:00Z`. */
export function rfc3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function timeZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of the local day `at` falls in. */
export function dayKey(at: Date): string {
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD`; null when it is not one. */
export function parseDayKey(raw: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!m) return null;
  const day = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayKey(day) === raw ? day : null;
}

/** The value a `datetime-local` input shows for `at`: `YYYY-MM-DDTHH:MM`. */
export function toLocalInput(at: Date): string {
  return `${dayKey(at)}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A `datetime-local` value as an instant in the user's zone; null when empty or malformed. */
export function fromLocalInput(raw: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(raw);
  if (!m) return null;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map((part) => Number(part ?? 0));
  const at = new Date(y ?? 0, (mo ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0, ss ?? 0);
  return Number.isNaN(at.getTime()) ? null : at;
}

export function startOfDay(at: Date): Date {
  return new Date(at.getFullYear(), at.getMonth(), at.getDate());
}

/** Monday 00:00 local of the week `at` is in. */
export function startOfWeek(at: Date): Date {
  const day = startOfDay(at);
  const sinceMonday = (day.getDay() + 6) % 7;
  return addDays(day, -sinceMonday);
}

/** Calendar days, not 24-hour steps: a DST change keeps midnight at midnight. */
export function addDays(at: Date, days: number): Date {
  const next = new Date(at);
  next.setDate(next.getDate() + days);
  return next;
}

/** `at` moved to the local day `day` (and hour, when given), keeping its minutes. */
export function moveTo(at: Date, day: Date, hour?: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour ?? at.getHours(), at.getMinutes());
}

const whenFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const longDayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

export const formatWhen = (at: Date) => whenFormat.format(at);
export const formatTime = (at: Date) => timeFormat.format(at);
export const formatDay = (at: Date) => dayFormat.format(at);
export const formatLongDay = (at: Date) => longDayFormat.format(at);

/** An API time shown both ways: local (with the zone) and UTC as sent. */
export function bothZones(raw: string): { local: string; utc: string } {
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) return { local: raw, utc: raw };
  return { local: `${formatWhen(at)} (${timeZoneName()})`, utc: rfc3339(at) };
}
