"""Douyin without video.create.bind: at the due time the pack gets a share link and its QR code; the person
scans it, the Douyin app opens its publish page filled in, they post and confirm with `publisher resolve`."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import zxingcpp
from PIL import Image
from support.harness import Harness
from support.workspaces import Layout, post_of

from publisher import errors
from publisher.adapters.base import AdapterContext, MemoryTokenCache
from publisher.adapters.douyin.adapter import DouyinAdapter
from publisher.adapters.http import RetryPolicy
from publisher.models import Attempt, MediaFile, RenderedPost
from publisher.queue.actions import resolve
from publisher.sandbox import create_app

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
KEY, SECRET = "dy_client_key", "dy-client-secret-canary"
CDN = "https://cdn.example.com/douyin"


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def clip(tmp: Path) -> MediaFile:
    data = b"\0\0\0\x18ftypmp42" + b"v" * 900
    path = tmp / "launch.mp4"
    path.write_bytes(data)
    return MediaFile(
        "video",
        str(path),
        "content/media/launch.mp4",
        hashlib.sha256(data).hexdigest(),
        len(data),
        "video/mp4",
    )


def video_post(tmp: Path) -> RenderedPost:
    return RenderedPost(
        "launch-day",
        "content/launch-day.md",
        "douyin",
        "douyin",
        {"text": "效率神器上线", "tags": ["效率工具", "AI"]},
        (clip(tmp),),
    )


class Env:
    """The fake in process, an unverified account in share mode, and a clock shared by both."""

    def __init__(self, tmp: Path, **options: Any) -> None:
        self.tmp = tmp
        self.app = create_app(seed=3, now=NOW)
        self.world = self.app.state.world
        self.transport = httpx.ASGITransport(app=self.app)
        self.tokens = MemoryTokenCache()
        self.options = {
            "verified": False,
            "share": True,
            "share_media_base_url": CDN,
            "share_media_dir": str(tmp / "cdn"),
            **options,
        }

    def adapter(self, account: str = "douyin", **credentials: str) -> DouyinAdapter:
        ctx = AdapterContext(
            account=account,
            mode="sandbox",
            base_url="http://sandbox/dy",
            options=self.options,
            credentials=credentials or {"client_key": KEY, "client_secret": SECRET},
            transport=self.transport,
            now=lambda: self.world.now,
            out_dir=self.tmp / "packs",
            tokens=self.tokens,
        )
        return DouyinAdapter(ctx, policy=RetryPolicy.immediate(), sleep=self.advance)

    async def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, base_url="http://sandbox")

    async def advance(self, seconds: float) -> None:
        async with await self.client() as c:
            await c.post("/__fake/clock", json={"advance_seconds": seconds})

    def publish(self, post: RenderedPost, account: str = "douyin") -> Any:
        return run(self.adapter(account).publish(post, Attempt(post_id=7, number=1, started_at=NOW)))

    async def scan(self, link: str) -> httpx.Response:
        """What a phone does with the QR code: open the short link (the fake answers for open.douyin.com)."""
        parts = urlsplit(link)
        async with await self.client() as c:
            return await c.get(f"/dy{parts.path}?{parts.query}")

    async def app_posts(self, link: str) -> httpx.Response:
        async with await self.client() as c:
            return await c.post("/__fake/douyin/app_share", json={"link": link})


def qr_text(png: Path) -> list[str]:
    """What a phone's scanner reads from the image: decoded by zxing-cpp, a decoder nobody here wrote."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(png))]


def test_share_mode_writes_the_pack_with_a_link_its_qr_code_and_its_expiry(tmp_path: Path) -> None:
    env = Env(tmp_path)
    result = env.publish(video_post(tmp_path))
    assert result.state == "awaiting_manual"
    pack = Path(result.detail["pack"])
    assert {"video.mp4", "text.txt", "checklist.md", "share-qr.png", "share.md"} <= {
        p.name for p in pack.iterdir()
    }
    link = result.detail["share_link"]
    assert link.startswith("https://open.douyin.com/platform/oauth/slink/?token=")
    assert qr_text(pack / "share-qr.png") == [link]
    # one hour by default, written in the pack and in the notice the notification carries (workspace zone)
    assert result.detail["share_expires_at"] == (NOW + timedelta(hours=1)).isoformat()
    note = (pack / "share.md").read_text(encoding="utf-8")
    assert link in note and "2026-03-02 13:00 (UTC+08:00)" in note
    assert "publisher resolve 7 --published URL" in note
    assert "有效至 2026-03-02 13:00" in result.detail["notice"]
    # the video is served where the app downloads it: the CDN folder holds it under its content name
    name = clip(tmp_path).sha256[:16] + ".mp4"
    assert (tmp_path / "cdn" / name).read_bytes() == Path(clip(tmp_path).path).read_bytes()
    # the fake kept what get_share was sent, with the share_id as state and the real field names
    body = next(iter(env.world.stores["douyin"].links.values()))["body"]
    assert body["video_path"] == f"{CDN}/{name}"
    assert body["state"] == result.detail["share_id"] != ""
    assert body["share_to_publish"] == 1 and body["title"] == "效率神器上线"
    assert body["hashtag_list"] == ["效率工具", "AI"]
    assert body["expire_at"] == int((NOW + timedelta(hours=1)).timestamp())


def test_scanning_opens_the_publish_page_until_the_link_expires(tmp_path: Path) -> None:
    env = Env(tmp_path)
    link = env.publish(video_post(tmp_path)).detail["share_link"]
    opened = run(env.scan(link))
    assert opened.status_code == 302
    schema = urlsplit(opened.headers["location"])
    assert (schema.scheme, schema.netloc, schema.path) == ("snssdk1128", "openplatform", "/share")
    query = parse_qs(schema.query)
    assert query["share_type"] == ["h5"] and query["client_key"] == [KEY]
    assert query["video_path"][0].startswith(CDN) and query["share_to_publish"] == ["1"]
    posted = run(env.app_posts(link))
    assert posted.status_code == 200 and posted.json()["text"] == "效率神器上线 #效率工具 #AI"
    run(env.advance(3600))
    assert run(env.scan(link)).json()["err_msg"] == "链接已过期"
    assert run(env.app_posts(link)).status_code == 410


def test_the_person_confirms_with_resolve_and_the_notification_says_when_the_link_expires(
    tmp_path: Path,
) -> None:
    options = {
        "verified": False,
        "share": True,
        "share_media_base_url": CDN,
        "share_media_dir": str(tmp_path / "cdn"),
    }
    h = Harness(tmp_path, Layout(items=1, platforms=("douyin",), video=True, options={"douyin": options}))
    try:
        h.drive()
        post = post_of(h.store, "item-0000", "douyin")
        assert post["state"] == "awaiting_manual"
        (notice,) = [n for n in h.notices.sent if n.kind == "awaiting_manual"]
        assert "抖音分享链接有效至" in notice.reason and "(UTC+08:00)" in notice.reason
        assert notice.pack and (Path(notice.pack) / "share-qr.png").is_file()
        link = (
            (Path(notice.pack) / "share.md").read_text(encoding="utf-8").split("链接 (link): ")[1].split()[0]
        )
        parts = urlsplit(link)

        async def scan_and_post() -> dict[str, Any]:
            async with httpx.AsyncClient(transport=h.transport, base_url="http://sandbox") as c:
                assert (await c.get(f"/dy{parts.path}?{parts.query}")).status_code == 302
                answer = await c.post("/__fake/douyin/app_share", json={"link": link})
                return dict(answer.json())

        made = asyncio.run(scan_and_post())
        resolve(h.store, post["id"], published_url=made["share_url"], not_published=False, now=h.clock())
        done = post_of(h.store, "item-0000", "douyin")
        assert done["state"] == "published" and done["url"] == made["share_url"]
        assert len(h.state()["douyin"]["items"]) == 1  # posted once, by the person
    finally:
        h.close()


def test_without_the_share_capability_the_pack_stays_and_says_why(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.world.config["douyin"]["app_capabilities"] = ["open.get.ticket"]
    result = env.publish(video_post(tmp_path))
    assert result.state == "awaiting_manual" and "share_link" not in result.detail
    pack = Path(result.detail["pack"])
    assert (pack / "checklist.md").is_file() and not (pack / "share-qr.png").exists()
    assert "28001018" in result.detail["notice"] or "应用未获得该能力" in result.detail["notice"]
    assert "checklist.md" in (pack / "share.md").read_text(encoding="utf-8")


def test_without_a_media_address_the_notice_names_the_setting(tmp_path: Path) -> None:
    env = Env(tmp_path, share_media_base_url="http://insecure.example")
    result = env.publish(video_post(tmp_path))
    assert result.state == "awaiting_manual"
    assert "accounts.douyin.options.share_media_base_url" in result.detail["notice"]
    assert env.world.stores["douyin"].links == {}  # nothing was asked of Douyin


def test_a_wrong_client_secret_keeps_the_pack_and_never_shows_the_secret(tmp_path: Path) -> None:
    env = Env(tmp_path)
    run(
        env.adapter().publish(video_post(tmp_path), Attempt(post_id=1, number=1, started_at=NOW))
    )  # TOFU: the real secret
    wrong = "wrong-secret-canary-123"
    env.tokens = MemoryTokenCache()  # no cached client token: the wrong secret must be used
    result = run(
        env.adapter(client_key=KEY, client_secret=wrong).publish(
            video_post(tmp_path), Attempt(post_id=2, number=1, started_at=NOW)
        )
    )
    assert result.state == "awaiting_manual" and "share_link" not in result.detail
    assert wrong not in result.detail["notice"] and "10013" in result.detail["notice"]


def test_a_busy_douyin_is_retried_by_the_queue_not_turned_into_a_pack_without_link(tmp_path: Path) -> None:
    env = Env(tmp_path)
    fault = {"platform": "douyin", "path": "*/schema/get_share/", "kind": "app_error", "code": 28001005}

    async def inject() -> None:
        async with await env.client() as c:
            assert (await c.post("/__fake/faults", json={**fault, "times": 10})).status_code == 200

    run(inject())
    with pytest.raises(errors.TransientError):
        env.publish(video_post(tmp_path))


def test_the_apps_ticket_is_shared_by_posts_and_accounts_and_never_cuts_a_link_short(tmp_path: Path) -> None:
    """Asking for a ticket again retires the last one 5 minutes later, so one ticket serves every post of the
    app, a link made near its end ends with it (and says so), and a new one is asked for only in its last 5
    minutes, when every link made with the old one has ended or is about to."""
    env = Env(tmp_path)
    first = env.publish(video_post(tmp_path))
    env.publish(video_post(tmp_path), account="douyin_b")  # another account of the same app
    assert len(env.world.stores["douyin"].tickets) == 1
    run(env.advance(100 * 60))
    late = env.publish(video_post(tmp_path)).detail  # the ticket has 20 minutes left
    assert late["share_expires_at"] == (NOW + timedelta(hours=2)).isoformat()
    assert "2026-03-02 14:00" in late["notice"]  # 20 minutes, and the notice says so
    run(env.advance(16 * 60))
    fresh = env.publish(video_post(tmp_path)).detail  # 4 minutes left: a new ticket, a full hour
    assert len(env.world.stores["douyin"].tickets) == 2
    assert fresh["share_expires_at"] == (NOW + timedelta(minutes=176)).isoformat()
    run(env.advance(3 * 60))  # 119 minutes in: the late link still opens until its stated end
    assert run(env.scan(late["share_link"])).status_code == 302
    run(env.advance(60))
    assert run(env.scan(late["share_link"])).json()["err_msg"] == "链接已过期"
    assert run(env.scan(fresh["share_link"])).status_code == 302
    assert first.detail["share_link"] != fresh["share_link"]
