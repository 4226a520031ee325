// The @ autocomplete of a comment box (issue 19): type @ and part of a name, pick a person
// with the arrow keys and Enter (or Tab, or a click); Escape closes the list. The chosen
// person's key ("member:3", "participant:7") travels with the comment as long as "@Name" is
// still in its text; the server checks each one may see the map. Names are user text: they
// only ever go in through textContent.

const MAX_SHOWN = 8;
// "@" and what follows it up to the caret, at the start or after a space.
const QUERY = /(^|\s)@([^\s@]{0,40})$/;

/** @typedef {{key: string, name: string}} Person */

/** People whose name contains `query` (case-blind), those that start with it first. */
export function matching(/** @type {Person[]} */ people, /** @type {string} */ query) {
  const q = query.toLocaleLowerCase();
  const found = people.filter((p) => p.name.toLocaleLowerCase().includes(q));
  const starts = (/** @type {Person} */ p) => (p.name.toLocaleLowerCase().startsWith(q) ? 0 : 1);
  return found.sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name)).slice(0, MAX_SHOWN);
}

/** The keys of the chosen people still named ("@Name") in `text`. */
export function mentionsIn(/** @type {string} */ text, /** @type {Map<string, string>} */ chosen) {
  return [...chosen].filter(([name]) => text.includes(`@${name}`)).map(([, key]) => key);
}

export class MentionBox {
  /**
   * @param {HTMLTextAreaElement} input
   * @param {HTMLUListElement} list the listbox, shown under the input
   * @param {() => Promise<Person[]>} loadPeople
   */
  constructor(input, list, loadPeople) {
    this.input = input;
    this.list = list;
    this.loadPeople = loadPeople;
    /** @type {Map<string, string>} name -> key */
    this.chosen = new Map();
    /** @type {Person[]} */
    this.shown = [];
    this.active = -1;
    input.addEventListener("input", () => this.update());
    input.addEventListener("click", () => this.update());
    input.addEventListener("keydown", (e) => this.key(e));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    list.addEventListener("mousedown", (e) => {
      const option = /** @type {HTMLElement} */ (e.target).closest("[data-index]");
      if (!option) return;
      e.preventDefault(); // keep the focus in the text
      this.choose(Number(/** @type {HTMLElement} */ (option).dataset.index));
    });
  }

  /** Keys of the people this comment mentions (chosen, and still in the text). */
  get mentions() {
    return mentionsIn(this.input.value, this.chosen);
  }

  /** Start again (after sending), keeping `people` as already chosen (an edit's mentions). */
  reset(/** @type {Person[]} */ people = []) {
    this.chosen = new Map(people.map((p) => [p.name, p.key]));
    this.close();
  }

  get isOpen() {
    return !this.list.hidden;
  }

  query() {
    const before = this.input.value.slice(0, this.input.selectionStart ?? this.input.value.length);
    const match = QUERY.exec(before);
    return match ? match[2] : null;
  }

  async update() {
    const query = this.query();
    if (query === null) return this.close();
    const people = await this.loadPeople();
    if (this.query() !== query) return; // typed on meanwhile: that update answers
    this.shown = matching(people, query);
    if (!this.shown.length) return this.close();
    this.active = 0;
    this.render();
  }

  render() {
    this.list.replaceChildren(
      ...this.shown.map((person, index) => {
        const option = document.createElement("li");
        option.id = `${this.list.id}-${index}`;
        option.setAttribute("role", "option");
        option.dataset.index = String(index);
        option.setAttribute("aria-selected", String(index === this.active));
        option.textContent = person.name;
        const kind = document.createElement("span");
        kind.className = "muted";
        kind.textContent = person.key.startsWith("member:") ? " · member" : " · in the workshop";
        option.append(kind);
        return option;
      }),
    );
    this.list.hidden = false;
    this.input.setAttribute("aria-activedescendant", `${this.list.id}-${this.active}`);
  }

  close() {
    this.list.hidden = true;
    this.shown = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
  }

  /** @param {KeyboardEvent} e */
  key(e) {
    if (!this.isOpen) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.shown.length) % this.shown.length;
      this.render();
    } else if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Tab") {
      e.preventDefault();
      this.choose(this.active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation(); // the list closes, not the panel
      this.close();
    }
  }

  choose(/** @type {number} */ index) {
    const person = this.shown[index];
    if (!person) return;
    const caret = this.input.selectionStart ?? this.input.value.length;
    const before = this.input.value.slice(0, caret);
    const start = before.lastIndexOf("@");
    const text = `${before.slice(0, start)}@${person.name} `;
    this.input.value = text + this.input.value.slice(caret);
    this.input.setSelectionRange(text.length, text.length);
    this.chosen.set(person.name, person.key);
    this.close();
    this.input.dispatchEvent(new Event("input")); // the draft is kept
    this.input.focus();
  }
}
