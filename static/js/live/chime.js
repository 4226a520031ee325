// The timer's end, heard: a short two-note chime made with WebAudio (no audio file), only for
// those who turned it on. Off by default; each person's choice is kept in this browser's
// localStorage. Browsers let a page make sound only after a gesture on it: turning the sound
// on is one, and any later click wakes an audio context the browser kept asleep.

export const SOUND_KEY = "journeymap-timer-sound";

/** @typedef {{getItem(key: string): string | null, setItem(key: string, value: string): void}} StorageLike */

/**
 * Whether this person asked for the sound (off unless they said "on").
 * @param {StorageLike | null} storage
 */
export function soundWanted(storage) {
  try {
    return storage?.getItem(SOUND_KEY) === "on";
  } catch {
    return false;
  }
}

/**
 * @param {StorageLike | null} storage
 * @param {boolean} on
 */
export function rememberSound(storage, on) {
  try {
    storage?.setItem(SOUND_KEY, on ? "on" : "off");
  } catch {
    /* storage disabled: the choice lasts as long as the page */
  }
}

/**
 * The chime's notes: [frequency in Hz, start in s, length in s], a falling fifth twice.
 * @type {Array<[number, number, number]>}
 */
export const NOTES = [
  [880, 0, 0.35],
  [587.33, 0.4, 0.6],
];

export class Chime {
  constructor() {
    /** @type {AudioContext | null} */
    this.context = null;
  }

  /** Make (or wake) the audio context: call from a user's gesture. */
  wake() {
    const Context = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
    if (!Context) return;
    if (!this.context) this.context = new Context();
    if (this.context.state === "suspended") this.context.resume().catch(() => {});
  }

  /** Play the chime (silently nothing when the browser allows no sound yet). */
  play() {
    this.wake();
    const context = this.context;
    if (!context || context.state !== "running") return;
    const start = context.currentTime + 0.02;
    for (const [frequency, at, length] of NOTES) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      // A soft attack and a long fade: a bell, not a beep.
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.25, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + at);
      oscillator.stop(start + at + length + 0.05);
    }
  }
}
