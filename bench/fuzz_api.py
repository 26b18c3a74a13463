"""schemathesis against `hingecheck api` in a process of its own, over real HTTP, with every
check and every phase (examples, coverage, fuzzing, stateful), bounded in cases.

    python bench/fuzz_api.py [--cases 20000] [--max-examples 200] [--seed 1]
                             [--max-time 1800] [--round-seconds 300] [--sqlite]
                             [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]
                             [--report-dir out/fuzz]

A fresh PostgreSQL database (or SQLite with ``--sqlite``) and a local store, a tenant with
two keys (the fuzzer's and one it may revoke), then `schemathesis run` on the API's own
/openapi.json, in rounds of ``--round-seconds`` (``--max-examples`` cases per operation and
scenario; a new seed each round) until ``--cases`` test cases have run or ``--max-time``
seconds have passed. Prints, per round and in total, the cases run, the server errors
(``not_a_server_error``) and the schema-valid requests rejected
(``positive_data_acceptance``), with each failure's
operation, request and response from schemathesis' NDJSON report in ``--report-dir``.
Rejections by the one rule the spec states only in words (a callback host must resolve,
and only to public addresses: no pattern can say where a name resolves) are counted
apart, each still listed.
Numbers, not assertions: tests/integration/test_api_fuzz.py is the bounded test.

A schema can say that ``file`` is bytes, not that the bytes are an H.264 clip: unless
``--any-file``, this module (loaded into schemathesis as its hooks) puts a real 2-second
clip in every generated ``POST /v1/videos`` body that has a file, so that the clip's
other fields are what the positive checks judge.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from hingecheck.jobs import store as jobs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.servers import free_port, wait_for_port  # noqa: E402

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
PHASES = "examples,coverage,fuzzing,stateful"
HOOKS_ENV = "HINGECHECK_FUZZ_HOOKS"  # set for the schemathesis process that loads the hooks
KEEP_ENV = "HINGECHECK_FUZZ_KEEP_KEY"  # the prefix of the key the fuzzer sends


def _real_clip() -> bytes:
    import numpy as np
    from hingecheck.video.encode import write_h264

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        write_h264(path, [np.full((64, 96, 3), 90, np.uint8)] * 60, fps=30)
        return path.read_bytes()


if os.environ.get(HOOKS_ENV):  # imported by schemathesis (SCHEMATHESIS_HOOKS)
    import schemathesis

    CLIP = _real_clip() if os.environ.get(HOOKS_ENV) == "real-clip" else None
    KEEP = os.environ[KEEP_ENV]

    @schemathesis.hook
    def before_call(ctx, case, **kwargs):  # type: ignore[no-untyped-def]
        # The fuzzer may revoke any key but its own: revoked, every later case is a 401
        # and tests nothing past the gate. Its own prefix becomes one no key has (a 404).
        if (case.method.upper() == "DELETE" and case.path == "/v1/keys/{prefix}"
                and (case.path_parameters or {}).get("prefix") == KEEP):
            case.path_parameters["prefix"] = "hc_00000000"
        # a body made invalid on purpose stays so (its file may be the invalid part)
        negative = case.meta is not None and case.meta.is_negative_at("body")
        if (CLIP is not None and case.method.upper() == "POST" and case.path == "/v1/videos"
                and not negative and isinstance(case.body, dict) and "file" in case.body):
            case.body["file"] = CLIP
            # Bytes for a binary string: the case stays as generated (positive), not
            # relabelled negative by schemathesis' check of what a hook changed.
            case._sync_validated_hashes()


@contextmanager
def database(args: argparse.Namespace, tmp: Path) -> Iterator[str]:
    """A fresh database URL, dropped on leaving."""
    if args.sqlite:
        yield f"sqlite:///{tmp}/jobs.db"
        return
    import psycopg

    name = f"hingecheck_fuzz_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.postgres.replace("+psycopg", "") + "/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{args.postgres}/{name}"
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def api(url: str, tmp: Path, log: Path) -> Iterator[str]:
    """`hingecheck api` on ``url`` and a local store under ``tmp``; its base URL."""
    port = free_port()
    env = {**os.environ, "HINGECHECK_DATABASE_URL": url, "HINGECHECK_DATA_DIR": str(tmp / "data"),
           "HINGECHECK_METRICS_TOKEN": "operator-token-0123456789"}
    with log.open("ab") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "services.cli", "api", "--port", str(port)],
                                env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, 90, "hingecheck api")
        base = f"http://127.0.0.1:{port}"
        httpx.get(f"{base}/healthz", timeout=30)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


def one_round(base: str, key: str, seed: int, max_examples: int, max_time: float,
              report: Path, real_clip: bool) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    """One `schemathesis run`; the cases it ran and its failures (check name, operation,
    request, response)."""
    command = [str(SCHEMATHESIS), "run", f"{base}/openapi.json", "--checks", "all",
               "--phases", PHASES, "--max-examples", str(max_examples), "--seed", str(seed),
               "--max-time", str(max(1, int(max_time))), "--workers", "1",
               "--continue-on-failure", "--suppress-health-check", "all", "--no-color",
               "--header", f"Authorization: Bearer {key}", "--request-timeout", "30",
               "--report", "ndjson", "--report-ndjson-path", str(report)]
    print("$", " ".join(c if "Bearer" not in c else "'Authorization: Bearer $KEY'"
                        for c in command), flush=True)
    env = {**os.environ, HOOKS_ENV: "real-clip" if real_clip else "on",
           KEEP_ENV: key.split(".", 1)[0], "SCHEMATHESIS_HOOKS": "fuzz_api",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT),
                                          os.environ.get("PYTHONPATH", "")])}
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return read_report(report)


def read_report(report: Path) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    """Cases and failures from schemathesis' NDJSON events (one per scenario: its cases, the
    checks run on each, and each case's request and response)."""
    cases, failures = 0, []
    statuses: collections.Counter[int] = collections.Counter()
    for line in report.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        cases += len(recorder.get("cases", {}))
        for interaction in recorder.get("interactions", {}).values():
            if interaction and interaction.get("response"):
                statuses[interaction["response"]["status_code"]] += 1
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                case = recorder["cases"].get(case_id, {}).get("value", {})
                interaction = recorder.get("interactions", {}).get(case_id) or {}
                failures.append({"check": check["name"], "operation": recorder["label"],
                                 "phase": finished["phase"], "case": case,
                                 "request": interaction.get("request"),
                                 "response": interaction.get("response")})
    print(f"  answers: {', '.join(f'{n} x {code}' for code, n in statuses.most_common())}",
          flush=True)
    return cases, failures


def _body(message: dict | None) -> str:  # type: ignore[type-arg]
    """A recorded request's or response's body as text."""
    if not message:
        return ""
    body = message.get("content") or message.get("body") or {}
    if isinstance(body, dict) and "$base64" in body:
        return base64.b64decode(body["$base64"]).decode("utf-8", "replace")
    return str(body)


# What the OpenAPI states in words because no pattern can (services/api/deps.py,
# CALLBACK_RULE): a callback host must resolve, and only to public addresses. A generated
# host (`http://0`, `http://x.y`) is refused by that rule; such a refusal is counted
# apart from the rejections of requests the spec fully admits.
CALLBACK_HOST_RULE = ("does not resolve", "is not a public address", "is not an IP address")


def documented_refusal(failure: dict) -> bool:  # type: ignore[type-arg]
    """A positive case refused by the callback-host rule the spec states in its
    description: a 422 bad-callback-url that names the host, not the URL's form."""
    response = failure["response"] or {}
    if failure["check"] != "positive_data_acceptance" or response.get("status_code") != 422:
        return False
    try:
        problem = json.loads(_body(response))
    except ValueError:
        return False
    return (str(problem.get("type", "")).endswith("/bad-callback-url")
            and any(rule in str(problem.get("detail", "")) for rule in CALLBACK_HOST_RULE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000, help="stop after this many cases")
    parser.add_argument("--max-examples", type=int, default=200, help="per operation per round")
    parser.add_argument("--seed", type=int, default=1, help="the first round's seed")
    parser.add_argument("--max-time", type=float, default=1800.0, help="seconds, all rounds")
    parser.add_argument("--round-seconds", type=float, default=300.0,
                        help="each round's time budget (fuzzing and stateful repeat within it)")
    parser.add_argument("--any-file", action="store_true",
                        help="send the generated file bytes, not a real clip")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "out" / "fuzz")
    args = parser.parse_args()
    args.report_dir.mkdir(parents=True, exist_ok=True)

    total, failures, rounds = 0, [], 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, database(args, Path(tmp)) as url:
        db = jobs.connect(url)
        _, key = jobs.create_key(db, "fuzz")
        jobs.create_key(db, "fuzz")  # a second key, so that revoking one is possible
        db_kind = "SQLite" if args.sqlite else "PostgreSQL"
        with api(url, Path(tmp), args.report_dir / "api.log") as base:
            while total < args.cases and (left := args.max_time - (time.monotonic() - start)) > 5:
                seed = args.seed + rounds
                cases, found = one_round(base, key, seed, args.max_examples,
                                         min(left, args.round_seconds),
                                         args.report_dir / f"round-{seed}.ndjson",
                                         not args.any_file)
                rounds += 1
                total += cases
                failures += found
                print(f"round seed {seed}: {cases} cases, {len(found)} failures "
                      f"(total {total} cases, {time.monotonic() - start:.0f} s)", flush=True)
                if cases == 0:
                    break
    documented = [f for f in failures if documented_refusal(f)]
    by_check = collections.Counter(f["check"] for f in failures)
    print(f"\n{total} cases in {rounds} rounds, {time.monotonic() - start:.0f} s, against "
          f"hingecheck api on {db_kind} and a local store"
          f"{'' if args.any_file else ', a real clip as every upload'}; "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  server errors (not_a_server_error): {by_check['not_a_server_error']}")
    print(f"  schema-valid requests rejected (positive_data_acceptance): "
          f"{by_check['positive_data_acceptance'] - len(documented)} "
          f"(and {len(documented)} refused by the callback-host rule the spec states in "
          f"words: a host that does not resolve or is not public)")
    for check, n in sorted(by_check.items()):
        print(f"  {check}: {n}")
    seen: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for f in failures:
        response = f["response"] or {}
        status = str(response.get("status_code"))
        check = f["check"] + (" (callback-host rule)" if documented_refusal(f) else "")
        seen[(check, f["operation"], status)] += 1
        if seen[(check, f["operation"], status)] > 3:  # three examples of each kind
            continue
        request = f["request"] or {}
        print(f"\n[{check}] {f['operation']} ({f['phase']})\n"
              f"  request: {request.get('method')} {request.get('uri')}\n"
              f"  body: {_body(request)[:400]!r}\n"
              f"  response: {status} {_body(response)[:300]}")
    for (check, operation, status), n in sorted(seen.items()):
        print(f"{n:6d}  {check}  {operation}  -> {status}")

if __name__ == "__main__":
    main()
