"""The HTTP service against a real uvicorn server on 127.0.0.1, in a thread of this process.

In-process so vcrpy's patching reaches the pipeline's LLM calls: the seeds test replays the
recorded model from ``cassettes/seeds.yaml``; the rest use a scripted model (tests/browser/
scripted.py), since they are about the service, not the model. Nothing here depends on what
the model said beyond "the brief has figures".
"""

from __future__ import annotations

import asyncio
import html
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from browser.scripted import answer, scripted_llm
from storysum.config import EMBEDDED_MODEL_NAME, Settings
from storysum.errors import ConfigError
from storysum.jobs import JobStore
from storysum.llm.fake import FakeLLM
from storysum.models import Brief
from storysum.service import KEEP_ALIVE_SECONDS, ServiceConfig, create_app

TOKEN = "test-token-5f0c2a9e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHORT = (
    "The city council approved a budget of $4.2 million on Tuesday, Mayor Ana Ruiz said. "
    "“We funded 1,200 new school places,” Ruiz told reporters after the vote.\n\n"
    "The council has 15 members; 11 voted in favour and 4 against the plan."
)


class SlowLLM(FakeLLM):
    """The scripted model, answering after ``delay`` seconds without holding up the loop."""

    def __init__(self, delay: float) -> None:
        super().__init__(answer)
        self.delay = delay

    async def structured(self, messages: Any, response_model: Any) -> Any:
        await asyncio.sleep(self.delay)
        return await super().structured(messages, response_model)


@pytest.fixture
def allowed_hosts() -> list[str]:
    return ["127.0.0.1"]  # this module's own server; nothing else


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The suite's cassette set-up, less the requests to our own server: only the LLM's
    calls are recorded or replayed; the service's pass through to it for real."""

    def only_llm(request: Any) -> Any:
        return request if request.path.endswith("/chat/completions") else None

    return {**vcr_config, "before_record_request": only_llm, "allow_playback_repeats": True}


class Server:
    """uvicorn serving ``app`` on a free port of 127.0.0.1 from a thread, until closed."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            backlog=512,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,  # as `storysum serve` runs it
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
        assert not self.thread.is_alive(), "uvicorn did not stop"


def make_app(
    tmp_path: Path,
    *,
    llm: Any = None,
    settings: Settings | None = None,
    **config: Any,
) -> Any:
    cfg = ServiceConfig(db_path=tmp_path / "jobs.sqlite3", token=TOKEN, **config)
    return create_app(
        cfg,
        settings=settings or Settings.resolve(env={}, concurrency=4),
        llm=llm if llm is not None else scripted_llm(),
    )


def client(server: Server, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def wait(http: httpx.Client, job_id: str, *, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = http.get(f"/v1/briefs/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout}s"
        time.sleep(0.05)


def seed_articles(seeds: Path) -> list[dict[str, str]]:
    # outlet = file stem and the exact text: the prompts then match the recorded ones.
    return [
        {"text": p.read_text(encoding="utf-8"), "outlet": p.stem, "source": p.name}
        for p in sorted(seeds.glob("*.txt"))
    ]


@pytest.fixture
def seeds_cassette(vcr_cassette_dir: str, record_mode: str | None) -> None:
    """Fail at once, saying why, when there is no recording to replay (rather than after
    every LLM call has been retried against a dead address)."""
    path = Path(vcr_cassette_dir) / "seeds.yaml"
    if record_mode in (None, "none") and not path.exists():
        pytest.fail(f"{path} is missing: re-record it (README, Development)")


def test_service_settings_come_from_arguments_then_environment(tmp_path):
    env = {
        "STORYSUM_API_TOKEN": "from-env",
        "STORYSUM_JOBS": "3",
        "STORYSUM_DB": str(tmp_path / "e.db"),
    }
    config = ServiceConfig.resolve(env=env)
    assert (config.token, config.workers, config.db_path) == ("from-env", 3, tmp_path / "e.db")
    config = ServiceConfig.resolve(env=env, token="arg", workers=5, db_path=tmp_path / "a.db")
    assert (config.token, config.workers, config.db_path) == ("arg", 5, tmp_path / "a.db")
    assert ServiceConfig.resolve(env={}, require_token=False, default_workers=1).workers == 1
    with pytest.raises(ConfigError, match="STORYSUM_API_TOKEN") as info:
        ServiceConfig.resolve(env={})
    assert info.value.variable == "STORYSUM_API_TOKEN"
    with pytest.raises(ConfigError, match="STORYSUM_JOBS"):
        ServiceConfig.resolve(env={**env, "STORYSUM_JOBS": "many"})


# --- through the recorded model ----------------------------------------------------------


@pytest.mark.vcr("seeds.yaml")
def test_the_seeds_brief_through_the_service_replayed_from_the_cassette(
    tmp_path, seeds_cassette, llm_base_url, seeds_dir
):
    settings = Settings.resolve(
        env={}, base_url=llm_base_url, model=EMBEDDED_MODEL_NAME, concurrency=4
    )
    app = create_app(
        ServiceConfig(db_path=tmp_path / "jobs.sqlite3", token=TOKEN), settings=settings
    )
    with Server(app) as server, client(server) as http:
        submitted = http.post("/v1/briefs", json={"articles": seed_articles(seeds_dir)})
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]
        assert submitted.headers["location"] == f"/v1/briefs/{job_id}"
        # The same five files as multipart uploads: outlet = file name without suffix.
        files = [
            ("files", (p.name, p.read_bytes(), "text/plain"))
            for p in sorted(seeds_dir.glob("*.txt"))
        ]
        uploaded = http.post("/v1/briefs", files=files)
        assert uploaded.status_code == 202, uploaded.text

        job = wait(http, job_id)
        assert job["status"] == "done", job["error"]
        assert job["chunks_total"] == job["chunks_done"] > 5
        brief = Brief.model_validate(job["brief"])
        assert brief.figures, "the brief has no figures"
        assert [f.reason for f in brief.failures] == []  # every LLM call found its recording
        assert [a.outlet for a in brief.articles] == [
            p.stem for p in sorted(seeds_dir.glob("*.txt"))
        ]

        other = wait(http, uploaded.json()["id"])
        assert other["status"] == "done", other["error"]
        assert [a["outlet"] for a in other["brief"]["articles"]] == [
            a.outlet for a in brief.articles
        ]
        assert {f["normalized"] for f in other["brief"]["figures"]} == {
            f.normalized for f in brief.figures
        }

        page = http.get(f"/v1/briefs/{job_id}/html")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert all(html.escape(f.value) in page.text for f in brief.figures)


# --- auth, limits, errors ------------------------------------------------------------------


def test_every_v1_route_wants_the_bearer_token(tmp_path):
    with Server(make_app(tmp_path)) as server, client(server, token=None) as anon:
        assert anon.get("/healthz").status_code == 200
        assert anon.get("/openapi.json").json()["paths"]["/v1/briefs"]
        for token in (None, b"wrong", TOKEN.encode() + b"x", "ü".encode("latin-1")):
            headers = {"Authorization": b"Bearer " + token} if token else {}
            for method, path in [
                ("POST", "/v1/briefs"),
                ("GET", "/v1/briefs/0123"),
                ("GET", "/v1/briefs/0123/html"),
            ]:
                r = anon.request(
                    method, path, headers=headers, json={"articles": [{"text": SHORT}]}
                )
                assert r.status_code == 401, (token, path, r.text)
                assert r.headers["www-authenticate"] == "Bearer"
                assert r.json() == {"error": "missing or wrong bearer token"}
        basic = anon.get("/v1/briefs/0123", headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401
        assert anon.get("/v1/briefs/0123", headers=AUTH).status_code == 404


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(tmp_path):
    limit = 64 * 1024
    with Server(make_app(tmp_path, max_request_bytes=limit)) as server, client(server) as http:
        # Declared too large: refused on the headers, the body never sent.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(
                b"POST /v1/briefs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
                b"Content-Length: 1000000000\r\n\r\n{"
            )
            head = raw.recv(4096).decode()
        assert head.startswith("HTTP/1.1 413"), head

        # Streamed without a length (chunked): refused once the count passes the limit.
        def chunks() -> Iterator[bytes]:
            yield b'{"articles": [{"text": "'
            for _ in range(10):
                yield b"a" * 10_000
            yield b'"}]}'

        streamed = http.post(
            "/v1/briefs", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        assert "limit" in streamed.json()["error"]
        # Just under the limit is read and judged on its content.
        under = http.post("/v1/briefs", json={"articles": [{"text": "a" * (limit - 100)}]})
        assert under.status_code == 422
        files = [("files", ("big.txt", b"word " * 20_000, "text/plain"))]
        assert http.post("/v1/briefs", files=files).status_code == 413


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"articles": []}, ["body", "articles"]),
        ({}, ["body", "articles"]),
        ({"articles": [{"outlet": "x"}]}, ["body", "articles", 0, "text"]),
        ({"articles": [{"text": 5}]}, ["body", "articles", 0, "text"]),
        ({"articles": [{"text": SHORT, "colour": "red"}]}, ["body", "articles", 0, "colour"]),
        ({"articles": [{"text": SHORT}, {"text": "Menu\nHome"}]}, ["body", "articles", 1, "text"]),
        ({"articles": [{"text": SHORT, "outlet": ""}]}, ["body", "articles", 0, "outlet"]),
        ([1, 2], ["body"]),
    ],
)
def test_a_bad_payload_gets_a_422_naming_the_field(tmp_path, body, loc):
    with Server(make_app(tmp_path)) as server, client(server) as http:
        r = http.post("/v1/briefs", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "invalid request"
        assert loc in [d["loc"] for d in r.json()["detail"]], r.json()
        assert "Traceback" not in r.text


def test_other_client_errors_are_clear(tmp_path):
    with Server(make_app(tmp_path, llm=SlowLLM(0.3))) as server, client(server) as http:
        assert (
            http.post(
                "/v1/briefs", content=b"{nope", headers={"Content-Type": "application/json"}
            ).json()["detail"][0]["type"]
            == "json_invalid"
        )
        r = http.post("/v1/briefs", content=b"hello", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
        r = http.post("/v1/briefs", files=[("files", ("a.exe", b"MZ", "application/x-msdownload"))])
        assert r.status_code == 422 and "a.exe" in r.json()["detail"][0]["msg"]
        r = http.post("/v1/briefs", files=[("other", ("a.txt", SHORT.encode(), "text/plain"))])
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "files"]
        r = http.post("/v1/briefs", files=[("files", ("a.txt", b"\x00\x01binary", "text/plain"))])
        assert r.status_code == 422 and "binary" in r.json()["detail"][0]["msg"]
        r = http.post(
            "/v1/briefs", content=b"--x\r\njunk", headers={"Content-Type": "multipart/form-data"}
        )
        assert r.status_code == 422
        assert http.get("/v1/briefs/" + "f" * 32).status_code == 404
        job = http.post("/v1/briefs", json={"articles": [{"text": SHORT}]}).json()
        early = http.get(f"/v1/briefs/{job['id']}/html")
        assert early.status_code == 409 and early.json()["job_status"] in ("queued", "running")
        assert wait(http, job["id"])["status"] == "done"
        assert http.get(f"/v1/briefs/{job['id']}/html").status_code == 200
        # Deleting: gone for good; a second delete is a 404.
        assert http.delete(f"/v1/briefs/{job['id']}").status_code == 204
        assert http.get(f"/v1/briefs/{job['id']}").status_code == 404
        assert http.delete(f"/v1/briefs/{job['id']}").status_code == 404


def test_an_error_of_ours_is_a_500_without_a_traceback_and_a_failed_job_says_why(tmp_path):
    app = make_app(tmp_path)
    with Server(app) as server, client(server) as http:

        def broken() -> dict[str, int]:
            raise RuntimeError("secret internals /etc/passwd")

        app.state.store.counts = broken
        r = http.get("/healthz")
        assert r.status_code == 500
        assert r.json() == {"error": "internal error; see the server log"}

        def bad_render(brief: Brief) -> str:
            raise ValueError("secret renderer internals")

        app.state.runner.render_html = bad_render
        job = http.post("/v1/briefs", json={"articles": [{"text": SHORT}]}).json()
        done = wait(http, job["id"])
        assert done["status"] == "failed"
        assert done["error"] == "internal error (ValueError); see the server log"
        assert http.get(f"/v1/briefs/{job['id']}/html").status_code == 409


# --- persistence ---------------------------------------------------------------------------


def test_a_restart_loses_nothing_and_pending_jobs_resume(tmp_path):
    texts = [SHORT.replace("15 members", f"{n} members") for n in range(20, 26)]
    # The first server's model never answers: its two running jobs are cut short.
    first = make_app(tmp_path, llm=SlowLLM(3600), workers=2)
    with Server(first) as server, client(server) as http:
        ids = [
            http.post("/v1/briefs", json={"articles": [{"text": t}]}).json()["id"] for t in texts
        ]
        deadline = time.monotonic() + 10
        while http.get("/healthz").json()["jobs"]["running"] < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        counts = http.get("/healthz").json()["jobs"]
        assert counts == {"queued": 4, "running": 2, "done": 0, "failed": 0}
        server.server.should_exit = True  # stop while two jobs are mid-run

    # A crash leaves a job 'running' with no shutdown to put it back: recovered on start too.
    store = JobStore(tmp_path / "jobs.sqlite3")
    crashed = store.articles(ids[0])
    extra = store.create(crashed)
    assert store.start(extra.id)
    store.close()

    with Server(make_app(tmp_path)) as server, client(server) as http:
        finished = [wait(http, i) for i in [*ids, extra.id]]
        assert [j["status"] for j in finished] == ["done"] * 7
        assert all(j["brief"]["figures"] for j in finished)
        assert sum(j["attempts"] for j in finished) >= 7 + 2  # the two cut short ran again
        assert http.get("/healthz").json()["jobs"]["done"] == 7


# --- load ----------------------------------------------------------------------------------

LOAD = 200


def test_200_concurrent_submissions_then_polling_no_5xx_no_lost_job(tmp_path, capsys):
    statuses: list[int] = []

    async def run(url: str) -> tuple[list[str], float, float]:
        limits = httpx.Limits(max_connections=LOAD, max_keepalive_connections=LOAD)
        async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=60, limits=limits) as http:

            async def submit(n: int) -> str:
                text = SHORT.replace("$4.2 million", f"${n + 1}.5 million")
                r = await http.post("/v1/briefs", json={"articles": [{"text": text}]})
                statuses.append(r.status_code)
                assert r.status_code == 202, r.text
                return str(r.json()["id"])

            started = time.perf_counter()
            ids = await asyncio.gather(*(submit(n) for n in range(LOAD)))
            submitted = time.perf_counter() - started
            pending = set(ids)
            deadline = time.monotonic() + 90
            while pending:
                assert time.monotonic() < deadline, f"{len(pending)} jobs never finished"
                polls = await asyncio.gather(*(http.get(f"/v1/briefs/{i}") for i in pending))
                for r in polls:
                    statuses.append(r.status_code)
                    assert r.status_code == 200, r.text
                    job = r.json()
                    if job["status"] in ("done", "failed"):
                        assert job["status"] == "done", job["error"]
                        pending.discard(job["id"])
                await asyncio.sleep(0.25)
            return ids, submitted, time.perf_counter() - started

    with Server(make_app(tmp_path, workers=4)) as server:
        ids, submitted, seconds = asyncio.run(run(server.url))
        health = httpx.get(f"{server.url}/healthz").json()
    assert len(set(ids)) == LOAD
    assert health["jobs"]["done"] == LOAD and health["pending"] == 0
    assert not [s for s in statuses if s >= 500]
    with capsys.disabled():
        print(
            f"\nload: {LOAD} concurrent submissions accepted in {submitted:.1f} s, all done in "
            f"{seconds:.1f} s; {len(statuses)} requests, {sum(s >= 500 for s in statuses)} 5xx"
        )


def test_a_full_queue_answers_429_not_500(tmp_path):
    app = make_app(tmp_path, llm=SlowLLM(3600), workers=1, max_pending=3)
    with Server(app) as server, client(server) as http:
        answers = [http.post("/v1/briefs", json={"articles": [{"text": SHORT}]}) for _ in range(5)]
        assert [r.status_code for r in answers] == [202, 202, 202, 429, 429]
        r = http.post("/v1/briefs", json={"articles": [{"text": SHORT}]})
        assert r.headers["retry-after"] and "try again" in r.json()["error"]
        first, _, third = (a.json()["id"] for a in answers[:3])
        deadline = time.monotonic() + 10
        while http.get(f"/v1/briefs/{first}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert http.get("/healthz").json()["jobs"] == {
            "queued": 2, "running": 1, "done": 0, "failed": 0
        }
        # The running job cannot be deleted; a queued one can.
        assert http.delete(f"/v1/briefs/{first}").status_code == 409
        assert http.delete(f"/v1/briefs/{third}").status_code == 204
        assert http.get("/healthz").json()["jobs"]["queued"] == 1


# --- the OpenAPI document, fuzzed --------------------------------------------------------


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with Server(make_app(tmp, max_request_bytes=256 * 1024)) as server:
        yield server


def test_schemathesis_finds_no_server_error(fuzzed_server, capsys):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    ran: list[str] = []

    def fuzz(operation: Any) -> None:
        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            ran.append(operation.label)
            for headers in (AUTH, {}):  # with the token, and without
                case.call_and_validate(headers=headers, checks=checks)

        check()

    for result in schema.get_all_operations():
        fuzz(result.ok())
    with capsys.disabled():
        print(
            f"\nschemathesis: {len(ran)} examples over {len(set(ran))} operations, each "
            "sent with and without the token"
        )
    assert "POST /v1/briefs" in set(ran)
    assert len(set(ran)) >= 4 and len(ran) >= 80


def test_the_openapi_document_describes_both_request_bodies(fuzzed_server):
    doc = httpx.get(f"{fuzzed_server.url}/openapi.json").json()
    body = doc["paths"]["/v1/briefs"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert doc["components"]["schemas"][ref]["required"] == ["articles"]
    item = doc["components"]["schemas"][ref]["properties"]["articles"]["items"]["$ref"]
    assert doc["components"]["schemas"][item.rsplit("/", 1)[-1]]["required"] == ["text"]
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert json.dumps(doc).count("Traceback") == 0
