// The free-text rules of `shared::post::intake` and `foundation::text`,
// mirrored so a form says what is wrong before it is sent. The API stays the
// judge: these only spare a round trip.

/** Video caption, photo title, photo description (UTF-16 units, as TikTok counts). */
export const LIMITS = { videoCaption: 2200, photoTitle: 90, photoDescription: 4000, resolveNote: 500 } as const;

export const MAX_PHOTOS = 35;

/** `str.length` is already UTF-16 units; named so the rule reads as the API's. */
export const utf16Length = (text: string) => text.length;

/** Rust's `char::is_control` (Unicode Cc: C0, DEL and C1) except newline and
 * tab, and the bidi embedding/override/isolate controls. */
const FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** The first refused character: its position in characters (code points,
 * as the API counts it) and its code point; null when the text is clean. */
export function forbiddenChar(text: string): { position: number; codePoint: number } | null {
  let position = 0;
  for (const c of text) {
    if (c !== '\n' && c !== '\t' && FORBIDDEN.test(c)) {
      return { position, codePoint: c.codePointAt(0) ?? 0 };
    }
    position += 1;
  }
  return null;
}

/** What is wrong with a text field, in the API's words; null when it passes. */
export function textProblem(fieldName: string, text: string, limit: number): string | null {
  const bad = forbiddenChar(text);
  if (bad) {
    const hex = bad.codePoint.toString(16).toUpperCase().padStart(4, '0');
    return `${fieldName} has a control or bidi-override character (U+${hex}) at character ${bad.position}; only newline and tab are allowed among control characters`;
  }
  const length = utf16Length(text);
  if (length > limit) return `${fieldName} is ${length} UTF-16 units; the limit is ${limit}`;
  return null;
}

/** A resolution note: counted in characters (code points), not UTF-16
 * units, as `api::resolve::Note` counts it. */
export function noteProblem(text: string): string | null {
  const chars = Array.from(text).length;
  if (chars > LIMITS.resolveNote) return `note is ${chars} characters; the limit is ${LIMITS.resolveNote}`;
  return textProblem('note', text, Number.POSITIVE_INFINITY);
}
