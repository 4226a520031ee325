// Undo and redo from the keyboard, the same on both pages: Ctrl + Z (⌘ + Z on a Mac) undoes
// the person's last change on the map, Ctrl + Shift + Z and Ctrl + Y redo. Never while a text
// field has the focus: there the keys belong to the field's own undo (a note being edited).
// No DOM beyond reading the event's target, so Node's runner tests it (tests/js).

/**
 * "undo", "redo" or null for a key press.
 * @param {{key: string, ctrlKey: boolean, metaKey: boolean, shiftKey: boolean, altKey: boolean}} event
 * @returns {"undo" | "redo" | null}
 */
export function undoKeyOf(event) {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  const key = event.key.toLowerCase();
  if (key === "z") return event.shiftKey ? "redo" : "undo";
  if (key === "y" && event.ctrlKey && !event.shiftKey) return "redo";
  return null;
}

// Input types that take typed text (their own Ctrl + Z undoes typing).
const TEXT_INPUTS = new Set(["text", "search", "email", "url", "tel", "password", "number", "date", ""]);

/**
 * Whether the key press is typing in a text field (an input, a textarea, an editable element).
 * @param {any} target the event's target
 */
export function inTextField(target) {
  if (!target || typeof target !== "object") return false;
  if (target.isContentEditable) return true;
  const tag = String(target.tagName || "").toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  return tag === "input" && TEXT_INPUTS.has(String(target.type || "").toLowerCase());
}
