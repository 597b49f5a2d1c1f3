"""Benchmark: WeChat articles through the queue and the real adapter over HTTP, vs a bare httpx loop making
the same calls against the same sandbox.

Target (README.md#benchmarks): the queue reaches >= 60 % of the bare loop's throughput.

What is measured, in one run:
- queue: N items, each a WeChat article on one of A verified sandbox-mode accounts (the draft + publish flow:
  stable_token once per account, material/add_material once per account and cover, openapi/quota/get and
  freepublish/submit, one freepublish/get when the queue polls the job), drained by `Queue.run_due` one post
  after the other, then `Queue.poll_submitted` at each job's stored check time (the bench's clock jumps
  there), as the daemon sends and follows them: claim,
  re-validation, rendering (Markdown -> WeChat HTML, cover processed), write-ahead intent, every platform id
  committed as it arrives (SQLite, synchronous=FULL), the finish. The calendar sync beforehand is not timed;
  the calendar is lean, as the daemon's is, so each send reads and parses its item file again.
- floor: the very requests the queue sent (recorded on the way: same methods, paths, query, bodies, count and
  order) replayed by one bare `httpx.AsyncClient` after the sandbox was reset, with only the ids the sandbox
  hands out (token, media ids, publish ids) swapped for the ones it hands out this time.
- the queue runs twice: as shipped, and with the recording transport holding one SSL context for every client
  (what `adapters.http.make_client` would do with a shared context); the floor is measured once.
The comparison is fair by construction: the floor makes exactly the platform calls the queue made, no more and
no fewer. None of the queue's calls is redundant: one stable_token and one material/add_material per account
(the token and the cover's media id are cached), and openapi/quota/get before each freepublish/submit is the
submit counter the lost-submit check needs (a submit whose answer is lost is proven never to have arrived when
the count did not move), so the floor keeps it too.
The sandbox runs in its own process by default (`--sandbox thread` uses `publisher.sandbox.running()` in this
process, where it shares the interpreter lock with the client, which flatters the ratio).

    PYTHONPATH=src python bench/bench_publish.py [--posts 300] [--accounts 10] [--sandbox process|thread]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from figures import Figures
from PIL import Image

from publisher.adapters.http import _tls
from publisher.calendar.load import Calendar
from publisher.calendar.sync import sync_calendar
from publisher.queue.runner import Queue
from publisher.store.db import open_store
from publisher.workspace.credentials import env_var
from publisher.workspace.settings import DEFAULTS_DIR, open_workspace

SRC = Path(__file__).resolve().parents[1] / "src"
BODY = """第 {n} 期：这一周我们把周报从两小时压到二十分钟。

## 三步

1. 把本周的数据从看板导出来；
2. 用模板填好 **关键指标** 和 *风险*；
3. 发给团队，留十分钟讨论。

```python
def report(week):
    return template.render(week=week)
```

更多做法见 [我们的博客](https://example.com/blog/weekly-{n})。
"""


@dataclass
class Recorded:
    """One request as the queue sent it, and the JSON it got back."""

    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    answer: Any


@dataclass
class Recorder(httpx.AsyncBaseTransport):
    """Records each request and its answer. The queue passes this one transport to the client of every
    account; without it, each account's client has its own transport and connection pool, kept from run to
    run for the queue's life. So the recorder keeps one pool per account (told apart by the appid its
    stable_token call sends and the access token that call hands out), closed when the queue closes its
    clients: the recording changes no connection behaviour. (One pool for all accounts held a connection per
    lane, and httpcore checks every pooled connection before each request.)

    Measurement overhead only, kept off the clock: during the run the recorder keeps the request and the
    answer the client read (the very response object, not a copy); their paths, queries, headers and JSON are
    taken apart after the run (`parse`), not while the queue waits."""

    calls: list[tuple[httpx.Request, httpx.Response]] = field(default_factory=list)
    inner: dict[str, httpx.AsyncHTTPTransport] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None  # None: a new one per client, as httpx's default transport does
    accounts: dict[str, str] = field(default_factory=dict)  # access token -> appid

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        token = _TOKEN.search(request.url.query)
        asks_token = token is None and request.url.path.endswith("/stable_token")
        account = str(json.loads(body)["appid"]) if asks_token else self.accounts.get(_text(token), "")
        inner = self.inner.get(account)
        if inner is None:
            inner = self.inner[account] = httpx.AsyncHTTPTransport(verify=self.ssl_context or True)
        response = await inner.handle_async_request(request)
        if asks_token:  # one call per account: its token tells the account's later calls apart
            content = await response.aread()
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self.accounts[quote(str(json.loads(content)["access_token"]), safe="")] = account
        self.calls.append((request, response))
        return response

    def parse(self) -> list[Recorded]:
        """The calls as sent, each with its answer parsed (None when it was no JSON)."""
        out = []
        for request, response in self.calls:
            try:
                answer = json.loads(response.content)
            except ValueError:
                answer = None
            out.append(
                Recorded(
                    request.method,
                    request.url.path,
                    list(request.url.params.multi_items()),
                    {k: v for k, v in request.headers.items() if k.lower() == "content-type"},
                    request.content,
                    answer,
                )
            )
        return out

    async def aclose(self) -> None:
        inner, self.inner = self.inner, {}
        for transport in inner.values():
            await transport.aclose()


_TOKEN = re.compile(rb"(?:^|&)access_token=([^&]*)")


def _text(found: re.Match[bytes] | None) -> str:
    return found.group(1).decode("ascii") if found is not None else ""


def write_settings(ws: Path, accounts: int) -> list[str]:
    """publisher.toml with `accounts` verified sandbox-mode WeChat accounts, the WeChat rules without pacing,
    and a cover image; returns the account names."""
    media = ws / "content" / "media"
    media.mkdir(parents=True)
    Image.new("RGB", (1800, 766), "#2b6cb0").save(media / "cover.png")
    names = [f"wx{i}" for i in range(accounts)]
    toml = ['[workspace]\nname = "bench"\ntimezone = "Asia/Shanghai"\n']
    for n in names:
        toml.append(f'[accounts.{n}]\nplatform = "wechat"\nmode = "sandbox"\nverified = true\n')
    (ws / "publisher.toml").write_text("\n".join(toml), encoding="utf-8")
    folder = ws / "platforms" / "wechat"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "wechat", folder)
    rules = folder / "platform.yaml"
    text = rules.read_text(encoding="utf-8")
    text = re.sub(r"daily_cap: \d+", "daily_cap: 0", text)
    text = re.sub(r"min_spacing_s: \S+", "min_spacing_s: 0s", text)
    rules.write_text(text, encoding="utf-8")  # pacing off: the bench measures the queue, not the pacing
    return names


def item_text(n: int, account: str, due: datetime, prefix: str = "p") -> str:
    """One WeChat article due at `due` (ISO 8601 with offset, fractions of a second kept)."""
    return (
        f"---\nid: {prefix}{n:05d}\ntitle: 周报第{n}期：三步写完\n"
        f"publish_at: {due.isoformat()}\nstatus: ready\ntags: [效率工具]\nplatforms:\n"
        f"  {account}: {{author: 运营, digest: 一篇讲清楚, cover: media/cover.png}}\n"
        f"---\n" + BODY.format(n=n)
    )


def credentials_env(root: Path, names: list[str]) -> dict[str, str]:
    """The accounts' credentials as environment variables (the sandbox trusts the first secret it sees)."""
    env = {"PUBLISHER_NO_KEYRING": "1", "PUBLISHER_CREDENTIALS_FILE": str(root / "no-such-file")}
    for n in names:
        env[env_var(n, "appid")] = f"wxbench{n}"
        env[env_var(n, "secret")] = f"bench-secret-{n}"
    return env


def build(root: Path, posts: int, accounts: int, due: datetime) -> tuple[Path, dict[str, str]]:
    """`posts` WeChat articles spread over `accounts` verified sandbox accounts, and the env to open it."""
    ws = root / "ws"
    names = write_settings(ws, accounts)
    for n in range(posts):
        (ws / "content" / f"p{n:04d}.md").write_text(item_text(n, names[n % accounts], due), encoding="utf-8")
    return ws, credentials_env(root, names)


# -- the sandbox ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def sandbox(kind: str) -> Iterator[str]:
    if kind == "thread":
        from publisher.sandbox import running

        with running() as base:
            yield base
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher.sandbox", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/__fake/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not come up")
            time.sleep(0.05)  # polling the health endpoint until it answers
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def prepare(base: str) -> None:
    """Fresh world; publish jobs finish at once (the one freepublish/get then finds the article)."""
    httpx.post(f"{base}/__fake/reset", json={"keep_config": False}, timeout=10).raise_for_status()
    httpx.post(
        f"{base}/__fake/config",
        json={"wechat": {"publish_delay_seconds": 0}, "call_log_size": 100},
        timeout=10,
    ).raise_for_status()


def published_articles(base: str) -> int:
    state = httpx.get(f"{base}/__fake/state", timeout=30).json()
    wechat = state.get("wechat") or state.get("platforms", {}).get("wechat") or {}
    return len(wechat.get("articles") or [])


# -- the two runs -----------------------------------------------------------------------------------------


class Skipping:
    """The queue's clock: the wall clock, plus the waits the bench skips (a publish job's next check is 15 s
    after its submit; the bench jumps there instead of sleeping, as a rehearsal's virtual clock does)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


async def drain(queue: Queue, batch: int, clock: Skipping) -> Counter[str]:
    """Send every due post, then follow the submitted publish jobs at the times stored with them: the
    final state of each post (the polls are part of the work measured; the waits between them are not)."""
    last: dict[int, str] = {}
    while True:
        out = await queue.run_due(batch)
        last.update((o.post_id, o.state) for o in out)
        if len(out) < batch:
            break
    while "reconcile" in last.values():
        wake = queue.next_due()
        if wake is None:
            break
        clock.ahead += max(timedelta(0), wake - clock())
        out = await queue.poll_submitted(batch)
        last.update((o.post_id, o.state) for o in out)
    await queue.aclose()  # the clients it kept from run to run, as the daemon closes them when it stops
    return Counter(last.values())


def queue_run(
    root: Path, base: str, posts: int, accounts: int, batch: int, ssl_context: ssl.SSLContext | None = None
) -> tuple[float, Counter[str], list[Recorded]]:
    now = datetime.now(UTC)
    shutil.rmtree(root / "ws", ignore_errors=True)
    folder, env = build(root, posts, accounts, now - timedelta(minutes=5))
    ws = open_workspace(folder, env=env)
    store = open_store(ws.database_url)
    calendar = Calendar(ws, lean=True)  # as the daemon keeps it: a send reads its file again
    sync_calendar(ws, store, now=datetime.now(UTC), calendar=calendar)
    recorder = Recorder(ssl_context=ssl_context)
    clock = Skipping()
    queue = Queue(
        ws,
        store,
        owner="bench",
        now=clock,
        transport=recorder,
        sandbox_url=base,
        calendar=calendar,
        commit_thread=True,  # as `publisher run` does over the network (the recorder wraps a real transport)
    )
    t = time.perf_counter()
    states = asyncio.run(drain(queue, batch, clock))
    elapsed = time.perf_counter() - t
    store.close()
    return elapsed, states, recorder.parse()


def _swap(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_swap(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, ids) for k, v in value.items()}
    return value


def _learn(old: Any, new: Any, ids: dict[str, str]) -> None:
    """Every id the sandbox handed out this time, by the one it handed out to the queue at the same place."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k, v in old.items():
            _learn(v, new.get(k), ids)
    elif isinstance(old, list) and isinstance(new, list):
        for a, b in zip(old, new, strict=False):
            _learn(a, b, ids)
    elif isinstance(old, str) and isinstance(new, str) and old != new:
        ids[old] = new


async def bare_loop(base: str, calls: list[Recorded]) -> tuple[float, int]:
    """The floor: the recorded calls replayed in order by one client; returns (seconds, answers not ok)."""
    ids: dict[str, str] = {}
    bad = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        t = time.perf_counter()
        for c in calls:
            params = [(k, ids.get(v, v)) for k, v in c.params]
            if c.headers.get("content-type", "").startswith("application/json"):
                body = json.dumps(_swap(json.loads(c.body), ids), ensure_ascii=False).encode()
                response = await client.request(
                    c.method, c.path, params=params, content=body, headers=c.headers
                )
            else:
                response = await client.request(
                    c.method, c.path, params=params, content=c.body, headers=c.headers
                )
            answer = response.json()
            if response.status_code != 200 or answer.get("errcode") not in (None, 0):
                bad += 1
            _learn(c.answer, answer, ids)
        elapsed = time.perf_counter() - t
    return elapsed, bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument(
        "--accounts", type=int, default=10, help="freepublish/submit allows 100 a day per account"
    )
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--sandbox", choices=["process", "thread"], default="process")
    parser.add_argument("--where", choices=["disk", "shm"], default="disk", help="where the store lives")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the figures last")
    args = parser.parse_args(argv)
    place = Path(__file__).resolve().parent if args.where == "disk" else Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="bench-publish-", dir=place))
    runs: dict[str, tuple[float, Counter[str], list[Recorded], int]] = {}
    try:
        with sandbox(args.sandbox) as base:
            # The product shares one TLS context per process (adapters/http.py); the recorder does the same.
            variants = {"as shipped": _tls()}
            for label, context in variants.items():
                prepare(base)
                q_s, states, calls = queue_run(root, base, args.posts, args.accounts, args.batch, context)
                runs[label] = (q_s, states, calls, published_articles(base))
            prepare(base)
            calls = runs["as shipped"][2]
            b_s, bad = asyncio.run(bare_loop(base, calls))
            b_articles = published_articles(base)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    kinds = Counter(f"{c.method} {c.path}" for c in calls)
    b_rate = b_articles / b_s if b_s else 0.0
    print(
        f"sandbox: {args.sandbox}; store on {args.where}; "
        f"{args.posts} WeChat articles over {args.accounts} accounts"
    )
    print(f"HTTP calls per run: {len(calls)} ({', '.join(f'{n}x {k}' for k, n in sorted(kinds.items()))})")
    print(
        f"floor, bare httpx loop (one client, same calls replayed): {b_articles} articles in {b_s:.2f} s: "
        f"{b_rate:,.1f} posts/s, {len(calls) / b_s:,.0f} calls/s; answers not ok: {bad}"
    )
    figures = Figures("publish")
    for label, (q_s, states, q_calls, q_articles) in runs.items():
        published = states.get("published", 0)
        q_rate = published / q_s
        ratio = q_rate / b_rate if b_rate else 0.0
        ok = (
            ratio >= 0.6
            and published == args.posts == q_articles == b_articles
            and len(q_calls) == len(calls)
        )
        print(
            f"queue ({label}): {published} published ({dict(states)}), {len(q_calls)} calls, in {q_s:.2f} s: "
            f"{q_rate:,.1f} posts/s; sandbox articles {q_articles} -> queue / bare loop = {ratio:.2f} "
            f"(target >= 0.60) {'OK' if ok else 'BELOW TARGET'}"
        )
        key = "queue_vs_bare_loop" + ("" if label == "as shipped" else f" ({label})")
        figures.ratio(key, ratio, floor=b_rate, at_least=0.6, unit="posts/s")
        figures.figures[key]["ok"] = ok  # also: every post published, the same calls as the floor made
    return figures.emit(args.json)


if __name__ == "__main__":
    sys.exit(main())
