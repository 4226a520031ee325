// Where a note goes in its stage: the server's order, by position key and then by id
// (maps/positions.py; Touchpoint.Meta.ordering). Keys use only 0-9 and a-z, so comparing them
// as JavaScript strings agrees with the server's byte order.

/** @typedef {{id: number, position: string}} NoteKey */

/**
 * @param {NoteKey} a
 * @param {NoteKey} b
 * @returns {number} < 0 when a comes first, > 0 when b does
 */
export function compareNotes(a, b) {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.id - b.id;
}

/**
 * The index at which `note` goes among a stage's other notes (in order, itself excluded):
 * before the first one that sorts after it, or at the end.
 * @param {NoteKey[]} others
 * @param {NoteKey} note
 */
export function insertIndex(others, note) {
  const index = others.findIndex((other) => compareNotes(other, note) > 0);
  return index === -1 ? others.length : index;
}
