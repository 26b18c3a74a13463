"""A coach's notes on reps, over the API: kept with the job, scoped to the key's tenant,
checked against the job's reps. Real parts: the app over ASGI (TestClient), SQLite job
records; the job is recorded directly (no analysis is needed to take notes on one)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job
from hingecheck.settings import Settings

from services.api.app import create_app


def _problem(r) -> str:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return str(r.json()["type"]).rsplit("/", 1)[-1]


def test_notes_on_reps_are_kept_listed_checked_and_removed(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    _, other = jobs.create_key(db, "team-b")
    job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                               source_name="anna.mp4", source_key="k", status="succeeded",
                               progress=1.0, rep_count=3))
    mine, theirs = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other}"}
    url = f"/v1/jobs/{job.id}/notes"
    with TestClient(create_app(s, db=db, worker=False)) as client:
        assert client.get(url, headers=mine).json() == {"notes": []}
        first = client.post(url, headers=mine, json={"rep": 1, "text": "  hips back first  "})
        assert first.status_code == 201, first.text
        assert first.json()["rep"] == 1 and first.json()["text"] == "hips back first"
        whole = client.post(url, headers=mine, json={"text": "good bracing overall"})
        assert whole.status_code == 201 and whole.json()["rep"] is None
        listed = client.get(url, headers=mine).json()["notes"]
        assert [n["text"] for n in listed] == ["hips back first", "good bracing overall"]

        # What cannot be a note is refused, saying why.
        no_rep = client.post(url, headers=mine, json={"rep": 3, "text": "x"})  # reps 0–2
        assert (no_rep.status_code, _problem(no_rep)) == (409, "no-such-rep")
        for loose in ({"rep": True, "text": "x"}, {"rep": "1", "text": "x"},
                      {"text": "x", "shared": "yes"}, {"text": "x", "at_s": True}):
            assert client.post(url, headers=mine, json=loose).status_code == 422, loose
        assert client.post(url, headers=mine, json={"rep": 0, "text": "   "}).status_code == 422
        assert client.post(url, headers=mine, json={"rep": 0, "text": "x" * 2001}) \
            .status_code == 422
        assert client.post(url, headers=mine, json={"rep": -1, "text": "x"}).status_code == 422
        assert _problem(client.post("/v1/jobs/nope/notes", headers=mine,
                                    json={"text": "x"})) == "not-found"

        # Another team sees none of it and cannot add or remove.
        assert client.get(url, headers=theirs).status_code == 404
        assert client.post(url, headers=theirs, json={"text": "x"}).status_code == 404
        note = first.json()["id"]
        assert client.delete(f"{url}/{note}", headers=theirs).status_code == 404
        assert client.get(url, headers=mine).json()["notes"][0]["id"] == note

        assert client.delete(f"{url}/{note}", headers=mine).status_code == 204
        assert _problem(client.delete(f"{url}/{note}", headers=mine)) == "not-found"
        # The outputs' route is not confused with the notes'.
        assert _problem(client.get(f"/v1/jobs/{job.id}/poster", headers=mine)) == "not-found"

    with TestClient(create_app(s, db=jobs.connect(s.database()), worker=False)) as client:
        kept = client.get(url, headers=mine).json()["notes"]  # a restart keeps them
        assert [n["text"] for n in kept] == ["good bracing overall"]


def test_a_job_without_reps_takes_only_clip_notes(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                               source_name="empty.mp4", source_key="k", status="rejected"))
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, worker=False)) as client:
        r = client.post(f"/v1/jobs/{job.id}/notes", headers=auth, json={"rep": 0, "text": "x"})
        assert r.status_code == 409 and "no reps" in r.json()["detail"]
        assert client.post(f"/v1/jobs/{job.id}/notes", headers=auth,
                           json={"text": "film from the side next time"}).status_code == 201


def test_a_note_at_a_moment_with_a_drawing_is_checked_and_kept(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                               source_name="anna.mp4", source_key="k", status="succeeded",
                               progress=1.0, rep_count=3))
    auth = {"Authorization": f"Bearer {key}"}
    url = f"/v1/jobs/{job.id}/notes"
    drawing = [
        {"kind": "line", "start": {"x": 0.1, "y": 0.2}, "end": {"x": 0.3, "y": 0.9}},
        {"kind": "angle", "vertex": {"x": 0.5, "y": 0.5}, "start": {"x": 0.4, "y": 0.1},
         "end": {"x": 0.9, "y": 0.6}, "degrees": 112.5, "colour": "#ff8800"},
        {"kind": "circle", "centre": {"x": 0.5, "y": 0.4}, "radius": 0.05},
        {"kind": "arrow", "start": {"x": 0.2, "y": 0.2}, "end": {"x": 0.25, "y": 0.3}},
    ]
    with TestClient(create_app(s, db=db, worker=False)) as client:
        made = client.post(url, headers=auth, json={"rep": 1, "text": "back rounds here",
                                                    "at_s": 2.4, "shared": True,
                                                    "drawing": drawing})
        assert made.status_code == 201, made.text
        note = made.json()
        assert (note["at_s"], note["shared"], note["author"]) == (2.4, True, "coach")
        assert [shape["kind"] for shape in note["drawing"]] == ["line", "angle", "circle",
                                                                "arrow"]
        assert note["drawing"][1]["degrees"] == 112.5
        assert client.get(url, headers=auth).json()["notes"] == [note]
        plain = client.post(url, headers=auth, json={"text": "ok"}).json()
        assert (plain["at_s"], plain["shared"], plain["drawing"]) == (None, False, None)

        def refused(body: dict[str, object]) -> str:
            r = client.post(url, headers=auth, json={"text": "x", **body})
            assert r.status_code == 422, (body, r.text)
            return _problem(r)

        point = {"x": 0.5, "y": 0.5}
        assert refused({"drawing": [drawing[0]]}) == "invalid-request"  # no at_s
        assert refused({"at_s": 1, "drawing": []}) == "invalid-request"
        assert refused({"at_s": 1, "drawing": [drawing[2]] * 21}) == "invalid-request"
        assert refused({"at_s": 1, "drawing": [{"kind": "line", "start": {"x": 1.5, "y": 0},
                                                "end": point}]}) == "invalid-request"
        assert refused({"at_s": 1, "drawing": [{"kind": "blob", "start": point}]}) \
            == "invalid-request"
        assert refused({"at_s": 1, "drawing": [{**drawing[1], "degrees": 190}]}) \
            == "invalid-request"
        assert refused({"at_s": 1, "drawing": [{**drawing[0], "script": "x"}]}) \
            == "invalid-request"
        assert refused({"at_s": 1, "drawing": [{**drawing[0], "colour": "red"}]}) \
            == "invalid-request"
        assert refused({"at_s": -1}) == "invalid-request"
        assert refused({"at_s": s.max_duration_s + 1}) == "no-such-moment"
        assert len(client.get(url, headers=auth).json()["notes"]) == 2  # nothing kept


def test_the_openapi_states_what_a_note_needs(tmp_path: Path) -> None:
    """A drawing needs at_s, and at_s stops at this server's longest clip: both in the
    OpenAPI, so that a generated client cannot build a note the server refuses."""
    from jsonschema import Draft202012Validator

    s = Settings(data_dir=tmp_path, max_duration_s=90)
    db = jobs.connect(s.database())
    tenant, key = jobs.create_key(db, "team-a")
    job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                               source_name="anna.mp4", source_key="k", status="succeeded",
                               progress=1.0, rep_count=3))
    auth = {"Authorization": f"Bearer {key}"}
    line = {"kind": "line", "start": {"x": 0.1, "y": 0.2}, "end": {"x": 0.3, "y": 0.9}}
    with TestClient(create_app(s, db=db, worker=False)) as client:
        openapi = client.get("/openapi.json").json()
        schema = Draft202012Validator({"$ref": "#/components/schemas/NoteIn",
                                       "components": openapi["components"]})
        for body in ({"text": "x", "drawing": [line]}, {"text": "x", "at_s": None,
                                                         "drawing": [line]},
                     {"text": "x", "at_s": 90.5}, {"text": "x", "rep": True},
                     {"text": "x", "rep": -1}, {"text": "x", "rep": 10_001}):
            assert not schema.is_valid(body), body
            r = client.post(f"/v1/jobs/{job.id}/notes", headers=auth, json=body)
            assert r.status_code == 422, (body, r.text)
        for body in ({"text": "x", "at_s": 90, "drawing": [line]},
                     {"text": "x", "drawing": None}, {"text": "x", "rep": 2},
                     {"text": "x", "rep": 2.0}):
            assert schema.is_valid(body), body
            r = client.post(f"/v1/jobs/{job.id}/notes", headers=auth, json=body)
            assert r.status_code == 201, (body, r.text)
