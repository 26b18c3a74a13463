"""A team session from a phone and the coach's tools on a clip, at 1440 and 390 px: each
file's athlete and exercise in the upload queue (the name's guess, none for a camera's
names, editable); "why" in a coach's words with "show me"; full screen, pinch zoom and the
picture kept in view; any two reps of any two clips side by side, stepped frame by frame
at each clip's own fps; the week counted by filming date. axe finds nothing, and no page
logs an error or throws.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from hingecheck.video.encode import write_h264

from tests.e2e.test_coach_page import AXE, WIDTHS, _axe_violations, browser, server  # noqa: F401
from tests.e2e.test_coach_page_navigation import _watch

pytestmark = pytest.mark.model


def _signed_in(browser, base: str, key: str, width: str):  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page(viewport=WIDTHS[width])
    problems = _watch(page)
    page.goto(base + "/#/")
    page.evaluate(f"sessionStorage.setItem('hingecheck-key', {key!r})")
    return page, problems


def _check(page, problems: list[str], shot: Path) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(shot), full_page=True)
    if AXE.is_file():
        assert _axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert problems == []


@pytest.fixture(scope="module")
def team(server):  # type: ignore[no-untyped-def]  # noqa: F811
    """Two analysed clips: a rounded back at 30 fps, a squatted hinge at 24 fps."""
    base, key, root = server
    auth = {"Authorization": f"Bearer {key}"}
    ids = []
    for name, athlete, params in (
            ("uma_rdl_2026-12-06.mp4", "Uma", {"scenario": "lumbar_rounding", "grade": "severe",
                                               "reps": 2, "seed": 5}),
            ("vic_rdl_2026-11-02.mp4", "Vic", {"scenario": "squat_substitution", "reps": 2,
                                               "seed": 5, "fps": 24})):
        path = root / name
        generate_clip(ClipParams.model_validate({"resolution": 480, **params}), path)
        ids.append(httpx.post(base + "/v1/videos", headers=auth, data={"athlete": athlete},
                              files={"file": (name, path.read_bytes(), "video/mp4")}).json()["id"])
    deadline = time.monotonic() + 400
    for job in ids:
        while httpx.get(f"{base}/v1/jobs/{job}", headers=auth).json()["outputs_ready"] is not True:
            assert time.monotonic() < deadline, f"job {job} never analysed"
            time.sleep(1)
    return ids


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_each_file_in_the_queue_has_its_own_athlete_and_exercise(  # type: ignore[no-untyped-def]
        browser, server, width: str) -> None:  # noqa: F811
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", root))
    auth = {"Authorization": f"Bearer {key}"}
    choices = [c["name"] for c in httpx.get(base + "/v1/scoring").json()["exercise_choices"]]
    frames = [np.full((240, 320, 3), 90, np.uint8)] * 30
    names = [f"IMG_12{width[:2]}.mp4", f"PXL_20261205_0930_{width}.mp4",
             f"Screen Recording {width}.mp4", f"dora_rdl_{width}.mp4"]
    for name in names:
        write_h264(root / name, frames, fps=15)
    page, problems = _signed_in(browser, base, key, width)
    page.reload()
    page.fill("#batch-name", f"Phone session ({width})")
    page.set_input_files("#files", [str(root / n) for n in names])
    lines = page.locator("#queue li")
    assert lines.count() == 4
    # The guess from each name, shown: nobody for a camera's or an app's names.
    assert [lines.nth(i).locator("input.who").input_value() for i in range(4)] == \
        ["", "", "", "Dora"]
    lines.nth(0).locator("input.who").fill("Eli")  # the coach names the camera-roll clip
    lines.nth(3).locator("select.what").select_option(choices[1])
    _check(page, problems, shots / f"s1-queue-{width}.png")
    page.click("#send")
    page.wait_for_url(re.compile(r".*#/batch/.*"), timeout=60_000)
    batch = page.url.rsplit("/", 1)[1]
    jobs = {j["source_name"]: j for j in
            httpx.get(f"{base}/v1/batches/{batch}", headers=auth).json()["jobs"]}
    assert jobs[names[0]]["athlete"] == "Eli"
    assert jobs[names[1]]["athlete"] is None and jobs[names[2]]["athlete"] is None
    assert jobs[names[3]]["athlete"] == "Dora" and jobs[names[3]]["exercise"] == choices[1]
    assert jobs[names[0]]["exercise"] == choices[0]  # the batch's exercise, left as it was
    page.close()
    assert problems == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_clip_says_why_shows_the_moment_and_zooms(browser, server, team, width: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", root))
    page, problems = _signed_in(browser, base, key, width)
    page.goto(f"{base}/#/clip/{team[0]}")
    page.wait_for_function("() => document.querySelector('#video')?.readyState >= 2",
                           timeout=30_000)
    why = page.locator(".fault-why[data-fault=lumbar_rounding]").last
    # The bulge at the bottom, against a neutral back's (0.04 chord lengths).
    assert re.match(r"The back rounded at the bottom: its outline bulged about [\d.]+ times "
                    r"what a neutral back shows\.", why.locator(".words").inner_text())
    assert "chord lengths" not in why.locator(".words").inner_text()  # numbers one click deeper
    assert not why.locator("details.evidence ul").is_visible()
    why.locator("details.evidence summary").click()
    assert "chord lengths" in why.locator("details.evidence").inner_text()
    show = why.locator(".show-me")
    target = float(show.get_attribute("data-time") or "nan")
    show.click()
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('#video').currentTime - {target}) < 0.05")
    box = page.locator("#video").bounding_box()
    assert box and box["y"] >= -1 and box["y"] + box["height"] <= WIDTHS[width]["height"] + 1
    if width == "phone":
        # Read down to the last rep card: the picture stays in view (sticky).
        page.locator(".rep-card").last.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 400)")
        box = page.locator("#video").bounding_box()
        assert box and -1 <= box["y"] <= 10, box
        assert page.locator("#play").is_visible()
        # Two fingers apart on the picture: it zooms; "Zoom out" puts it back.
        page.evaluate("""() => { const s = document.querySelector('.stage');
          const r = s.getBoundingClientRect(), cx = r.left + r.width / 2, cy = r.top + r.height / 2;
          const fire = (type, id, x) => s.dispatchEvent(new PointerEvent(type, {pointerId: id,
            pointerType: 'touch', clientX: x, clientY: cy, bubbles: true, cancelable: true}));
          fire('pointerdown', 1, cx - 20); fire('pointerdown', 2, cx + 20);
          fire('pointermove', 1, cx - 60); fire('pointermove', 2, cx + 60);
          fire('pointerup', 1, cx - 60); fire('pointerup', 2, cx + 60); }""")
        assert "scale(3)" in page.evaluate("document.querySelector('#video').style.transform")
        page.screenshot(path=str(shots / f"s2-clip-zoomed-{width}.png"))
        page.click("#zoom-reset")
        assert page.evaluate("document.querySelector('#video').style.transform") == ""
        page.evaluate("window.scrollTo(0, 0)")
    page.click("#fullscreen")
    page.wait_for_function("() => document.fullscreenElement?.classList.contains('stage')")
    page.screenshot(path=str(shots / f"s2-clip-fullscreen-{width}.png"))
    # Full screen the page's buttons are out of sight: the browser's own controls are on.
    assert page.evaluate("document.querySelector('#video').controls") is True
    page.evaluate("document.exitFullscreen()")
    controls = str(width == "desktop").lower()
    page.wait_for_function("() => document.fullscreenElement === null && "
                           f"document.querySelector('#video').controls === {controls}")
    _check(page, problems, shots / f"s2-clip-{width}.png")
    page.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_any_two_reps_of_any_two_clips_step_in_sync(browser, server, team, width: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", root))
    page, problems = _signed_in(browser, base, key, width)
    page.goto(f"{base}/#/compare/{team[0]}/{team[0]}")
    ready = "() => ['#video-a', '#video-b'].every(s => document.querySelector(s)?.readyState >= 2)"
    page.wait_for_function(ready, timeout=30_000)
    # The second side: another athlete's clip (24 fps), its second rep.
    page.select_option("#clip-b", team[1])
    page.wait_for_function("() => document.querySelector('#name-b').textContent.startsWith('Vic')",
                           timeout=30_000)
    page.wait_for_function(ready, timeout=30_000)
    page.select_option("#rep-b", "1")
    assert page.inner_text("#name-a").startswith("Uma — uma_rdl_2026-12-06.mp4, rep ")
    assert page.inner_text("#name-b").startswith("Vic — vic_rdl_2026-11-02.mp4, rep 2")
    assert "Left" not in page.inner_text("#app") and "Right" not in page.inner_text("#app")
    frames = """() => ['a', 'b'].map(s => { const v = document.querySelector('#video-' + s);
      const fps = s === 'a' ? 30 : 24;
      return Math.floor(v.currentTime * fps + 1e-3) - Math.round(v.dataset.start * fps); })"""
    page.wait_for_function(f"() => ({frames})().every(n => n === 0)")
    for _ in range(3):
        page.click("#compare-fwd")
    assert page.evaluate(frames) == [3, 3]  # each three frames of its own clip
    page.click("#compare-back")
    assert page.evaluate(frames) == [2, 2]
    page.eval_on_selector("#compare-scrub", "s => { s.value = '12'; "  # A's 12th frame (0.4 s):
                          "s.dispatchEvent(new Event('input', {bubbles: true})); }")  # B's 10th
    assert page.evaluate(frames) == [12, 10]
    page.click(".compare-speed[data-rate='0.5']")
    assert "speed 0.5×" in page.inner_text("#compare-where")
    assert page.evaluate("document.querySelector('#video-b').playbackRate") == 0.5
    if width == "phone":  # stacked, and Play within reach
        page.evaluate("window.scrollTo(0, 0)")
        box = page.locator("#compare-play").bounding_box()
        assert box and box["y"] + box["height"] <= WIDTHS[width]["height"]
    page.click("#compare-play")
    page.wait_for_function("() => !document.querySelector('#video-b').paused")
    page.click("#compare-play")
    page.wait_for_function("() => document.querySelector('#video-a').paused")
    _check(page, problems, shots / f"s3-compare-{width}.png")
    page.close()


def test_the_week_counts_clips_by_the_day_they_were_filmed(browser, server, team) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", root))
    for width in WIDTHS:
        page, problems = _signed_in(browser, base, key, width)
        page.goto(f"{base}/#/week")
        page.wait_for_selector("#week-jobs tbody tr")
        rows = page.locator("#week-jobs tbody tr")
        filmed = [rows.nth(i).locator("td").nth(1).inner_text().removeprefix("uploaded ")
                  for i in range(rows.count())]
        since = re.search(r"filmed since (\d{4}-\d\d-\d\d)", page.inner_text("#week-counts"))
        assert since, page.inner_text("#week-counts")
        this_week = sum(d >= since[1] for d in filmed)
        header = page.inner_text("#week-counts")
        assert header.startswith(f"{this_week} clip"), (header, filmed)
        assert "vic_rdl_2026-11-02" not in header
        earlier = len(filmed) - this_week
        assert (f"{earlier} filmed earlier" in header) == (earlier > 0), header
        _check(page, problems, shots / f"s4-week-{width}.png")
        page.close()
