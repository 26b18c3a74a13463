"""Share links: a read-only, expiring, revocable token for one athlete's clips, never the
team's key. Real parts: the app over ASGI (TestClient), SQLite job records and a local
folder store; the jobs and their result.json are recorded directly (no analysis needed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from hingecheck.jobs import store as jobs
from hingecheck.jobs.models import Job, Share, now
from hingecheck.settings import Settings
from hingecheck.storage import ObjectStore, job_key, open_store
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from services.api.app import create_app


def _job(db: sessionmaker[Session], store: ObjectStore, tenant: str, athlete: str, status: str,
         tmp: Path) -> str:
    job = jobs.add_job(db, Job(id=jobs.new_job_id(), tenant_id=tenant, exercise="rdl",
                               athlete=athlete, source_name=f"{athlete}.mp4", source_key="k",
                               status=status, rep_count=2 if status == "succeeded" else None,
                               progress=1.0 if status == "succeeded" else 0.0))
    if status == "succeeded":
        result = tmp / f"{job.id}.json"
        result.write_text(json.dumps({"athlete": athlete}))
        store.put_file(job_key(tenant, job.id, "result.json"), result, "application/json")
    return job.id


def test_a_share_link_shows_one_athletes_clips_read_only_until_revoked(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    db, store = jobs.connect(s.database()), open_store(s)
    tenant, key = jobs.create_key(db, "team-a")
    _, other_key = jobs.create_key(db, "team-b")
    anna = _job(db, store, tenant, "Anna", "succeeded", tmp_path)
    _job(db, store, tenant, "Anna", "failed", tmp_path)
    ben = _job(db, store, tenant, "Ben", "succeeded", tmp_path)
    team = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        made = client.post("/v1/shares", headers=team, json={"athlete": "Anna", "days": 7})
        assert made.status_code == 201, made.text
        token = made.json()["token"]
        assert token.startswith("hcs_") and made.json()["link"] == f"/#/shared/{token}"
        shared = {"Authorization": f"Bearer {token}"}

        seen = client.get("/v1/shared", headers=shared).json()
        assert seen["athlete"] == "Anna" and [j["id"] for j in seen["jobs"]] == [anna]
        result = client.get(f"/v1/shared/jobs/{anna}/result", headers=shared)
        assert result.status_code == 200 and result.json() == {"athlete": "Anna"}
        assert client.get(f"/v1/shared/jobs/{ben}/result", headers=shared).status_code == 404
        assert client.get(f"/v1/shared/jobs/{anna}/chart", headers=shared).status_code == 404
        # GET of the replies route is the wrong method, not an output named "replies"
        assert client.get(f"/v1/shared/jobs/{anna}/replies", headers=shared).status_code == 405
        # days is an integer: not true, not a string of digits
        for days in (True, "7", 7.5):
            assert client.post("/v1/shares", headers=team,
                               json={"athlete": "Anna", "days": days}).status_code == 422
        # ... while 7.0 is one (JSON Schema's integer; generated clients send it so)
        whole = client.post("/v1/shares", headers=team, json={"athlete": "Anna", "days": 7.0})
        assert whole.status_code == 201
        assert client.delete(f"/v1/shares/{whole.json()['id']}", headers=team).status_code == 204
        # SQLite keeps naive times: every time in an answer still carries its offset
        listed = client.get("/v1/shares", headers=team).json()["shares"]
        assert listed and all(datetime.fromisoformat(v[f]).utcoffset() == timedelta(0)
                              for v in listed for f in ("created_at", "expires_at"))
        assert datetime.fromisoformat(seen["expires_at"]).utcoffset() == timedelta(0)

        # The link is no key: nothing of the team's API opens with it, nothing writes.
        assert client.get("/v1/jobs", headers=shared).status_code == 401
        assert client.get(f"/v1/jobs/{anna}/result", headers=shared).status_code == 401
        assert client.post(f"/v1/jobs/{anna}/notes", headers=shared,
                           json={"text": "x"}).status_code == 401
        assert client.post("/v1/shares", headers=shared,
                           json={"athlete": "Ben"}).status_code == 401
        # And the team's key is not a link.
        assert client.get("/v1/shared", headers=team).status_code == 401
        assert client.get("/v1/shared").status_code == 401

        listed = client.get("/v1/shares", headers=team).json()["shares"]
        assert [(x["id"], x["athlete"]) for x in listed] == [(made.json()["id"], "Anna")]
        assert "token" not in listed[0]  # shown once only
        other = {"Authorization": f"Bearer {other_key}"}
        assert client.delete(f"/v1/shares/{made.json()['id']}", headers=other).status_code == 404
        assert client.get("/v1/shared", headers=shared).status_code == 200  # still live
        assert client.delete(f"/v1/shares/{made.json()['id']}", headers=team).status_code == 204
        gone = client.get("/v1/shared", headers=shared)
        assert gone.status_code == 401 and gone.json()["type"].endswith("/bad-share")

        # An expired link opens nothing.
        late = client.post("/v1/shares", headers=team, json={"athlete": "Anna", "days": 1})
        with db.begin() as session:  # a day and a bit later
            session.execute(update(Share).where(Share.prefix == late.json()["id"])
                            .values(expires_at=now() - timedelta(hours=1)))
        expired = {"Authorization": f"Bearer {late.json()['token']}"}
        assert client.get("/v1/shared", headers=expired).status_code == 401
        assert client.post("/v1/shares", headers=team,
                           json={"athlete": "Anna", "days": 91}).status_code == 422


def test_shared_notes_reach_the_athlete_and_replies_reach_the_coach(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    db, store = jobs.connect(s.database()), open_store(s)
    tenant, key = jobs.create_key(db, "team-a")
    _, other_key = jobs.create_key(db, "team-b")
    anna = _job(db, store, tenant, "Anna", "succeeded", tmp_path)
    ben = _job(db, store, tenant, "Ben", "succeeded", tmp_path)
    team = {"Authorization": f"Bearer {key}"}
    other = {"Authorization": f"Bearer {other_key}"}
    notes = f"/v1/jobs/{anna}/notes"
    with TestClient(create_app(s, db=db, objects=store, worker=False)) as client:
        token = client.post("/v1/shares", headers=team, json={"athlete": "Anna"}).json()["token"]
        link = {"Authorization": f"Bearer {token}"}
        told = client.post(notes, headers=team, json={
            "text": "hips back first", "at_s": 1.5, "shared": True,
            "drawing": [{"kind": "arrow", "start": {"x": 0.4, "y": 0.5},
                         "end": {"x": 0.3, "y": 0.5}}]}).json()
        client.post(notes, headers=team, json={"text": "private: check her mobility"})

        # The link's clip view lists the shared notes only, with their moment and drawing.
        clip = client.get("/v1/shared", headers=link).json()["jobs"][0]
        assert [n["text"] for n in clip["notes"]] == ["hips back first"]
        assert clip["notes"][0]["at_s"] == 1.5 and clip["notes"][0]["drawing"][0]["kind"] \
            == "arrow"
        assert client.get(f"/v1/shared/jobs/{anna}/notes", headers=link).json()["notes"] \
            == clip["notes"]

        # The athlete replies on the link; the coach sees it with the job's notes.
        replies = f"/v1/shared/jobs/{anna}/replies"
        r = client.post(replies, headers=link, json={"text": "  Got it,\nthanks!  ",
                                                     "reply_to": told["id"]})
        assert r.status_code == 201, r.text
        assert (r.json()["author"], r.json()["text"], r.json()["reply_to"]) == \
            ("athlete", "Got it,\nthanks!", told["id"])
        coach_sees = client.get(notes, headers=team).json()["notes"]
        assert [n["author"] for n in coach_sees] == ["coach", "coach", "athlete"]
        assert [n["text"] for n in client.get(f"/v1/shared/jobs/{anna}/notes",
                                              headers=link).json()["notes"]] == \
            ["hips back first", "Got it,\nthanks!"]

        # Plain text only, capped; only her clips, only shared notes; a link, not a key.
        for body in ({"text": "a\x00b"}, {"text": "bell\x07"}, {"text": "x\u202ey"},
                     {"text": "   "}, {"text": "x" * 1001}, {"text": "x", "who": "coach"}):
            assert client.post(replies, headers=link, json=body).status_code == 422, body
        secret = client.get(notes, headers=team).json()["notes"][1]["id"]
        no_note = client.post(replies, headers=link, json={"text": "x", "reply_to": secret})
        assert no_note.status_code == 422 and no_note.json()["type"].endswith("/no-such-note")
        assert client.post(f"/v1/shared/jobs/{ben}/replies", headers=link,
                           json={"text": "x"}).status_code == 404
        assert client.get(f"/v1/shared/jobs/{ben}/notes", headers=link).status_code == 404
        assert client.post(replies, headers=team, json={"text": "x"}).status_code == 401
        assert client.post(replies, json={"text": "x"}).status_code == 401
        assert client.get(notes, headers=other).status_code == 404  # another team's

        # A link sends a few replies a minute, then waits.
        sent = [client.post(replies, headers=link, json={"text": f"reply {i}"}).status_code
                for i in range(6)]
        assert sent == [201, 201, 201, 201, 429, 429]
        late = client.post(replies, headers=link, json={"text": "one more"})
        assert late.json()["type"].endswith("/too-many-replies")
        assert late.headers["retry-after"] == "60"
