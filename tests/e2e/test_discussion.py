"""The conversation on the board, in Chromium (issue 19): a guest opens a note's thread beside
the live board, mentions a member by the keyboard's @ autocomplete, and the member sees it
live (the note's badge, the inbox badge), reads it in the inbox and gets the email; reactions,
resolve and edit on the map's page; hostile comments shown as text; the phone's bottom sheet.
Screenshots of the panel, the inbox and a note's badges at three sizes."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from maps import operations as ops
from maps.discussion_models import Comment, Notification
from maps.models import MapMembership
from tests.e2e.conftest import (
    assert_fits_the_screen,
    log_in,
    on_free_port,
    publish_screenshot,
    screenshot,
    start_daphne,
)
from workshops.operations import join_workshop, open_workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1440, 900), "laptop": (1280, 720), "phone": (390, 844)}
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
RTL = "\u202eevil\u202c \u200b\u200d\ufeff مرحبا"


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def mail_server(django_db_setup, django_db_blocker, mail_dir):
    """A daphne of its own that writes every email to `mail_dir` (Django's file backend, the
    console backend's sibling: the test reads what the console would have printed)."""
    email = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    process, port = on_free_port(lambda port: start_daphne(port, email))
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def room(make_user):
    fran = make_user("fran")
    ed = make_user("ed")
    actor = ops.Actor.for_user(fran)
    journey_map = ops.create_map(actor, title="Car buying", stage_names=["Awareness", "Comparing"])
    MapMembership.objects.create(map=journey_map, user=ed, role="editor")
    stages = list(journey_map.stages.order_by("position"))
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stages[0].pk, text=text).payload["touchpoint"][
            "id"
        ]
        for text in ("Sees a TV ad", "Reads reviews online")
    ]
    ops.add_touchpoint(actor, journey_map, stage=stages[1].pk, text="Books a test drive")
    workshop = open_workshop(fran, journey_map, title="Review")
    return {"map": journey_map, "stages": stages, "notes": notes, "workshop": workshop, "ed": ed}


def badge(page, note_id: int):
    return page.locator(f'li[data-touchpoint="{note_id}"] > [data-discussion-open]')


def join_as_guest(page, server: str, code: str, name: str) -> None:
    page.goto(f"{server}/w/{code}/join/")
    page.get_by_label("Your name, as others will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/w/{code}/$"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def emails_in(folder: Path, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p.read_text() for p in folder.glob("*.log")]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_a_guest_mentions_a_member_who_sees_the_badge_the_inbox_and_the_email(
    mail_server, mail_dir, new_page, room
):
    server, code, note = mail_server, room["workshop"].join_code, room["notes"][0]
    join_workshop(room["workshop"], display_name="Ed", user=room["ed"])
    ed = new_page()
    log_in(ed, server, "ed")
    ed.goto(f"{server}/w/{code}/")
    expect(ed.locator("#connection")).to_have_attribute("data-state", "online")
    expect(ed.locator("[data-inbox-count]")).to_be_hidden()

    ann = new_page()
    join_as_guest(ann, server, code, "Ann")
    badge(ann, note).click()
    panel = ann.locator("#discussion")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-thread]")).to_contain_text("Sees a TV ad")
    box = panel.get_by_label("Your comment")
    expect(box).to_be_focused()
    box.press_sequentially("Is this legal, @e")
    options = panel.locator("#mention-list [role=option]")
    expect(options.first).to_contain_text("ed")
    expect(box).to_have_attribute("aria-activedescendant", "mention-list-0")
    box.press("Enter")  # picks the highlighted person, does not send
    expect(box).to_have_value("Is this legal, @ed ")
    box.press_sequentially("?")
    box.press("Control+Enter")
    expect(panel.locator("li[data-comment]")).to_have_count(1)
    expect(panel.locator(".comment-body .mention")).to_have_text("@ed")
    expect(box).to_have_value("")
    # Ed's board: the note's badge and the inbox count, live.
    expect(badge(ed, note)).to_have_accessible_name("1 comment")
    expect(ed.locator("[data-inbox-count]")).to_be_visible()
    expect(ed.locator("[data-inbox-count]")).to_contain_text("1")

    ed.locator("[data-inbox-link]").click()
    expect(ed.locator(".inbox-item")).to_contain_text("Ann mentioned you on Car buying")
    expect(ed.locator(".inbox-item")).to_contain_text("Is this legal, @ed ?")
    ed.get_by_role("button", name="Open the thread").click()
    expect(ed.locator("#discussion")).to_be_visible()
    expect(ed.locator("#discussion li[data-comment]")).to_contain_text("Is this legal")
    expect(ed.locator("[data-inbox-count]")).to_be_hidden()  # read by opening it
    assert Notification.objects.get().read_at is not None

    [email] = emails_in(mail_dir)
    assert "To: ed@example.com" in email
    assert "Ann mentioned you" in email and "Is this legal, @ed ?" in email
    assert f"/maps/{room['map'].pk}/?touchpoint={note}" in email


def test_the_map_page_comments_reacts_resolves_edits_and_deletes(server, new_page, room):
    note = room["notes"][1]
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{room['map'].pk}/")
    badge(page, note).click()
    panel = page.locator("#discussion")
    expect(panel.locator(".thread-empty")).to_contain_text("No comments yet")
    box = panel.get_by_label("Your comment")
    box.fill("Which review sites?")
    panel.get_by_role("button", name="Comment", exact=True).click()
    expect(panel.locator("li[data-comment]")).to_have_count(1)
    expect(badge(page, note)).to_have_accessible_name("1 comment")

    # Reactions: on the note, then on the comment; the badge counts the note's.
    panel.locator('[data-target="touchpoint"][data-reaction="idea"]').click()
    expect(panel.locator('[data-target="touchpoint"][data-reaction="idea"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(badge(page, note)).to_have_accessible_name("1 comment; reactions: 1 idea")
    heart = panel.locator('[data-target="comment"][data-reaction="heart"]')
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart.locator("[data-count]")).to_have_text("1")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(heart.locator("[data-count]")).to_have_text("0")

    # Edit in place, then resolve and reopen.
    panel.get_by_role("button", name="Edit", exact=True).click()
    panel.get_by_label("Edit your comment").fill("Which review sites do they trust?")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator(".comment-body")).to_have_text("Which review sites do they trust?")
    expect(panel.locator(".comment-head")).to_contain_text("(edited)")
    panel.get_by_role("button", name="Resolve thread").click()
    expect(panel.locator(".thread-state")).to_contain_text("Resolved by fran")
    expect(badge(page, note)).to_have_class(re.compile("resolved"))
    panel.get_by_role("button", name="Reopen thread").click()
    expect(panel.get_by_role("button", name="Resolve thread")).to_be_visible()

    panel.get_by_role("button", name="Delete", exact=True).click()
    expect(panel.locator(".thread-empty")).to_be_visible()
    expect(badge(page, note)).to_have_accessible_name("Comment; reactions: 1 idea")
    assert not Comment.objects.exists()

    # Escape closes the panel and gives the focus back to the badge.
    box.focus()
    box.press("Escape")
    expect(panel).to_be_hidden()
    expect(badge(page, note)).to_be_focused()


def test_a_refused_mention_keeps_the_text_and_says_why(server, new_page, room, make_user):
    outsider = make_user("olive")
    note = room["notes"][0]
    page = new_page()
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{room['map'].pk}/")
    badge(page, note).click()
    box = page.locator("#discussion").get_by_label("Your comment")
    box.fill("@olive please look")
    # As a hand-made request would: the page's own autocomplete never offers her.
    answer = page.evaluate(
        """async ({key, note}) => {
          const body = new FormData();
          body.append('type', 'comment.add'); body.append('touchpoint', note);
          body.append('body', '@olive please look');
          body.append('mentions', key);
          const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
          const url = document.getElementById('discussion').dataset.operateUrl;
          const r = await fetch(url, {method: 'POST', body, headers: {'X-CSRFToken': token}});
          return [r.status, await r.json()];
        }""",
        {"key": f"member:{outsider.pk}", "note": note},
    )
    assert answer[0] == 422 and answer[1]["code"] == "not_mentionable"
    assert "may not see this map" in answer[1]["message"]
    expect(box).to_have_value("@olive please look")  # nothing typed is lost
    assert not Comment.objects.exists()


def test_hostile_comments_show_as_text_on_both_pages(server, new_page, room):
    note = room["notes"][0]
    actor = ops.Actor.for_user(room["map"].memberships.get(role="owner").user)
    for body in (XSS, RTL, "long " * 800):
        ops.add_comment(actor, room["map"], touchpoint=note, body=body)
    page = new_page()
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));"
    )
    log_in(page, server, "fran")
    for path in (f"/maps/{room['map'].pk}/", f"/w/{room['workshop'].join_code}/"):
        page.goto(f"{server}{path}")
        badge(page, note).click()
        comments = page.locator("#discussion li[data-comment]")
        expect(comments).to_have_count(3)
        expect(comments.nth(0).locator(".comment-body")).to_have_text(XSS)
        expect(comments.nth(1).locator(".comment-body")).to_have_text(RTL)
        assert page.locator("#discussion img, #discussion script").count() == 0
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("window.__csp") == []
        # 4,000 characters wrap inside the panel: the page never scrolls sideways.
        assert_fits_the_screen(page)
    # Through the page's own box: 10,000 characters are refused before anything is sent.
    box = page.locator("#discussion").get_by_label("Your comment")
    box.evaluate("(el) => { el.removeAttribute('maxlength'); el.value = 'x'.repeat(10000); }")
    page.locator("#discussion").get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("[data-composer-error]")).to_contain_text("at most 4,000 characters")
    assert Comment.objects.count() == 3


def test_a_hostile_name_in_the_mention_list_is_text(server, new_page, room):
    """A guest whose name is markup: the @ list and the marked mention show it as text."""
    code = room["workshop"].join_code
    name = '<img src=x onerror="window.__xss=3">'
    mallory = new_page()
    join_as_guest(mallory, server, code, name)
    fran = new_page()
    log_in(fran, server, "fran")
    fran.goto(f"{server}/w/{code}/")
    expect(fran.locator("#connection")).to_have_attribute("data-state", "online")
    badge(fran, room["notes"][0]).click()
    box = fran.locator("#discussion").get_by_label("Your comment")
    box.press_sequentially("Hi @<im")
    option = fran.locator("#mention-list [role=option]").first
    expect(option).to_contain_text(name)
    box.press("Enter")
    box.press("Control+Enter")
    expect(fran.locator("#discussion .comment-body .mention")).to_have_text(f"@{name}")
    assert fran.locator("#discussion img, #mention-list img").count() == 0
    assert fran.evaluate("window.__xss") is None
    assert Comment.objects.get().mentions[0]["name"] == name


@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots_of_the_panel_the_badges_and_the_inbox(server, new_page, room, size):
    width, height = SIZES[size]
    fran_user = room["map"].memberships.get(role="owner").user
    fran, ed = ops.Actor.for_user(fran_user), ops.Actor.for_user(room["ed"])
    note = room["notes"][0]
    ops.add_comment(fran, room["map"], touchpoint=note, body="Do we know how many see it?")
    ops.add_comment(
        ed,
        room["map"],
        touchpoint=note,
        body="@fran about 40% recall it, from the survey.",
        mentions=[f"member:{fran_user.pk}"],
    )
    for kind in ("+1", "idea"):
        ops.set_reaction(ed, room["map"], touchpoint=note, reaction=kind, on=True)
    ops.set_reaction(fran, room["map"], touchpoint=note, reaction="+1", on=True)
    ops.add_comment(ed, room["map"], stage=room["stages"][1].pk, body="Is this stage too long?")
    phone = size == "phone"
    page = new_page(viewport={"width": width, "height": height}, has_touch=phone, is_mobile=phone)
    log_in(page, server, "fran")
    page.goto(f"{server}/maps/{room['map'].pk}/")
    expect(badge(page, note)).to_have_accessible_name("2 comments; reactions: 2 plus one, 1 idea")
    publish_screenshot(
        screenshot(page, f"discussion-badges-{size}"), f"discussion-badges-{size}.png"
    )
    badge(page, note).click()
    expect(page.locator("#discussion li[data-comment]")).to_have_count(2)
    page.locator("#discussion").get_by_label("Your comment").press_sequentially("Thanks @")
    expect(page.locator("#mention-list [role=option]").first).to_be_visible()
    if phone:
        box = page.locator("#discussion").bounding_box()
        assert box["y"] > 100 and box["width"] == width  # a sheet from the bottom
        small = page.evaluate(
            """() => [...document.querySelectorAll('#discussion button, .talk-badge')]
              .filter((b) => b.offsetParent && b.getBoundingClientRect().height < 44)
              .map((b) => b.outerHTML.slice(0, 80))"""
        )
        assert small == []
    else:
        box = page.locator("#discussion").bounding_box()
        assert box["x"] + box["width"] == width  # beside the board
    assert_fits_the_screen(page)
    path = screenshot(page, f"discussion-panel-{size}")
    publish_screenshot(path, f"discussion-panel-{size}.png")
    page.goto(f"{server}/inbox/")
    publish_screenshot(screenshot(page, f"discussion-inbox-{size}"), f"discussion-inbox-{size}.png")
    # The live board: the same panel beside it, over the websocket.
    page.goto(f"{server}/w/{room['workshop'].join_code}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    badge(page, note).click()
    expect(page.locator("#discussion li[data-comment]")).to_have_count(2)
    assert_fits_the_screen(page)
    path = screenshot(page, f"discussion-live-{size}")
    publish_screenshot(path, f"discussion-live-{size}.png")
