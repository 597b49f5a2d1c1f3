"""Product Hunt adapter against the sandbox: the launch kit, and GraphQL metrics within the budget."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image

from publisher import errors
from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy
from publisher.adapters.producthunt.adapter import (
    COST_PER_POST,
    ProductHuntAdapter,
    RateLimitedPartial,
    next_launch_slot,
    post_key,
)
from publisher.models import Attempt, MediaFile, MetricSample, RemoteRef, RenderedPost
from publisher.sandbox import create_app

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TOKEN = "ph-developer-token-canary-1"


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


class Sandbox:
    """One fake Product Hunt in process, its control plane, and adapters wired to it."""

    def __init__(self) -> None:
        self.app = create_app(seed=3, now=NOW)
        self.transport = httpx.ASGITransport(app=self.app)
        self.clock = NOW
        self.slept: list[float] = []

    def control(self, method: str, path: str, **kw: Any) -> Any:
        async def go() -> Any:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://sandbox") as client:
                response = await client.request(method, f"/__fake{path}", **kw)
                assert response.status_code < 400, response.text
                return response.json()

        return run(go())

    def launch(self, slug: str, **fields: Any) -> dict[str, Any]:
        created: dict[str, Any] = self.control(
            "POST", "/producthunt/posts", json={"slug": slug, "name": slug.title(), **fields}
        )
        return created

    def advance(self, seconds: float) -> None:
        self.clock += timedelta(seconds=seconds)
        self.control("POST", "/clock", json={"advance_seconds": seconds})

    def graphql_calls(self) -> int:
        return sum(1 for c in self.control("GET", "/state")["calls"] if c["path"].endswith("/v2/api/graphql"))

    def adapter(
        self,
        token: str | None = TOKEN,
        out_dir: Path | None = None,
        ids_sink: Callable[[dict[str, Any]], None] | None = None,
        **options: Any,
    ) -> ProductHuntAdapter:
        async def sleep(seconds: float) -> None:
            self.slept.append(seconds)

        ctx = AdapterContext(
            account="producthunt",
            mode="sandbox",
            base_url="http://sandbox/ph",
            options=options,
            credentials={"token": token} if token else {},
            transport=self.transport,
            now=lambda: self.clock,
            out_dir=out_dir,
            ids_sink=ids_sink,
        )
        return ProductHuntAdapter(ctx, policy=RetryPolicy.immediate(), sleep=sleep)


def ref(post_id: int, remote_id: str, url: str | None = None) -> RemoteRef:
    return RemoteRef(post_id, "producthunt", "producthunt", remote_id, url, NOW)


def by_name(samples: list[MetricSample], post_id: int) -> dict[str, float]:
    return {s.name: s.value for s in samples if s.post_id == post_id}


def media(tmp_path: Path, role: str, name: str, size: tuple[int, int]) -> MediaFile:
    path = tmp_path / "cache" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "#da552f").save(path)
    data = path.read_bytes()
    mime = "image/png" if name.endswith(".png") else "image/jpeg"
    return MediaFile(
        role,
        str(path),
        f"content/media/{name}",
        hashlib.sha256(data).hexdigest(),
        len(data),
        mime,
        size[0],
        size[1],
    )


def launch_post(tmp_path: Path, **fields: Any) -> RenderedPost:
    base = {
        "name": "Weekly AI",
        "tagline": "Weekly reports in 3 steps",
        "description": "Turns your week's notes into a report.",
        "first_comment": "Hi hunters! We built this because weekly reports ate our Fridays.",
        "website": "https://example.com/?utm_source=producthunt",
        "topics": ["Productivity", "AI"],
        "tags": ["Productivity", "AI"],
    }
    return RenderedPost(
        item_id="launch-day",
        item_path="content/launch-day.md",
        platform="producthunt",
        account="producthunt",
        fields={**base, **fields},
        media=(
            media(tmp_path, "thumbnail", "logo.png", (600, 600)),
            media(tmp_path, "gallery", "shot1.jpg", (1270, 760)),
            media(tmp_path, "gallery", "shot2.jpg", (1270, 760)),
        ),
        publish_at=datetime(2026, 12, 2, 8, 1, tzinfo=UTC),  # 2026-12-02 00:01 PST
    )


def test_publish_writes_the_launch_kit_and_waits_for_a_person(tmp_path: Path) -> None:
    sandbox = Sandbox()
    committed: list[dict[str, Any]] = []
    adapter = sandbox.adapter(out_dir=tmp_path / "packs", ids_sink=committed.append)
    post = launch_post(tmp_path)
    assert adapter.validate(post) == []
    attempt = Attempt(post_id=42, number=1, started_at=NOW)
    result = run(adapter.publish(post, attempt))

    assert result.state == "awaiting_manual" and result.remote_id is None
    pack = Path(result.detail["pack"])
    assert committed == [{"pack": str(pack)}]
    assert sorted(p.name for p in pack.iterdir()) == [
        "01-thumbnail.png",
        "02-gallery.jpg",
        "03-gallery.jpg",
        "checklist.md",
        "launch.md",
        "pack.json",
        "text.txt",
    ]
    kit = (pack / "launch.md").read_text(encoding="utf-8")
    assert "Tagline (25/60): Weekly reports in 3 steps" in kit
    assert (
        "Thumbnail: 01-thumbnail.png" in kit
        and "Gallery, in this order: 02-gallery.jpg, 03-gallery.jpg" in kit
    )
    assert "2026-12-02 00:01 PT" in kit and "Asia/Shanghai 2026-12-02 16:01" in kit
    assert "Hi hunters!" in kit and "Topics: Productivity, AI" in kit
    assert "never ask for upvotes" in kit and "publisher resolve 42 --published URL" in kit
    assert sandbox.graphql_calls() == 0  # nothing is sent anywhere

    again = run(adapter.publish(post, Attempt(42, 2, NOW, ids={"pack": str(pack)})))
    assert again.detail == result.detail and (pack / "launch.md").read_text(encoding="utf-8") == kit
    assert run(adapter.reconcile(post, attempt)) is None


def test_publish_without_a_pack_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="out_dir"):
        run(Sandbox().adapter().publish(launch_post(tmp_path), Attempt(1, 1, NOW)))


def test_validate_reports_tagline_media_and_upvote_begging(tmp_path: Path) -> None:
    post = launch_post(tmp_path, tagline="x" * 61, first_comment="Please upvote us today!")
    post = RenderedPost(**{**post.__dict__, "media": post.media_of("gallery")})
    problems = {(p.field, p.severity) for p in Sandbox().adapter().validate(post)}
    assert problems == {
        ("platforms.producthunt.tagline", "error"),
        ("platforms.producthunt.thumbnail", "error"),
        ("platforms.producthunt.first_comment", "warning"),
    }


def test_next_launch_slot_is_the_next_0001_pacific() -> None:
    shanghai_noon = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai = 20:00 PST the day before
    assert next_launch_slot(shanghai_noon).isoformat() == "2026-12-01T00:01:00-08:00"
    assert (
        next_launch_slot(datetime(2026, 12, 2, 8, 1, tzinfo=UTC)).isoformat() == "2026-12-02T00:01:00-08:00"
    )
    assert next_launch_slot(datetime(2026, 7, 1, 8, 0, tzinfo=UTC)).isoformat() == "2026-07-02T00:01:00-07:00"


def test_post_key_from_url_id_or_slug() -> None:
    assert post_key(ref(1, "", "https://www.producthunt.com/posts/weekly-ai?ref=x")) == ("slug", "weekly-ai")
    assert post_key(ref(1, "www.producthunt.com/posts/weekly-ai")) == ("slug", "weekly-ai")
    assert post_key(ref(1, "123456")) == ("id", "123456")
    assert post_key(ref(1, "weekly-ai")) == ("slug", "weekly-ai")
    assert post_key(RemoteRef(1, "producthunt", "p", "x", None, NOW, ids={"slug": "s-1"})) == ("slug", "s-1")
    assert post_key(ref(1, "", "https://www.producthunt.com/products/weekly-ai")) == ("slug", "weekly-ai")
    later = "https://www.producthunt.com/products/weekly-ai/launches/weekly-ai-2?ref=x"
    assert post_key(ref(1, "", later)) == ("slug", "weekly-ai-2")
    assert post_key(ref(1, "", "https://www.producthunt.com/products/weekly-ai/awards")) == (
        "slug",
        "weekly-ai",
    )
    assert post_key(ref(1, "", "https://www.producthunt.com/products/new")) is None
    assert post_key(ref(1, "", "https://www.producthunt.com/topics/ai")) is None


def test_posts_and_products_urls_both_read_the_launch() -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai", createdAt="2026-03-02T07:00:00Z")
    refs = [
        ref(1, "", "https://www.producthunt.com/posts/weekly-ai"),
        ref(2, "", "https://www.producthunt.com/products/weekly-ai"),
        ref(3, "", "https://www.producthunt.com/products/weekly-ai/launches/weekly-ai"),
    ]
    samples = run(sandbox.adapter().fetch_metrics(refs))
    assert by_name(samples, 1) == by_name(samples, 2) == by_name(samples, 3) != {}
    assert sandbox.graphql_calls() == 1  # one launch, asked once for the three references


def test_metrics_read_votes_comments_rating_featured_and_grow_with_the_clock() -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai", createdAt="2026-03-02T08:00:00Z", featuredAt="2026-03-02T08:00:00Z")
    other = sandbox.launch("other-tool", createdAt="2026-03-02T08:00:00Z")
    refs = [ref(1, "", "https://www.producthunt.com/posts/weekly-ai"), ref(2, other["id"])]
    sandbox.advance(3600)
    adapter = sandbox.adapter()
    early = run(adapter.fetch_metrics(refs))
    first, second = by_name(early, 1), by_name(early, 2)
    assert set(first) == {"votes", "likes", "comments", "rating", "featured"}
    assert first["votes"] == first["likes"] > 0 and 4.0 <= first["rating"] <= 5.0
    assert first["featured"] == 1.0 and second["featured"] == 0.0
    assert {s.raw_name for s in early if s.post_id == 1} == {
        "votesCount",
        "commentsCount",
        "reviewsRating",
        "featuredAt",
    }
    assert all(s.taken_at == NOW + timedelta(hours=1) for s in early)
    assert sandbox.graphql_calls() == 1  # both posts in one aliased query

    sandbox.advance(8 * 3600)
    late = by_name(run(adapter.fetch_metrics(refs)), 1)
    assert late["votes"] > first["votes"] and late["comments"] >= first["comments"]


def test_metrics_batch_within_the_per_call_budget() -> None:
    sandbox = Sandbox()
    refs = [ref(n, sandbox.launch(f"tool-{n}", createdAt="2026-03-02T07:00:00Z")["id"]) for n in range(5)]
    adapter = sandbox.adapter(complexity_budget=2 * COST_PER_POST)
    samples = run(adapter.fetch_metrics(refs))
    assert sandbox.graphql_calls() == 3  # 2 + 2 + 1 posts
    assert {s.post_id for s in samples} == set(range(5)) and len(samples) == 5 * 5


def test_low_remaining_budget_raises_rate_limited_with_partial_samples_instead_of_sleeping() -> None:
    sandbox = Sandbox()
    # The window holds enough for two posts and a bit: the first call (2 posts) fits, the second cannot.
    sandbox.control("POST", "/config", json={"producthunt": {"complexity_limit": 2 * COST_PER_POST + 3}})
    refs = [ref(n, sandbox.launch(f"tool-{n}", createdAt="2026-03-02T07:00:00Z")["id"]) for n in range(4)]
    adapter = sandbox.adapter(complexity_budget=2 * COST_PER_POST)
    with pytest.raises(RateLimitedPartial) as caught:
        run(adapter.fetch_metrics(refs))
    assert {s.post_id for s in caught.value.samples} == {0, 1}
    assert caught.value.retry_after == 900  # the window opened with this call
    assert sandbox.slept == [] and sandbox.graphql_calls() == 1  # never asked into a 429

    sandbox.advance(60)  # the adapter remembers the headers: it does not even try
    with pytest.raises(RateLimitedPartial) as caught:
        run(adapter.fetch_metrics(refs[2:]))
    assert caught.value.samples == [] and caught.value.retry_after == 840
    assert sandbox.graphql_calls() == 1

    sandbox.advance(840)  # the window resets: the rest comes through
    assert {s.post_id for s in run(adapter.fetch_metrics(refs[2:]))} == {2, 3}


def test_429_honours_x_rate_limit_reset() -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai", createdAt="2026-03-02T07:00:00Z")
    sandbox.control("POST", "/config", json={"producthunt": {"complexity_limit": COST_PER_POST - 1}})
    with pytest.raises(errors.RateLimited) as caught:
        run(sandbox.adapter().fetch_metrics([ref(1, "weekly-ai")]))
    assert caught.value.code == 429 and caught.value.retry_after == 900
    assert sandbox.slept == []  # a long wait goes back to the queue

    short = {
        "kind": "http_status",
        "platform": "producthunt",
        "path": "/v2/api/graphql",
        "status": 429,
        "body": {"errors": [{"error": "rate_limit_reached"}]},
        "headers": {"X-Rate-Limit-Reset": "20"},
    }
    sandbox.control("POST", "/config", json={"producthunt": {"complexity_limit": 6250}})
    sandbox.control("POST", "/faults", json=short)
    samples = run(sandbox.adapter().fetch_metrics([ref(1, "weekly-ai")]))
    assert sandbox.slept == [20.0] and by_name(samples, 1)["votes"] >= 0  # waited the reset, then read


@pytest.mark.parametrize("token", ["revoked", None])
def test_401_or_no_token_is_an_auth_error_naming_the_variable(token: str | None) -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai")
    sandbox.control("POST", "/config", json={"producthunt": {"revoked_tokens": [TOKEN]}})
    with pytest.raises(errors.AuthError) as caught:
        run(sandbox.adapter(token=TOKEN if token else None).fetch_metrics([ref(1, "weekly-ai")]))
    message = str(caught.value)
    assert "PUBLISHER_PRODUCTHUNT_TOKEN" in message and TOKEN not in message
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert sandbox.graphql_calls() == (1 if token else 0)


def test_unknown_refs_are_skipped_and_missing_posts_give_no_samples() -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai", createdAt="2026-03-02T07:00:00Z")
    refs = [ref(1, "weekly-ai"), ref(2, "no-such-launch"), ref(3, "", "https://example.com/x")]
    samples = run(sandbox.adapter().fetch_metrics(refs))
    assert {s.post_id for s in samples} == {1}


def test_launch_day_hourly_vote_curve_from_each_votes_created_at() -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai", createdAt="2026-03-02T08:01:00Z", featuredAt="2026-03-02T08:01:00Z")
    launched = RemoteRef(
        1, "producthunt", "producthunt", "", None, NOW + timedelta(minutes=1), {"slug": "weekly-ai"}
    )
    sandbox.advance(5 * 3600)  # 05:00 Pacific: the day is still running
    running_day = run(sandbox.adapter().launch_curve(launched))
    assert [t for t, _ in running_day] == [NOW + timedelta(hours=h) for h in range(1, 6)]
    sandbox.advance(25 * 3600)
    curve = run(sandbox.adapter().launch_curve(launched))
    marks = [t.astimezone(ZoneInfo("America/Los_Angeles")) for t, _ in curve]
    assert len(curve) == 24 and marks[0].hour == 1 and marks[-1].hour == 0 and marks[-1].day == 3
    votes = [v for _, v in curve]
    assert votes == sorted(votes) and votes[0] > 0 and votes[4] == running_day[4][1]
    total = by_name(run(sandbox.adapter().fetch_metrics([launched])), 1)["votes"]
    assert votes[-1] <= total  # the launch day's votes, of all the votes since
    assert votes[-1] - votes[12] < votes[12]  # most votes come early in the day
    assert run(sandbox.adapter(token=None).launch_curve(launched)) == []


def test_hourly_series_on_the_launch_day_dates_each_point_at_its_hours_end() -> None:
    sandbox = Sandbox()
    sandbox.launch("weekly-ai", createdAt="2026-03-02T08:01:00Z")  # 00:01 PST, the day starts at 08:00 UTC
    sandbox.launch("old-tool", createdAt="2026-02-20T08:01:00Z")  # another day: not tracked
    refs = [ref(1, "", "https://www.producthunt.com/posts/weekly-ai"), ref(2, "old-tool")]

    def series(name: str) -> list[MetricSample]:
        return [p for p in run(sandbox.adapter().hourly_series(refs)) if p.name == name]

    sandbox.advance(3 * 3600 + 1800)  # 03:30 PST: three whole hours
    votes = series("votes_by_hour")
    assert [(p.post_id, p.raw_name) for p in votes] == [(1, "votes.createdAt")] * 3
    assert [p.taken_at for p in votes] == [NOW + timedelta(hours=h) for h in (1, 2, 3)]
    comments = series("comments_by_hour")
    assert [p.taken_at for p in comments] == [p.taken_at for p in votes]
    counted = run(sandbox.adapter().fetch_metrics(refs[:1]))
    assert comments[-1].value <= by_name(counted, 1)["comments"]  # comments by 03:00, of all by 03:30

    sandbox.advance(6 * 3600)  # read late: the early hours are the same, the later ones follow
    later = series("votes_by_hour")
    assert [(p.taken_at, p.value) for p in later[:3]] == [(p.taken_at, p.value) for p in votes]
    values = [p.value for p in later]
    assert len(later) == 9 and values == sorted(values) and values[-1] > values[0] > 0
    sandbox.advance(15 * 3600 + 5 * 3600)  # the day ended 5 h ago: still read, all 24 hours
    assert len(series("votes_by_hour")) == len(series("comments_by_hour")) == 24
    sandbox.advance(2 * 3600)  # past the grace: no longer tracked, no votes read
    calls = sandbox.graphql_calls()
    assert run(sandbox.adapter().hourly_series(refs)) == []
    assert sandbox.graphql_calls() == calls + 1  # only the createdAt query
