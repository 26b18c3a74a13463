"""The coach's page in a real browser: Debian's Chromium driven by Playwright, against
`hingecheck serve` started here, with real generated clips and the real model.

Screenshots of each page go to $HINGECHECK_SCREENSHOTS (default: the test's tmp folder).
"""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from hingecheck.settings import Settings
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams
from hingecheck.video.encode import write_h264
from hingecheck.vocab import FaultName
from playwright.sync_api import Browser, Page, ViewportSize, expect

pytestmark = pytest.mark.model
Served = tuple[str, str, Path]  # the server's address, its key, its folder
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / ".cache/npm/node_modules/axe-core/axe.min.js"
WIDTHS: dict[str, ViewportSize] = {"desktop": {"width": 1440, "height": 900},
                                   "phone": {"width": 390, "height": 844}}
# Clips are drawn at 480p: the page shows any size the same way, and each one is analysed
# by the real model on two cores while the test waits.
CLIPS = {  # file name → (scenario, extra params); the athlete comes from the file name
    "anna_rdl_2026-11-20.mp4": {"scenario": "good_hinge", "seed": 2, "resolution": 480},
    "ben_rdl_2026-11-20.mp4": {"scenario": "squat_substitution", "seed": 5, "resolution": 480},
    "cara_rdl_2026-11-20.mp4": {"scenario": "lumbar_rounding", "grade": "severe", "seed": 5,
                                "resolution": 480},
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("HINGECHECK_REQUIRE_SERVICES") == "1":
            pytest.fail("Chromium required: apt-get install chromium (.ci/run does)")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           settings: Settings) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HINGECHECK_DATA_DIR": str(root / "data"),
           "HINGECHECK_MODEL_DIR": str(settings.model_dir), "COLUMNS": "300"}
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    key = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if match := re.search(r"(hc_[0-9a-f]+\.[\w-]+)", line):
            key = match.group(1)
            break
    # The server logs a line per request: its pipe is read to the end, or, once the pipe's
    # buffer is full, the server blocks on its next log line and stops answering.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/healthz", timeout=1.0)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    assert key is not None, "hingecheck serve printed no API key"
    yield base, key, root
    proc.terminate()
    proc.wait(10)


def wait_drawn(base: str, key: str, job_ids: list[str], timeout_s: float = 300) -> None:
    """Until every job's annotated clip is stored (the verdict comes first; a batch's
    drawings follow its verdicts)."""
    deadline = time.monotonic() + timeout_s
    for job in job_ids:
        while not httpx.get(f"{base}/v1/jobs/{job}", headers={
                "Authorization": f"Bearer {key}"}).json()["outputs_ready"]:
            assert time.monotonic() < deadline, f"job {job}'s clip never drawn"
            time.sleep(0.5)


def test_coach_uploads_reviews_and_exports_a_batch(browser: Browser, server: Served,
                                                   tmp_path: Path) -> None:
    base, key, root = server
    assert key, "serve prints an API key"
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fields in CLIPS.items():
        path = root / name
        generate_clip(ClipParams.model_validate({"reps": 2, **fields}), path)
        paths.append(path)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(base)
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.fill("#batch-name", "Tuesday squad")
    page.set_input_files("#files", [str(p) for p in paths])
    expect(page.locator("#queue li")).to_have_count(3)
    page.screenshot(path=str(shots / "1-upload.png"), full_page=True)
    page.click("#send")
    page.wait_for_url(re.compile(r".*#/batch/.*"), timeout=60_000)
    batch_id = page.url.rsplit("#/batch/", 1)[1]
    page.wait_for_function(
        "() => [...document.querySelectorAll('#jobs tbody tr')].length === 3 && "
        "[...document.querySelectorAll('#jobs tbody tr td:nth-child(3)')]"
        ".every(td => td.textContent === 'succeeded')", timeout=480_000)  # 2 shared cores
    rows = page.locator("#jobs tbody tr")
    athletes = [rows.nth(i).locator("td").first.inner_text() for i in range(3)]
    rows_ids = [rows.nth(i).get_attribute("data-job") or "" for i in range(3)]
    wait_drawn(base, key, rows_ids)
    assert sorted(athletes) == ["Anna", "Ben", "Cara"]  # taken from the file names
    assert athletes[0] == "Cara"  # the rounded back needs the coach first
    assert "Rounded back" in rows.nth(0).inner_text()
    page.screenshot(path=str(shots / "2-batch.png"), full_page=True)
    # Each view names the tab and takes the focus to its heading.
    assert page.title() == "Tuesday squad — hingecheck"
    assert page.evaluate("document.activeElement.id") == "batch-title"

    # Each clip says which file it is and when it was filmed (from its name).
    assert "filmed 2026-11-20" in rows.nth(0).locator("td").nth(6).inner_text()
    # A column header sorts by it; pressed again, the other way; the default is the urgency.
    page.click("#jobs th button[data-sort=athlete]")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == \
        ["Anna", "Ben", "Cara"]
    assert page.get_attribute("#jobs th:first-child", "aria-sort") == "ascending"
    page.click("#jobs th button[data-sort=athlete]")
    assert rows.nth(0).locator("td").first.inner_text() == "Cara"
    page.click("#jobs th button[data-sort=faults]")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == athletes

    with page.expect_download() as download:
        page.click("#export")
    text = Path(download.value.path()).read_text()
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["athlete"] for r in table] == athletes
    assert all(r["status"] == "succeeded" and r["score"] for r in table)
    assert {r["batch"] for r in table} == {"Tuesday squad"}
    assert {r["filmed"] for r in table} == {"2026-11-20"}
    assert "lumbar_rounding" in table[0]["fault names"] and "Rounded back" in table[0]["faults"]
    assert download.value.suggested_filename == "hingecheck-Tuesday_squad.csv"
    # A name a spreadsheet would run as a formula is written as text.
    assert page.evaluate("hingecheck.csvCell('=HYPERLINK(\"http://x\")')") == \
        '"\'=HYPERLINK(""http://x"")"'
    assert page.evaluate("hingecheck.csvCell(-3)") == '"-3"'  # numbers stay numbers

    rows.nth(0).click()
    page.wait_for_url(re.compile(r".*#/clip/.*"))
    # The clip view renders after the route changes: wait for the element, then its data.
    page.wait_for_function("() => { const v = document.querySelector('#video');"
                           " return v !== null && v.readyState >= 1; }", timeout=30_000)
    marker = page.locator(".timeline .fault[data-fault=lumbar_rounding]").last
    target = float(marker.get_attribute("data-time") or "nan")
    marker.click()
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('#video').currentTime - {target}) < 0.1")
    # The rep under the playhead, and only it.
    expect(page.locator(".rep-card.current")).to_have_count(1, timeout=10_000)
    page.click(".speed[data-rate='0.5']")
    assert page.evaluate("document.querySelector('#video').playbackRate") == 0.5
    page.screenshot(path=str(shots / "3-clip.png"), full_page=True)
    # The fault under the playhead, with its cue, as text under the picture.
    assert "Rounded back" in page.inner_text("#caption")
    assert "neutral spine" in page.inner_text("#caption")
    assert page.inner_text("#clip-exercise") == "Judged as Romanian deadlift, as asked."
    # Each angle beside the exercise's reference values, and why the fault was called:
    # the numbers behind it and the ranges they were read on (GET /v1/scoring).
    card = page.locator(".rep-card.current")
    assert re.search(r"knee \d+° \(soft 8–35°; a squat from 60°\)", card.inner_text())
    assert re.search(r"hip \d+° \(a hinge: 50°\+\)", card.inner_text())
    # Why, in a coach's words first (the back's outline against a neutral back's) ...
    words = card.locator(".fault-why[data-fault=lumbar_rounding] .words").inner_text()
    assert re.match(r"The back (rounded|was already rounded)", words), words
    # ... and the numbers one click deeper.
    assert card.locator("details.evidence").first.get_attribute("open") is None
    card.locator("details.evidence summary", has_text="The numbers behind “Rounded back”").click()
    why = card.locator("details.evidence").first.inner_text()
    assert re.search(r"back's bulge at the bottom: 0\.\d+ chord lengths \(fine up to 0\.04, "
                     r"clearly wrong from 0\.08\)", why), why
    assert "the outline's curve as an arc" in why
    card.screenshot(path=str(shots / "3c-why.png"))
    with page.expect_download() as download:
        page.click("button.download[data-kind=result]")
    assert download.value.suggested_filename == "cara_rdl_2026-11-20-result.json"
    assert '"summary"' in Path(download.value.path()).read_text()
    # Judged again as a conventional deadlift: a new job, and its view once done.
    first_clip = page.url
    page.select_option("#reanalyse-exercise", "deadlift")
    page.click("#reanalyse-form button[type=submit]")
    page.wait_for_function(f"() => location.href !== {first_clip!r}")
    page.wait_for_selector(".rep-card", timeout=240_000)
    assert page.inner_text("#clip-exercise") == \
        "Judged as conventional deadlift, as asked. A re-analysis of an earlier upload."
    page.go_back()
    page.wait_for_selector(".rep-card")
    # The best and the worst rep side by side, in sync.
    page.click("#compare-link")
    page.wait_for_function("() => ['#video-a', '#video-b'].every(s => "
                           "document.querySelector(s)?.readyState >= 2)", timeout=30_000)
    assert page.input_value("#rep-a") != page.input_value("#rep-b")
    page.click("#compare-play")
    page.wait_for_function("() => !document.querySelector('#video-b').paused")
    # Both play for a second of the first's clip time (however long a busy machine takes).
    page.wait_for_function("() => { const a = document.querySelector('#video-a');"
                           " return a.currentTime - a.dataset.start > 1; }", timeout=30_000)
    page.click("#compare-play")  # pause both
    drift = page.evaluate("() => { const [a, b] = ['#video-a', '#video-b'].map(s => "
                          "document.querySelector(s)); return Math.abs((a.currentTime - "
                          "a.dataset.start) - (b.currentTime - b.dataset.start)); }")
    assert drift < 0.15, drift
    page.screenshot(path=str(shots / "3b-compare.png"), full_page=True)
    page.go_back()
    page.wait_for_selector(".rep-card")

    page.click("#athlete-link")
    page.wait_for_url(re.compile(r".*#/athlete/Cara"))
    page.wait_for_selector("#athlete-jobs tbody tr")
    assert "Rounded back" in page.inner_text("#athlete-recurring")
    assert page.locator("#athlete-jobs tbody td").first.inner_text() == "2026-11-20"  # filmed
    # The same file uploaded again (to the same batch) is one clip in the athlete's history
    # and in the batch, not two, whether or not the new upload is judged yet.
    again = httpx.post(f"{base}/v1/videos", headers={"Authorization": f"Bearer {key}"},
                       data={"athlete": "Cara", "batch": batch_id}, files={"file": (
                           "cara_rdl_2026-11-20.mp4", paths[2].read_bytes(), "video/mp4")})
    assert again.status_code == 202
    page.reload()
    expect(page.locator("#athlete-jobs tbody tr")).to_have_count(1, timeout=30_000)
    assert "uploaded 2×" in page.inner_text("#athlete-jobs tbody")
    assert page.locator("#athlete-jobs tbody td.score").inner_text() != "—"  # the analysed one
    page.screenshot(path=str(shots / "4-athlete.png"), full_page=True)

    # A read-only link for the athlete: their clips, without the team's key, until revoked.
    wait_drawn(base, key, [again.json()["id"]])
    page.click("#share-form button[type=submit]")
    page.wait_for_selector("#shares li")
    link = page.input_value("#share-url")
    assert "#/shared/hcs_" in link and key not in link
    athlete_page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    athlete_page.goto(link)
    athlete_page.wait_for_selector("#shared-jobs tbody tr")
    assert athlete_page.inner_text("#shared-title") == "Cara: your analysed lifts"
    assert athlete_page.evaluate("sessionStorage.getItem('hingecheck-key')") is None
    athlete_page.click("#shared-jobs tbody tr a")
    athlete_page.wait_for_function(
        "() => document.querySelector('#shared-video')?.readyState >= 1", timeout=30_000)
    expect(athlete_page.locator("#shared-reps .rep-card")).to_have_count(2)
    # None of the coach's tools: the athlete only replies (a reply form, no note form).
    assert athlete_page.locator(".note-form, #reanalyse-form, #share-form, .download").count() == 0
    assert athlete_page.locator("textarea").evaluate_all(
        "boxes => boxes.every(b => b.closest('form.reply-form'))")
    assert athlete_page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1")
    athlete_page.screenshot(path=str(shots / "4c-shared-phone.png"), full_page=True)
    page.click("#shares li button")  # revoke
    page.wait_for_function("() => document.querySelectorAll('#shares li').length === 0")
    athlete_page.reload()
    athlete_page.wait_for_function(
        "() => document.querySelector('#shared-title')?.textContent === 'Link not valid'")
    assert "expired or was revoked" in athlete_page.inner_text("#shared-note")
    athlete_page.close()

    # Across batches: the week's clips, most urgent first.
    page.click("nav a[href='#/week']")
    page.wait_for_selector("#week-jobs tbody tr")
    assert page.locator("#week-jobs tbody tr").first.locator("td").first.inner_text() == "Cara"
    assert "Tuesday squad" in page.locator("#week-jobs tbody tr").first.inner_text()
    # Cara's clip was judged twice (as an RDL, then as a deadlift) and uploaded again
    # without a batch: one row, the newest, with the batch it came in.
    assert page.locator("#week-jobs tbody tr").filter(has_text="Cara").count() == 1
    cara_reps = page.locator("#week-reps tbody tr").filter(has_text="Cara")
    assert cara_reps.count() <= 2  # her clip's two reps, once each
    page.screenshot(path=str(shots / "4b-week.png"), full_page=True)
    # The worst reps across the week's clips; each opens its clip at that rep.
    worst = page.locator("#week-reps tbody tr").first
    assert worst.locator("td").first.inner_text() == "Cara" and "Rounded back" in \
        worst.inner_text()
    rep = int(worst.get_attribute("data-rep") or "-1")
    worst.locator("a").click()
    page.wait_for_url(re.compile(rf".*#/clip/[0-9a-f]+/{rep + 1}$"))
    page.wait_for_selector(f".rep-card.current[data-rep='{rep}']", timeout=30_000)
    page.go_back()
    page.wait_for_selector("#week-jobs tbody tr")

    # A link to a clip opens that clip once signed in, not the home page.
    shared = browser.new_page(viewport={"width": 1280, "height": 900})
    shared.goto(page.url.split("#")[0] + "#/clip/" + rows_ids[0])
    shared.fill("#key", key)
    shared.click("button[type=submit]")
    shared.wait_for_selector("#video")
    assert "#/clip/" + rows_ids[0] in shared.url
    shared.close()

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(page.url)
    phone.evaluate(f"sessionStorage.setItem('hingecheck-key', '{key}')")
    phone.goto(base + "/#/")
    phone.wait_for_selector("#batches li")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=str(shots / "5-phone.png"), full_page=True)
    # No view scrolls sideways on a phone: the batch and the athlete's clips as cards.
    phone.click("#batches li a")
    phone.wait_for_selector("#jobs tbody tr td[data-label]")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Measured in one step in the page (a row the refresh redraws between finding it and
    # measuring it had no box on a busy machine).
    assert phone.locator("#jobs tbody tr").first.evaluate(
        "tr => tr.getBoundingClientRect().width") <= 390
    # The cards have no column headers to press: the same orders come from a list.
    assert phone.locator("#jobs thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    phone.select_option("#sort-by", "athlete")
    expect(phone.locator("#jobs tbody tr td:first-child").first).to_have_text("Anna")
    assert phone.locator("#jobs tbody tr td:first-child").all_inner_texts()[:3] == \
        ["Anna", "Ben", "Cara"]
    phone.select_option("#sort-by", "faults")
    expect(phone.locator("#jobs tbody tr td:first-child").first).to_have_text("Cara")
    phone.screenshot(path=str(shots / "5b-phone-batch.png"), full_page=True)
    phone.goto(base + "/#/athlete/Cara")
    phone.wait_for_selector("#athlete-jobs tbody tr td[data-label='Clip']")
    assert phone.locator("#athlete-jobs td[data-label='Clip']").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.close()
    page.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_failures_are_shown_with_their_reasons(browser: Browser, server: Served, tmp_path: Path,
                                               width: str) -> None:
    """A refused file keeps its reason on the upload page; a job the worker rejected shows
    the stored reason in the batch and in its clip view; at desktop and phone widths."""
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", tmp_path))
    notes = root / f"dan_notes_{width}.mp4"
    notes.write_text("squat day: 5x5\n" * 40)  # not a video: refused at upload
    empty = root / f"eve_empty_room_{width}.mp4"  # nobody in it: rejected by the worker
    write_h264(empty, [np.full((240, 320, 3), 90, np.uint8)] * 45, fps=15)
    page = browser.new_page(viewport=WIDTHS[width])
    page.goto(base)
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.fill("#batch-name", f"Failures ({width})")
    page.set_input_files("#files", [str(notes), str(empty)])
    page.click("#send")
    alert = page.wait_for_selector("#upload-result [role=alert]", timeout=60_000)
    assert alert is not None
    assert "1 of 2 files were not accepted" in alert.inner_text()
    refused = page.locator("#queue li", has_text=notes.name).inner_text()
    assert "not accepted" in refused and "not a video" in refused
    assert "#/batch/" not in page.url  # the page stays with the reason
    if AXE.is_file():  # the refusal, as a screen reader meets it
        assert _axe_violations(page) == []
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / f"6-refused-{width}.png"), full_page=True)
    page.click("#upload-result a")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#jobs tbody tr td:nth-child(3)')]"
        ".some(td => td.textContent.startsWith('rejected'))", timeout=240_000)
    row = page.locator("#jobs tbody tr", has_text="rejected")
    assert "no person was found" in row.locator(".reason").inner_text()  # the stored reason
    _no_sideways_scroll(page)
    row.click()
    page.wait_for_selector("#clip-summary .error")
    assert page.inner_text("#clip-summary").startswith("Not analysed (rejected)")
    assert "no person was found" in page.inner_text("#clip-summary")
    assert page.locator(".player").is_hidden()
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / f"7-rejected-{width}.png"), full_page=True)
    page.close()


def _no_sideways_scroll(page: Page) -> None:
    """The page fits the screen's width; if not, the elements that stick out are named."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    outside = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => "
        "e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + "
        "(e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + "
        "Math.round(e.getBoundingClientRect().right) + 'px').slice(0, 8)")
    assert page.viewport_size is not None
    assert wide <= page.viewport_size["width"] + 1, f"laid out {wide} px wide: {outside}"



def _axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it stands: 'rule: selector (impact)'."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations.map(v => "
                          "v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ') + "
                          "' (' + v.impact + ')')")
    return list(found)


def test_every_view_passes_axe_at_both_widths(browser: Browser, server: Served,
                                              tmp_path: Path) -> None:
    """axe-core (npm, pinned by the Makefile) on every view, desktop and phone: sign-in,
    home, a batch, a scored clip, a clip that was not analysed, an athlete, the week, two
    reps side by side, a shared clip; each one screenshotted."""
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", tmp_path))
    if not AXE.is_file():
        if os.environ.get("HINGECHECK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"axe-core required at {AXE} (make browser installs it)")
        pytest.skip("no axe-core (make browser installs it from npm)")
    base, key, root = server
    auth = {"Authorization": f"Bearer {key}"}
    clip = root / "fay_rdl_2026-11-21.mp4"
    generate_clip(ClipParams(scenario=FaultName.SQUAT_SUBSTITUTION, reps=2, seed=3,
                             resolution=480), clip)
    nobody = root / "gus_empty_room.mp4"
    write_h264(nobody, [np.full((240, 320, 3), 90, np.uint8)] * 45, fps=15)
    batch = httpx.post(base + "/v1/batches", headers=auth, json={"name": "Axe"}).json()["id"]
    ids = {}
    for path, athlete, wanted in ((clip, "Fay", "succeeded"), (nobody, "Gus", "rejected")):
        ids[wanted] = httpx.post(
            base + "/v1/videos", headers=auth, data={"batch": batch, "athlete": athlete},
            files={"file": (path.name, path.read_bytes(), "video/mp4")}).json()["id"]
    deadline = time.monotonic() + 240
    for wanted, job in ids.items():
        while httpx.get(f"{base}/v1/jobs/{job}", headers=auth).json()["status"] != wanted:
            assert time.monotonic() < deadline, f"job {job} never {wanted}"
            time.sleep(1)
    wait_drawn(base, key, [ids["succeeded"]])

    share = httpx.post(base + "/v1/shares", headers=auth, json={"athlete": "Fay"}).json()["token"]
    views = {"home": ("#/", "#batches li"), "batch": (f"#/batch/{batch}", "#jobs tbody tr"),
             "clip": (f"#/clip/{ids['succeeded']}", ".rep-card"),
             "clip not analysed": (f"#/clip/{ids['rejected']}", "#clip-summary .error"),
             "athlete": ("#/athlete/Fay", "#athlete-jobs tbody tr"),
             "week": ("#/week", "#week-jobs tbody tr"),
             "compare": (f"#/compare/{ids['succeeded']}/{ids['succeeded']}",
                         "#video-b[src^='blob:']"),
             "shared clip": (f"#/shared/{share}/{ids['succeeded']}", "#shared-reps .rep-card")}
    problems: dict[str, list[str]] = {}
    for width, viewport in WIDTHS.items():
        page = browser.new_page(viewport=viewport)
        page.goto(base + "/#/")
        page.wait_for_selector("#key")
        problems[f"sign-in {width}"] = _axe_violations(page)
        page.fill("#key", key)
        page.click("button[type=submit]")
        for name, (route, ready) in views.items():
            page.goto(f"{base}/{route}")
            page.wait_for_selector(ready, timeout=30_000)
            problems[f"{name} {width}"] = _axe_violations(page)
            page.screenshot(path=str(shots / f"view-{name.replace(' ', '-')}-{width}.png"),
                            full_page=True)
            if width == "phone":  # no view scrolls sideways on a phone
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > viewport["width"] + 1:
                    problems[f"{name} {width}"].append(f"laid out {wide} px wide")
            if name == "clip":
                _player_fits_the_screen(page, phone=width == "phone")
        page.close()
    assert {view: found for view, found in problems.items() if found} == {}


def _player_fits_the_screen(page: Page, phone: bool) -> None:
    """On a phone the browser's own controls (which cover half the picture) are off: the
    page's Play button and a tap on the picture play and pause, and a clock says where."""
    page.wait_for_function("() => document.querySelector('#video').readyState >= 1")
    assert page.evaluate("document.querySelector('#video').controls") is (not phone)
    page.click("#play")
    page.wait_for_function("() => !document.querySelector('#video').paused && "
                           "document.querySelector('#play').textContent === 'Pause'")
    if phone:
        page.click("#video")  # a tap on the picture
    else:
        page.click("#play")
    page.wait_for_function("() => document.querySelector('#video').paused && "
                           "document.querySelector('#play').textContent === 'Play'")
    assert re.fullmatch(r"0:\d\d\.\d / 0:\d\d\.\d", page.inner_text("#clock"))


def test_a_clip_not_ready_then_not_scored_says_so_on_a_phone(browser: Browser, server: Served,
                                                             tmp_path: Path) -> None:
    """Opened while it waits behind another clip, a clip says it is not ready (and how far
    along it is); it turns into its view by itself when done; filmed from too far off the
    side it gets no score, and says why, in the clip view and in the batch, with no fault,
    cue or rep verdict."""
    base, key, root = server
    shots = Path(os.environ.get("HINGECHECK_SCREENSHOTS", tmp_path))
    auth = {"Authorization": f"Bearer {key}"}
    busy = root / "hal_rdl_2026-11-22.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=3, seed=8, resolution=480), busy)
    oblique = root / "ida_rdl_2026-11-22.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, resolution=480, view_deg=60,
                             seed=4), oblique)
    batch = httpx.post(base + "/v1/batches", headers=auth, json={"name": "Angles"}).json()["id"]
    ids = [httpx.post(base + "/v1/videos", headers=auth, data={"batch": batch, "athlete": a},
                      files={"file": (p.name, p.read_bytes(), "video/mp4")}).json()["id"]
           for p, a in ((busy, "Hal"), (oblique, "Ida"))]
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(base + "/#/")
    phone.evaluate(f"sessionStorage.setItem('hingecheck-key', '{key}')")
    phone.goto(f"{base}/#/clip/{ids[1]}")
    waiting = phone.wait_for_selector("#clip-summary [role=status]", timeout=10_000)
    assert waiting is not None
    assert waiting.inner_text().startswith("Not ready yet: "), waiting.inner_text()
    assert "shows it once it is done" in waiting.inner_text()
    assert phone.locator(".player").is_hidden()
    # Nothing to compare, download or judge again yet; the athlete is named.
    assert phone.locator("#compare-link, #reanalyse-form, button.download").evaluate_all(
        "nodes => nodes.every(n => n.offsetParent === null)")
    assert phone.inner_text("#athlete-link") == "Ida"
    phone.screenshot(path=str(shots / "8-not-ready-phone.png"), full_page=True)
    phone.wait_for_function("() => document.querySelector('#video')?.readyState >= 1",
                            timeout=240_000)  # the view replaced itself once the job was done
    summary = phone.inner_text("#clip-summary")
    assert summary.startswith("not scored: the camera is about"), summary
    assert "off a side view" in summary
    assert phone.locator(".timeline .fault, #cues p, .rep-card .chip").count() == 0
    assert "°" not in phone.inner_text("#reps")  # no angles read off a refused view
    assert "not judged" in phone.inner_text("#reps") and phone.locator("#chart").is_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=str(shots / "9-not-scored-phone.png"), full_page=True)
    phone.goto(f"{base}/#/batch/{batch}")
    row = phone.locator("#jobs tbody tr", has_text="Ida")
    row.locator("td.score", has_text="not judged").wait_for(timeout=240_000)
    assert "off a side view" in row.locator("td.score").inner_text()  # and why
    assert "succeeded" in row.inner_text() and row.locator(".chip").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    job = httpx.get(f"{base}/v1/jobs/{ids[1]}", headers=auth).json()
    assert job["score"] is None and job["unscored_reason"].startswith("not scored: the camera")
    assert httpx.get(f"{base}/v1/jobs/{ids[0]}", headers=auth).json()["unscored_reason"] is None
    phone.close()


def _tab_to(page: Page, selector: str, presses: int = 80) -> None:
    """Press Tab until the focus is on ``selector`` (as a keyboard user moves)."""
    for _ in range(presses):
        if page.evaluate(f"document.activeElement?.matches({selector!r}) ?? false"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached with Tab; focus on "
                         f"{page.evaluate('document.activeElement?.outerHTML')}")


def test_a_keyboard_alone_signs_in_uploads_opens_the_worst_clip_plays_steps_and_notes(
        browser: Browser, server: Served) -> None:
    base, key, root = server
    paths = []
    for name in ("anna_rdl_2026-11-20.mp4", "cara_rdl_2026-11-20.mp4"):
        path = root / f"kb_{name}"
        generate_clip(ClipParams.model_validate({"reps": 2, **CLIPS[name]}), path)
        paths.append(path)
    # A browser of its own: with other tests' pages open in the shared one, the file
    # picker opened from the keyboard did not always appear.
    own = browser.browser_type.launch(executable_path=str(CHROMIUM),
                                      args=["--no-sandbox", "--disable-background-networking"])
    try:
        _keyboard_run(own.new_page(viewport={"width": 1280, "height": 900}), base, key, paths)
    finally:
        own.close()


def _keyboard_run(page: Page, base: str, key: str, paths: list[Path]) -> None:
    # Listening for the picker from the start turns Playwright's interception of it on
    # before any key is pressed (turned on only inside expect_file_chooser, it raced the
    # key press and the picker was sometimes missed).
    page.on("filechooser", lambda _: None)
    page.goto(base)
    _tab_to(page, "#key")
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    # The home view has landed once its heading holds the focus (as a screen reader says).
    page.wait_for_function("() => document.activeElement?.tagName === 'H1' && "
                           "document.title.startsWith('Upload a batch')")
    _tab_to(page, "#batch-name")
    page.keyboard.type("Keyboard squad")
    _tab_to(page, "#files")  # "choose files": the file input itself, under its label
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files([str(p) for p in paths])
    _tab_to(page, "#send")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*#/batch/.*"), timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#jobs tbody tr td:nth-child(3)')]"
        ".filter(td => td.textContent === 'succeeded').length === 2", timeout=240_000)
    worst = page.locator("#jobs tbody tr").first
    assert worst.locator("td").first.inner_text() == "Kb"  # athlete from "kb_cara_…"
    job_id = worst.get_attribute("data-job")
    page.wait_for_function("() => document.activeElement?.id === 'batch-title'")
    _tab_to(page, "#jobs tbody tr:first-child a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*#/clip/{job_id}"))
    # The verdict comes first: the clip plays once drawn (a batch's drawings follow its
    # verdicts), which the page waits for itself.
    page.wait_for_function("() => document.querySelector('#video')?.readyState >= 2 && "
                           "document.activeElement?.id === 'clip-title'", timeout=120_000)

    page.keyboard.press(" ")  # plays
    page.wait_for_function("() => !document.querySelector('#video').paused")
    page.keyboard.press(" ")  # and pauses
    page.wait_for_function("() => document.querySelector('#video').paused")
    before = page.evaluate("document.querySelector('#video').currentTime")
    page.keyboard.press(".")
    page.keyboard.press(".")
    page.wait_for_function(f"() => document.querySelector('#video').currentTime > {before}")
    forward = page.evaluate("document.querySelector('#video').currentTime")
    page.keyboard.press(",")
    page.wait_for_function(f"() => document.querySelector('#video').currentTime < {forward}")

    _tab_to(page, "#note-0")
    page.keyboard.type("Push the hips back first, then bend the knees.")
    page.keyboard.press("Tab")  # to Save note
    page.keyboard.press("Enter")
    page.wait_for_selector(".rep-card[data-rep='0'] .notes li")
    stored = httpx.get(f"{base}/v1/jobs/{job_id}/notes",
                       headers={"Authorization": f"Bearer {key}"}).json()["notes"]
    assert [(n["rep"], n["text"]) for n in stored] == \
        [(0, "Push the hips back first, then bend the knees.")]
    page.reload()  # the note is the server's, not the page's
    page.wait_for_selector(".rep-card[data-rep='0'] .notes li")
    assert "Push the hips back" in page.inner_text(".rep-card[data-rep='0'] .notes")


def test_a_clip_opened_in_a_new_tab_needs_no_second_sign_in(browser: Browser,
                                                            server: Served) -> None:
    """Ctrl-click on a row's link opens the clip in a new tab, signed in: the new tab asks
    the open one for the key (BroadcastChannel). The key is never written to disk, and a
    browser with no signed-in tab still asks for it."""
    base, key, root = server
    auth = {"Authorization": f"Bearer {key}"}
    clip = root / "hal_empty_room.mp4"  # rejected quickly: any job has a clip view
    write_h264(clip, [np.full((240, 320, 3), 90, np.uint8)] * 45, fps=15)
    batch = httpx.post(base + "/v1/batches", headers=auth, json={"name": "Tabs"}).json()["id"]
    httpx.post(base + "/v1/videos", headers=auth, data={"batch": batch, "athlete": "Hal"},
               files={"file": (clip.name, clip.read_bytes(), "video/mp4")})
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.goto(f"{base}/#/batch/{batch}")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_selector("#jobs tbody tr a")
    with context.expect_page() as opened:
        page.click("#jobs tbody tr a", modifiers=["Control"])
    tab = opened.value
    tab.wait_for_selector("#clip-title", state="attached")
    tab.wait_for_function("() => document.querySelector('#clip-title').textContent.includes('hal')")
    assert tab.locator("#signin-form").count() == 0 or tab.locator("#signin-form").is_hidden()
    assert page.evaluate("Object.keys(localStorage).length") == 0  # nothing kept on disk
    assert tab.evaluate("document.cookie") == ""
    context.close()
    alone = browser.new_page()  # another browser profile: no tab to ask
    alone.goto(f"{base}/#/batch/{batch}")
    alone.wait_for_selector("#key")
    alone.close()
