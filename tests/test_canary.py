"""R26 (docs/reliability.md#security): a canary secret appears nowhere.

Canaries are planted as the WeChat app secret, the Douyin client secret, the Product Hunt token, the token in
a webhook URL and a notification signing secret. A fault-heavy run (transient faults, token expiry, a lost
answer, a person-only code, failing notifications, a metrics pull) goes through the real queue and adapters at
DEBUG on every logger (httpx and httpcore included). Then every log record, the SQLite files (WAL included),
every file under the workspace, the exceptions raised, the sandbox's state, and the CLI's `status --json` and
`report weekly` output are searched for each canary.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import traceback
from pathlib import Path

import httpx
import pytest
from support.harness import Harness
from support.procs import child_env
from support.workspaces import Layout, posts

from publisher import errors
from publisher.daemon.entry import notifier_for
from publisher.metrics import pull as metrics
from publisher.models import RemoteRef
from publisher.redact import install_logging_redaction

CANARIES = {
    "PUBLISHER_WECHAT_SECRET": "CANARYwxsecret7f3a9c1e5b",
    "PUBLISHER_DOUYIN_CLIENT_SECRET": "CANARYdysecret2b8d4f6a0c",
    "PUBLISHER_PRODUCTHUNT_TOKEN": "CANARYphtoken9e1c3a5b7d",
    "OPS_WEBHOOK": "https://open.feishu.cn/open-apis/bot/v2/hook/CANARYhook4d6f8a0b2c",
    "OPS_SECRET": "CANARYsign1a3c5e7f9b",
}
NEEDLES = [v.rsplit("/", 1)[-1] for v in CANARIES.values()]
NOTIFY = '\n[notify.ops]\nkind = "feishu"\nurl_env = "OPS_WEBHOOK"\nsecret_env = "OPS_SECRET"\n'


def echoing_webhook(request: httpx.Request) -> httpx.Response:
    """A webhook that fails and echoes what it got (URL and body), as misconfigured endpoints do."""
    return httpx.Response(400, text=f"bad request to {request.url}: {request.content.decode()[:300]}")


def leaks(text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [n for n in NEEDLES if n.encode() in data]


def test_no_canary_secret_appears_anywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # What every entry point (the CLI, `python -m publisher.daemon.service`) installs first, here as with -v;
    # then DEBUG on the root logger: httpx, httpcore and every publisher logger.
    install_logging_redaction(verbose=True)
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "publisher"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    layout = Layout(items=3, platforms=("wechat", "douyin", "xiaohongshu", "producthunt"), notify=NOTIFY)
    h = Harness(
        tmp_path,
        layout,
        seed=26,
        env=CANARIES,
        fake_config={"wechat": {"token_ttl": 600}, "douyin": {"access_ttl": 600}},
    )
    raised: list[BaseException] = []
    try:
        notifier = notifier_for(h.ws)
        assert notifier is not None
        notifier.transport = httpx.MockTransport(echoing_webhook)
        queue = h.queue(notifier=notifier)
        for platform, path in (("wechat", "*"), ("douyin", "*"), ("xiaohongshu", "*")):
            h.fault(kind="http_status", platform=platform, path=path, status=503, times=0, probability=0.3)
        h.fault(kind="drop_after_commit", platform="wechat", path="/cgi-bin/freepublish/submit", times=1)
        h.fault(kind="app_error", platform="wechat", path="/cgi-bin/draft/add", code=42001, times=2)
        h.fault(
            kind="app_error",
            platform="douyin",
            path="/api/douyin/v1/video/create_image_text/",
            code=10010,
            times=1,
            message="refresh_token expired",
        )
        h.drive(steps=200, queue=queue)
        assert {p["state"] for p in posts(h.store)} & {"published", "needs_reauth", "awaiting_manual"}
        h.world.faults.clear()

        # Metrics, including Product Hunt's GraphQL with the planted token, and a refused token.
        adapter_for = metrics.default_adapter_for(
            h.ws, h.store, now=h.clock, sandbox_url=h.base, transport=h.transport
        )
        h.clock.advance(86400)
        metrics.pull(h.ws, h.store, now=h.clock(), since=None, adapter_for=adapter_for)
        ph = h.adapter("producthunt", h.queue().contexts.make("producthunt", "producthunt"))
        h.config({"producthunt": {"developer_tokens": ["another-token"]}})
        ref = RemoteRef(
            1,
            "producthunt",
            "producthunt",
            "weeklypilot",
            "https://www.producthunt.com/posts/x",
            h.clock(),
            {"slug": "x"},
        )
        for failing in (ph.fetch_metrics([ref]),):
            try:
                asyncio.run(failing)
            except errors.PlatformError as exc:
                raised.append(exc)
        assert raised, "the refused token should have raised"
        state_text = json.dumps(h.state(), ensure_ascii=False)
    finally:
        h.close()

    found: dict[str, list[str]] = {}

    def check(where: str, text: str | bytes) -> None:
        if hit := leaks(text):
            found.setdefault(where, []).extend(hit)

    # Every log record: message, arguments and formatted exception.
    for record in caplog.records:
        formatted = logging.Formatter().format(record)
        check(f"log {record.name}", formatted + repr(record.args) + repr(record.__dict__.get("exc_text")))
    assert len(caplog.records) > 50 and any(r.name.startswith("httpx") for r in caplog.records)
    # The database files, WAL included, and every file under the workspace (packs, previews, records).
    for path in [*tmp_path.glob("publisher.db*"), *[p for p in tmp_path.rglob("*") if p.is_file()]]:
        check(str(path.relative_to(tmp_path)), path.read_bytes())
    # Exceptions, with their whole traceback text.
    for exc in raised:
        check(f"exception {type(exc).__name__}", "".join(traceback.format_exception(exc)))
    check("/__fake/state", state_text)
    # The CLI, verbose, against the same store and environment.
    env = child_env(
        {
            **h.env,
            "PUBLISHER_DATABASE_URL": f"sqlite:///{tmp_path / 'publisher.db'}",
            "OPS_WEBHOOK": CANARIES["OPS_WEBHOOK"],
            "OPS_SECRET": CANARIES["OPS_SECRET"],
        }
    )
    for args in (["status", "--json"], ["report", "weekly"], ["status", "--json", "-v"]):
        done = subprocess.run(
            [sys.executable, "-m", "publisher", *args, "--workspace", str(h.root)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr[-2000:]
        check(f"publisher {' '.join(args)}", done.stdout + done.stderr)
        if args[0] == "status":
            assert done.stdout.strip(), done.stderr[-2000:]

    assert found == {}, found
