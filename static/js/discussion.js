// The conversation on both board pages (templates/maps/_discussion_panel.html loads it): on the
// live page it shares the page's one live session (live/session.js: the same socket and board
// as board.js), on the map's page it posts its operations. live/comments.js does the work.

import { Discussion, setInboxCount } from "./live/comments.js";
import { live } from "./live/session.js";

const panel = document.getElementById("discussion");
if (panel) {
  new Discussion({
    panel,
    connection: live ? live.connection : null,
    boardDom: live ? live.board : null,
  }).bind();
  // The map's page has no socket: its inbox count is asked now and then.
  const url = panel.dataset.inboxCountUrl;
  if (!live && url && document.querySelector("[data-inbox-count]")) {
    setInterval(async () => {
      try {
        const answer = await (await fetch(url, { credentials: "same-origin" })).json();
        setInboxCount(Number(answer.unread) || 0);
      } catch {
        /* asked again in a minute */
      }
    }, 60000);
  }
}
