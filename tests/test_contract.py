"""One contract for every adapter in the registry, checked against the sandbox (docs/architecture.md).

validate() finds an over-long title before any network call; publish() of a valid post returns a
PublishResult; a write whose answer is lost raises OutcomeUnknown; reconcile() answers or says None, never
raises for "not found"; fetch_metrics() returns MetricSample objects with normalised names; and whatever goes
wrong underneath, only PlatformError subclasses come out (never an httpx exception).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from support.harness import T0, Harness
from support.platforms import fixtures
from support.workspaces import Layout

from publisher import errors
from publisher.adapters import platforms
from publisher.adapters.base import Adapter, AdapterContext
from publisher.models import Attempt, MetricSample, PublishResult, RemoteRef, RenderedPost

T = TypeVar("T")
PLATFORMS = sorted(n for n, s in platforms().items() if s.factory is not None)
#: per platform (its support.platforms fixture): the field that carries the title, and its write endpoint
#: (None: the adapter never writes)
CONTRACT: dict[str, tuple[str, str | None]] = {name: (f.title, f.write) for name, f in fixtures().items()}
NORMALISED = {"views", "likes", "comments", "shares", "favorites", "followers"}
WRITERS = [p for p in PLATFORMS if CONTRACT.get(p, ("", None))[1]]


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    harness = Harness(tmp_path_factory.mktemp("contract"), Layout(items=4, platforms=tuple(PLATFORMS)))
    yield harness
    harness.close()


def adapter_and_post(
    h: Harness, platform: str, item: str = "item-0000", **ctx_changes: Any
) -> tuple[Adapter, RenderedPost]:
    queue = h.queue()
    post = queue.content.rendered(item, platform, platform)
    assert post is not None, f"{item} does not render for {platform}"
    ctx: AdapterContext = queue.contexts.make(
        platform, platform, ids_sink=lambda ids: None, intent=lambda s: None
    )
    return h.adapter(platform, dataclasses.replace(ctx, **ctx_changes)), post


def attempt(ids: dict[str, Any] | None = None) -> Attempt:
    return Attempt(post_id=1, number=1, started_at=T0, ids=ids or {})


def test_every_registered_adapter_has_a_contract_fixture() -> None:
    assert set(PLATFORMS) <= set(CONTRACT), "add tests/support/platforms/<name>.py for the new platform"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_validate_finds_an_over_long_title_before_any_network_call(h: Harness, platform: str) -> None:
    adapter, post = adapter_and_post(h, platform)
    key = CONTRACT[platform][0]
    before = len(h.state()["calls"])
    assert [p for p in adapter.validate(post) if p.severity == "error"] == []
    long = dataclasses.replace(post, fields={**post.fields, key: "很长的标题" * 300})
    problems = [p for p in adapter.validate(long) if p.severity == "error"]
    assert problems and all(p.message for p in problems)
    assert len(h.state()["calls"]) == before  # no request left


@pytest.mark.parametrize("platform", PLATFORMS)
def test_publish_returns_a_publish_result_and_metrics_are_normalised(h: Harness, platform: str) -> None:
    adapter, post = adapter_and_post(h, platform, "item-0001")
    published_at = h.clock()
    result = run(adapter.publish(post, attempt()))
    assert isinstance(result, PublishResult)
    assert result.state in ("published", "submitted", "awaiting_manual")
    if platform == "producthunt":  # a person launched it and confirmed the URL
        slug = "weeklypilot-contract"
        run(_create_ph_post(h, slug))
        result = PublishResult(slug, f"https://www.producthunt.com/posts/{slug}", "published", {"slug": slug})
    poll = getattr(adapter, "poll", None)
    for _ in range(5):  # an asynchronous publish: the queue polls when the adapter says, on the clock
        if result.state != "submitted" or poll is None or "poll_after_s" not in result.detail:
            break
        h.clock.advance(float(result.detail["poll_after_s"]))
        result = run(poll(post, attempt(dict(result.detail)))) or result
    if result.state != "published":
        pytest.fail(f"{platform}: a valid post in sandbox mode should publish, got {result}")
    h.clock.advance(2 * 86400)  # engagement grows on the fake's clock
    ref = RemoteRef(
        1, platform, platform, str(result.remote_id), result.url, published_at, dict(result.detail)
    )
    samples = run(adapter.fetch_metrics([ref]))
    assert samples and all(isinstance(s, MetricSample) for s in samples), samples
    assert {s.name for s in samples} & NORMALISED, samples
    assert all(s.platform == platform and s.value >= 0 for s in samples), samples
    per_post = [s for s in samples if s.post_id is not None]  # account figures (followers) may come along
    assert per_post and {s.post_id for s in per_post} == {1}, samples
    assert {s.name for s in per_post} & NORMALISED, samples


async def _create_ph_post(h: Harness, slug: str) -> None:
    async with httpx.AsyncClient(transport=h.transport, base_url=h.base) as c:
        r = await c.post(
            "/__fake/producthunt/posts",
            json={"slug": slug, "name": "WeeklyPilot", "createdAt": (T0 - timedelta(hours=1)).isoformat()},
        )
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("platform", WRITERS)
def test_a_write_whose_answer_is_lost_raises_outcome_unknown(h: Harness, platform: str) -> None:
    adapter, post = adapter_and_post(h, platform, "item-0002")
    h.fault(kind="drop_after_commit", platform=platform, path=CONTRACT[platform][1])
    with pytest.raises(errors.OutcomeUnknown):
        run(adapter.publish(post, attempt()))
    h.fault(kind="http_status", platform=platform, path=CONTRACT[platform][1], status=502)
    fresh, post3 = adapter_and_post(h, platform, "item-0003")
    with pytest.raises(errors.OutcomeUnknown):
        run(fresh.publish(post3, attempt()))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reconcile_of_a_post_never_sent_answers_without_raising(h: Harness, platform: str) -> None:
    adapter, post = adapter_and_post(h, platform)
    never = dataclasses.replace(post, fields={**post.fields, CONTRACT[platform][0]: "从未发布过的帖子"})
    result = run(adapter.reconcile(never, attempt()))
    assert result is None or isinstance(result, PublishResult)
    if result is not None:
        assert result.state != "published"


class Broken(httpx.AsyncBaseTransport):
    """Every request fails the way `exc` says."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise self.exc


FAILURES = [
    httpx.ConnectError("refused"),
    httpx.ReadTimeout("slow"),
    httpx.RemoteProtocolError("peer closed"),
    httpx.ReadError("reset"),
]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("failure", FAILURES, ids=lambda e: type(e).__name__)
def test_only_platform_errors_come_out_whatever_the_transport_does(
    h: Harness, platform: str, failure: Exception
) -> None:
    adapter, post = adapter_and_post(h, platform, transport=Broken(failure))
    ref = RemoteRef(
        1, platform, platform, "@x", "https://example.invalid/p/x", T0, {"note_id": "x", "slug": "x"}
    )
    for call in (
        adapter.publish(post, attempt()),
        adapter.reconcile(post, attempt({"draft_media_id": "x"})),
        adapter.fetch_metrics([ref]),
    ):
        try:
            run(call)
        except Exception as exc:  # the contract: nothing but PlatformError
            assert isinstance(exc, errors.PlatformError), f"{platform} leaked {type(exc).__name__}: {exc}"
            assert exc.__cause__ is None and exc.__suppress_context__


@pytest.mark.parametrize("platform", WRITERS)
@pytest.mark.parametrize("kind", ["truncate_json", "http_status"])
def test_only_platform_errors_come_out_whatever_the_platform_answers(
    h: Harness, platform: str, kind: str
) -> None:
    adapter, post = adapter_and_post(h, platform, "item-0003")
    h.fault(kind=kind, platform=platform, path="*", status=500, times=0)
    try:
        for call in (adapter.publish(post, attempt()), adapter.reconcile(post, attempt())):
            try:
                run(call)
            except Exception as exc:
                assert isinstance(exc, errors.PlatformError), f"{platform} leaked {type(exc).__name__}: {exc}"
    finally:
        h.world.faults.clear()
