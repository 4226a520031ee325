// What the live page tells its user: the connection badge (#connection) and the message line
// (#live-message).

let sayTimer = 0;

/**
 * @param {string} state "connecting", "online", "offline" or "refused" (CSS colours it)
 * @param {string} text
 */
export function setBadge(state, text) {
  const badge = document.getElementById("connection");
  if (!badge) return;
  badge.dataset.state = state;
  badge.textContent = text;
}

/**
 * Show a message for 8 s: an alert by default, or a polite "status". `quiet`: for screen
 * readers only, when the page already shows it (a new phase's hint is in the phase bar).
 * @param {string} text
 * @param {"alert" | "status"} [role]
 * @param {boolean} [quiet]
 */
export function say(text, role = "alert", quiet = false) {
  const message = document.getElementById("live-message");
  if (!message) return;
  message.setAttribute("role", role);
  message.classList.toggle("visually-hidden", quiet);
  message.hidden = false;
  message.textContent = text;
  clearTimeout(sayTimer);
  sayTimer = setTimeout(() => {
    message.hidden = true;
  }, 8000);
}
