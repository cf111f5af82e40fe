// The parts of the compose form that creator_info drives (TikTok's rules
// for a posting form): who can see the post, with no default chosen, and
// the interactions the creator allows, shown off and locked when not.

import { describe, h, replace, uid } from '../dom';
import type { CreatorInfoView, MediaKind } from '../types';

const PRIVACY_LABELS: Record<string, string> = {
  PUBLIC_TO_EVERYONE: 'Everyone',
  MUTUAL_FOLLOW_FRIENDS: 'Friends (followers you follow back)',
  FOLLOWER_OF_CREATOR: 'Followers',
  SELF_ONLY: 'Only me',
};

/** A select offering exactly the creator's options, starting on an empty
 * placeholder: the user must choose (TikTok's audit rule). */
export function fillPrivacy(select: HTMLSelectElement, info: CreatorInfoView): void {
  replace(
    select,
    h('option', { value: '', disabled: true, selected: true }, 'Choose who can see this post'),
    info.privacy_level_options.map((o) => h('option', { value: o }, PRIVACY_LABELS[o] ?? o)),
  );
}

export interface Interaction {
  /** The wire field that turns it off: `disable_comment`, ... */
  field: 'disable_comment' | 'disable_duet' | 'disable_stitch';
  box: HTMLInputElement;
  row: HTMLDivElement;
  note: HTMLParagraphElement;
  /** Duet and stitch exist for videos only. */
  videoOnly: boolean;
}

export function interaction(field: Interaction['field'], label: string, testid: string, videoOnly: boolean): Interaction {
  const box = h('input', { type: 'checkbox', id: uid('ix'), 'data-testid': testid });
  const note = h('p', { class: 'hint', id: uid('ix-note'), hidden: true }, 'Turned off in this creator’s TikTok settings.');
  describe(box, note.id);
  const row = h('div', { class: 'check' }, box, h('label', { for: box.id }, label), note);
  return { field, box, row, note, videoOnly };
}

/** Unchecked by default (TikTok's rule: the user opts in); disabled with a
 * note when the creator turned it off; hidden when the kind has none. */
export function applyInteraction(ix: Interaction, info: CreatorInfoView, kind: MediaKind): void {
  const off = ix.field === 'disable_comment' ? info.comment_disabled : ix.field === 'disable_duet' ? info.duet_disabled : info.stitch_disabled;
  ix.row.hidden = ix.videoOnly && kind !== 'video';
  ix.box.disabled = off;
  if (off) ix.box.checked = false;
  ix.note.hidden = !off;
}
