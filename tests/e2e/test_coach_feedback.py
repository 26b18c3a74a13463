"""The coach's tools after upload and the feedback loop, at 1440 and 390 px: a clip renamed,
moved and deleted, an athlete renamed and merged, a batch deleted (each after asking); a note
at a moment with a drawing on the frame (line, angle, circle, arrow), shared with the
athlete, seen on the share link with its drawing at its moment, and the athlete's reply
seen by the coach. axe finds nothing, and no page logs an error or throws.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import httpx
import pytest
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams

from tests.e2e.test_coach_page import AXE, WIDTHS, _axe_violations, browser, server  # noqa: F401
from tests.e2e.test_coach_page_navigation import _watch

pytestmark = pytest.mark.model
# How many pixels of the drawing layer are painted (0: nothing drawn over the picture).
PAINTED = """() => { const c = document.querySelector('canvas.drawing');
  if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
# The page point of a fraction of the picture (the video letterboxed in its box).
AT = """([x, y]) => { const v = document.querySelector('video'), r = v.getBoundingClientRect();
  const a = v.videoWidth / v.videoHeight, w = Math.min(r.width, r.height * a), h = w / a;
  return [r.left + (r.width - w) / 2 + x * w, r.top + (r.height - h) / 2 + y * h]; }"""


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def clips(server):  # type: ignore[no-untyped-def]  # noqa: F811
    """Analysed clips: Wes's rounded back (for notes), and one clip per width to change and
    delete, all in one batch."""
    base, key, root = server
    batch = httpx.post(base + "/v1/batches", headers=_auth(key),
                       json={"name": "Feedback session"}).json()["id"]
    ids = {}
    for tag, name, athlete, params in (
            ("notes", "wes_rdl_2026-12-01.mp4", "Wes",
             {"scenario": "lumbar_rounding", "grade": "severe", "seed": 5}),
            ("desktop", "img_2026-12-01_desktop.mp4", "Img", {"scenario": "good_hinge", "seed": 2}),
            ("phone", "img_2026-12-01_phone.mp4", "Pxl", {"scenario": "good_hinge", "seed": 3})):
        path = root / name
        generate_clip(ClipParams.model_validate({"reps": 2, "resolution": 480, **params}),
                      path)
        ids[tag] = httpx.post(base + "/v1/videos", headers=_auth(key),
                              data={"athlete": athlete, "batch": batch},
                              files={"file": (name, path.read_bytes(), "video/mp4")}).json()["id"]
    deadline = time.monotonic() + 500
    for job in ids.values():
        while httpx.get(f"{base}/v1/jobs/{job}",
                        headers=_auth(key)).json()["outputs_ready"] is not True:
            assert time.monotonic() < deadline, f"job {job} never analysed"
            time.sleep(1)
    return batch, ids


def _page(browser, base: str, key: str | None, width: str):  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page(viewport=WIDTHS[width])
    problems = _watch(page)
    page.goto(base + "/#/")
    if key:
        page.evaluate(f"sessionStorage.setItem('hingecheck-key', {key!r})")
    return page, problems


def _check(page, problems: list[str], shot: Path) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(shot), full_page=True)
    if AXE.is_file():
        assert _axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert problems == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_clip_is_renamed_moved_deleted_and_athletes_merged(  # type: ignore[no-untyped-def]
        browser, server, clips, width: str) -> None:  # noqa: F811
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", root))
    batch, ids = clips
    job = ids[width]
    moved = httpx.post(base + "/v1/batches", headers=_auth(key),
                       json={"name": f"Moved ({width})"}).json()["id"]
    page, problems = _page(browser, base, key, width)
    # The clip view: the camera-roll name becomes an athlete, and the clip another batch's.
    page.goto(f"{base}/#/clip/{job}")
    page.wait_for_selector(".rep-card")
    page.click("details.manage summary")
    page.wait_for_selector(f"#manage-batch option[value='{moved}']", state="attached")
    page.fill("#manage-athlete", f"Zoe {width}")
    # The name field suggests the team's athletes: the browser's list of suggestions
    # opens over the fields below it (on a phone, over the Save button) until the
    # coach leaves the field, as a tap elsewhere or Tab does.
    page.press("#manage-athlete", "Tab")
    page.select_option("#manage-batch", moved)
    _check(page, problems, shots / f"f1-clip-manage-{width}.png")
    page.click(".manage-form button[type=submit]")
    page.wait_for_function(
        f"() => document.querySelector('#clip-title')?.textContent.startsWith('Zoe {width}')"
        " || document.querySelector('details.manage [role=status]')?.textContent")
    assert page.inner_text("#clip-title").startswith(f"Zoe {width}"), \
        page.inner_text("details.manage")
    now = httpx.get(f"{base}/v1/jobs/{job}", headers=_auth(key)).json()
    assert (now["athlete"], now["batch"]) == (f"Zoe {width}", moved)
    # The athlete view: renamed (a merge into a new name).
    page.goto(f"{base}/#/athlete/Zoe%20{width}")
    page.wait_for_selector("#athlete-jobs tbody tr")
    page.click("details.manage summary")
    page.fill("#rename-athlete", f"Zia {width}")
    page.press("#rename-athlete", "Tab")  # the suggestions close
    _check(page, problems, shots / f"f2-athlete-rename-{width}.png")
    page.click("details.manage button[type=submit]")
    page.wait_for_function(
        f"() => document.querySelector('#athlete-title')?.textContent === 'Zia {width}'")
    page.wait_for_selector("#athlete-jobs tbody tr")
    renamed = httpx.get(f"{base}/v1/jobs/{job}", headers=_auth(key)).json()
    assert renamed["athlete"] == f"Zia {width}"
    # The batch view: Zia merged into Wes.
    page.goto(f"{base}/#/batch/{moved}")
    page.wait_for_selector("#jobs tbody tr")
    page.click("details.manage summary")
    page.wait_for_selector(f"#merge-from option[value='Zia {width}']", state="attached")
    page.select_option("#merge-from", f"Zia {width}")
    page.fill("#merge-into", "Wes")
    page.press("#merge-into", "Tab")  # the suggestions close
    page.click(".manage-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#jobs tbody td a')?.textContent === 'Wes'")
    assert httpx.get(f"{base}/v1/jobs/{job}", headers=_auth(key)).json()["athlete"] == "Wes"
    # Delete the clip: nothing goes before the coach confirms, and "Keep it" keeps it.
    page.goto(f"{base}/#/clip/{job}")
    page.wait_for_selector(".rep-card")
    page.click("details.manage summary")
    page.click("text=Delete this clip…")
    assert "cannot be undone" in page.inner_text(".confirm")
    page.click(".confirm-no")
    assert httpx.get(f"{base}/v1/jobs/{job}", headers=_auth(key)).status_code == 200
    page.click("text=Delete this clip…")
    _check(page, problems, shots / f"f3-clip-delete-{width}.png")
    page.click(".confirm-yes")
    page.wait_for_url(re.compile(rf".*#/batch/{moved}$"))
    assert httpx.get(f"{base}/v1/jobs/{job}", headers=_auth(key)).status_code == 404
    # Delete the (now empty) batch, after asking.
    page.click("details.manage summary:has-text('delete this batch')")
    page.click("text=Delete this batch…")
    _check(page, problems, shots / f"f4-batch-delete-{width}.png")
    page.click(".confirm-yes")
    page.wait_for_function("() => location.hash === '#/'")
    assert httpx.get(f"{base}/v1/batches/{moved}", headers=_auth(key)).status_code == 404
    assert httpx.get(f"{base}/v1/batches/{batch}", headers=_auth(key)).status_code == 200
    page.wait_for_selector("#batches li")
    page.close()
    assert problems == []


def _drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    x0, y0 = page.evaluate(AT, list(start))
    x1, y1 = page.evaluate(AT, list(end))
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
    page.mouse.move(x1, y1)
    page.mouse.up()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_timed_note_with_a_drawing_reaches_the_athlete_and_the_reply_the_coach(  # type: ignore[no-untyped-def]
        browser, server, clips, width: str) -> None:  # noqa: F811
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", root))
    job = clips[1]["notes"]
    page, problems = _page(browser, base, key, width)
    page.goto(f"{base}/#/clip/{job}")
    page.wait_for_function("() => document.querySelector('#video')?.readyState >= 2",
                           timeout=30_000)
    moment = 1.2
    page.evaluate(f"document.querySelector('#video').currentTime = {moment}")
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('#video').currentTime - {moment}) < 0.05")
    page.click("#draw")
    assert page.locator(".draw-tools").is_visible()
    _drag(page, (0.3, 0.2), (0.5, 0.5))  # a line, one stroke
    page.click(".tool[data-tool=angle]")
    _drag(page, (0.5, 0.2), (0.5, 0.6))  # one arm's end to the corner,
    x, y = page.evaluate(AT, [0.8, 0.6])
    page.mouse.click(x, y)  # then the other arm's end: a right angle on the frame
    page.click(".tool[data-tool=circle]")
    _drag(page, (0.45, 0.4), (0.5, 0.4))
    page.click(".tool[data-tool=arrow]")
    _drag(page, (0.7, 0.3), (0.55, 0.35))
    said = page.inner_text(".draw-said")
    assert re.search(r"line, angle \d+°, circle, arrow", said), said
    assert page.evaluate(PAINTED) > 0
    page.fill("#note-clip", f"Hips back here, back flat ({width})")
    assert page.is_checked(".clip-notes .at-moment")  # a drawing is saved at its moment
    page.check(".clip-notes .share-note")
    _check(page, problems, shots / f"f5-drawing-{width}.png")
    page.click(".clip-notes .note-form button[type=submit]")
    page.wait_for_selector(".clip-notes .notes li .moment")
    page.fill("#note-0", f"Only for me ({width})")
    page.click(".rep-card[data-rep='0'] .note-form button[type=submit]")
    page.wait_for_selector(".rep-card[data-rep='0'] .notes li")
    notes = httpx.get(f"{base}/v1/jobs/{job}/notes", headers=_auth(key)).json()["notes"]
    drawn = next(n for n in notes if n["text"] == f"Hips back here, back flat ({width})")
    assert drawn["shared"] and abs(drawn["at_s"] - moment) < 0.05
    assert [s["kind"] for s in drawn["drawing"]] == ["line", "angle", "circle", "arrow"]
    angle = drawn["drawing"][1]
    assert 88 < angle["degrees"] < 92, angle  # as measured in the frame's pixels
    assert all(0 <= angle[p][c] <= 1 for p in ("vertex", "start", "end") for c in "xy")
    private = next(n for n in notes if n["text"] == f"Only for me ({width})")
    # The drawing's moment went with its note.
    assert not private["shared"] and private["at_s"] is None

    # The athlete's link: the shared note only, its drawing over the video at its moment.
    link = httpx.post(base + "/v1/shares", headers=_auth(key),
                      json={"athlete": "Wes"}).json()["link"]
    athlete, seen = _page(browser, base, None, width)
    athlete.goto(f"{base}{link}/{job}")
    athlete.wait_for_function(
        "() => document.querySelector('#shared-video')?.readyState >= 2", timeout=30_000)
    shared = athlete.locator(f".shared-notes li[data-note='{drawn['id']}']")
    assert f"Hips back here, back flat ({width})" in shared.inner_text()
    assert "Only for me" not in athlete.inner_text("#shared-clip")
    athlete.evaluate("document.querySelector('#shared-video').currentTime = 0")
    athlete.wait_for_function("() => document.querySelector('#shared-video').currentTime < 0.1")
    assert athlete.evaluate(PAINTED) == 0  # not at the note's moment: nothing drawn
    shared.locator(".moment").click()
    athlete.wait_for_function(
        "() => Math.abs(document.querySelector('#shared-video').currentTime"
        f" - {moment}) < 0.05")
    athlete.wait_for_function(f"({PAINTED})() > 0")
    shared.locator("summary").click()
    shared.locator("textarea").fill(f"Got it, I'll brace first ({width})")
    shared.locator("button[type=submit]").click()
    athlete.wait_for_selector(f".shared-notes .replies li:has-text('brace first ({width})')")
    _check(athlete, seen, shots / f"f6-shared-note-{width}.png")
    athlete.close()

    # The coach sees the reply under the note.
    page.reload()
    page.wait_for_selector(f".clip-notes li[data-note='{drawn['id']}'] .replies li")
    replies = page.inner_text(f".clip-notes li[data-note='{drawn['id']}'] .replies")
    assert f"brace first ({width})" in replies
    page.locator(".clip-notes").scroll_into_view_if_needed()
    _check(page, problems, shots / f"f7-coach-reply-{width}.png")
    page.close()
