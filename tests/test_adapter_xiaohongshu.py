"""The Xiaohongshu adapter: assisted by default, the opt-in xiaohongshu-mcp bridge, metrics, CSV import."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from publisher import errors
from publisher.adapters.base import AdapterContext
from publisher.adapters.http import RetryPolicy
from publisher.adapters.xiaohongshu.adapter import (
    XiaohongshuAdapter,
    parse_count,
    parse_creator_csv,
    title_length,
)
from publisher.models import Attempt, MediaFile, RemoteRef, RenderedPost
from publisher.sandbox import create_app
from publisher.sandbox.server import running

T = TypeVar("T")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
SHANGHAI_OFFSET = timedelta(hours=8)


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def note(tmp: Path, title: str = "3 步搞定周报", video: bool = False) -> RenderedPost:
    files = []
    names = ["launch.mp4"] if video else ["a.jpg", "b.jpg", "c.jpg"]
    for n, name in enumerate(names):
        data = bytes([n + 1]) * 200
        (tmp / name).write_bytes(data)
        files.append(
            MediaFile(
                "video" if video else "images",
                str(tmp / name),
                f"content/media/{name}",
                hashlib.sha256(data).hexdigest(),
                len(data),
                "video/mp4" if video else "image/jpeg",
            )
        )
    body = "第一步：列清单\n第二步：写结论\n\n#效率工具 #周报"
    return RenderedPost(
        "weekly",
        "content/weekly.md",
        "xiaohongshu",
        "xiaohongshu",
        {"title": title, "body": body, "tags": ["效率工具", "周报"]},
        tuple(files),
    )


class Env:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.app = create_app(seed=3, now=NOW)
        self.world = self.app.state.world
        self.transport = httpx.ASGITransport(app=self.app)
        self.ids: dict[str, Any] = {}
        self.intents: list[str] = []

    def now(self) -> datetime:
        return self.world.now  # type: ignore[no-any-return]

    def adapter(self, **options: Any) -> XiaohongshuAdapter:
        ctx = AdapterContext(
            account="xiaohongshu",
            mode="sandbox",
            base_url="http://sandbox/xhs",
            options=options,
            transport=self.transport,
            now=self.now,
            ids_sink=self.ids.update,
            intent=self.intents.append,
            out_dir=self.tmp / "packs",
        )
        return XiaohongshuAdapter(ctx, policy=RetryPolicy.immediate())

    def bridge(self) -> XiaohongshuAdapter:
        return self.adapter(bridge_url="sandbox")

    async def control(self, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(transport=self.transport, base_url="http://sandbox") as c:
            r = await (c.post(path, json=body) if body is not None else c.get(path))
            assert r.status_code == 200, r.text
            return r.json()

    def attempt(self, n: int = 1, ids: dict[str, Any] | None = None) -> Attempt:
        return Attempt(post_id=5, number=n, started_at=self.now(), ids=dict(ids or {}))


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def test_by_default_a_note_is_an_assisted_pack(env: Env, tmp_path: Path) -> None:
    result = run(env.adapter().publish(note(tmp_path), env.attempt()))
    assert result.state == "awaiting_manual" and result.remote_id is None
    pack = Path(result.detail["pack"])
    assert sorted(p.name for p in pack.iterdir()) == [
        "01-image.jpg",
        "02-image.jpg",
        "03-image.jpg",
        "checklist.md",
        "pack.json",
        "text.txt",
    ]
    assert (pack / "text.txt").read_text(encoding="utf-8").startswith("3 步搞定周报\n\n第一步")
    assert run(env.adapter().reconcile(note(tmp_path), env.attempt())) is None
    assert run(env.control("/__fake/state"))["calls"] == []


def test_bridge_publishes_with_absolute_image_paths_in_order(env: Env, tmp_path: Path) -> None:
    post = note(tmp_path)
    result = run(env.bridge().publish(post, env.attempt()))
    assert result.state == "published" and result.remote_id == env.ids["note_id"]
    assert result.url == f"https://www.xiaohongshu.com/explore/{result.remote_id}"
    assert env.ids["xsec_token"] and env.intents == ["publish"]
    [stored] = run(env.control("/__fake/state"))["xiaohongshu"]["notes"]
    assert stored["images"] == [str(Path(m.path).resolve()) for m in post.media]
    assert stored["content"] == "第一步：列清单\n第二步：写结论"  # the topics go as tags, not twice
    assert stored["tags"] == ["效率工具", "周报"]


def test_bridge_video_note(env: Env, tmp_path: Path) -> None:
    result = run(env.bridge().publish(note(tmp_path, video=True), env.attempt()))
    assert result.state == "published"
    [stored] = run(env.control("/__fake/state"))["xiaohongshu"]["notes"]
    assert stored["type"] == "video" and stored["video"] == str((tmp_path / "launch.mp4").resolve())


def test_bridge_not_logged_in_needs_a_person(env: Env, tmp_path: Path) -> None:
    run(env.control("/__fake/config", {"xiaohongshu": {"logged_in": False}}))
    with pytest.raises(errors.NeedsPerson, match="scanning its QR code"):
        run(env.bridge().publish(note(tmp_path), env.attempt()))
    assert run(env.control("/__fake/state"))["xiaohongshu"]["notes"] == []


def test_commit_then_drop_is_unknown_and_the_clients_reconcile_prevents_a_second_note(
    env: Env, tmp_path: Path
) -> None:
    post = note(tmp_path)
    run(
        env.control(
            "/__fake/faults",
            {"platform": "xiaohongshu", "path": "/api/v1/publish", "kind": "drop_after_commit"},
        )
    )
    first = env.attempt()
    with pytest.raises(errors.OutcomeUnknown):
        run(env.bridge().publish(post, first))
    found = run(env.bridge().reconcile(post, Attempt(5, 1, first.started_at, dict(env.ids))))
    assert found is not None and found.state == "published" and found.remote_id
    # A blind retry with the ids committed so far looks first and sends nothing.
    run(env.control("/__fake/clock", {"advance_seconds": 120}))
    again = run(
        env.bridge().publish(
            post, env.attempt(2, {k: v for k, v in env.ids.items() if k == "bridge_sent_at"})
        )
    )
    assert again.remote_id == found.remote_id
    state = run(env.control("/__fake/state"))
    assert len(state["xiaohongshu"]["notes"]) == 1 and state["duplicates"] == []
    # The bridge itself accepts duplicates: without the client's guard a second note would go up.
    run(env.bridge().publish(post, env.attempt(3)))
    state = run(env.control("/__fake/state"))
    assert len(state["xiaohongshu"]["notes"]) == 2 and len(state["duplicates"]) == 1


def test_5xx_on_publish_is_unknown_and_reconcile_confirms_absence(env: Env, tmp_path: Path) -> None:
    post = note(tmp_path)
    run(
        env.control(
            "/__fake/faults",
            {"platform": "xiaohongshu", "path": "/api/v1/publish", "kind": "http_status", "status": 503},
        )
    )
    first = env.attempt()
    with pytest.raises(errors.OutcomeUnknown):
        run(env.bridge().publish(post, first))
    absent = run(env.bridge().reconcile(post, Attempt(5, 1, first.started_at, dict(env.ids))))
    assert absent is not None and absent.detail == {"reconcile": "absent"} and absent.remote_id is None
    # Confirmed absent: publishing again (same ids) sends once.
    result = run(env.bridge().publish(post, env.attempt(2, env.ids)))
    assert result.state == "published"
    assert len(run(env.control("/__fake/state"))["xiaohongshu"]["notes"]) == 1


def test_a_refusal_by_the_bridge_is_permanent_not_unknown(env: Env, tmp_path: Path) -> None:
    post = note(tmp_path, title="这是一个远远超过二十个字限制的小红书笔记标题用来测试")
    assert any(p.field == "title" for p in env.bridge().validate(post))
    with pytest.raises(errors.PermanentError, match="标题长度超过限制"):
        run(env.bridge().publish(post, env.attempt()))


def test_reconcile_matches_the_exact_title_inside_the_window_only(env: Env, tmp_path: Path) -> None:
    run(env.bridge().publish(note(tmp_path, title="3 步搞定周报!"), env.attempt()))  # near-identical
    run(env.bridge().publish(note(tmp_path, title="旧笔记"), env.attempt()))
    run(env.control("/__fake/clock", {"advance_seconds": 86400}))
    for title in ("3 步搞定周报", "旧笔记"):
        found = run(env.bridge().reconcile(note(tmp_path, title=title), env.attempt()))
        assert found is not None and found.detail == {"reconcile": "absent"}
    # A listing as long as the cap cannot prove absence: "can't tell".
    assert (
        run(env.adapter(bridge_url="sandbox", listing_cap=2).reconcile(note(tmp_path), env.attempt())) is None
    )


def test_metrics_read_interact_counts_through_the_bridge(env: Env, tmp_path: Path) -> None:
    result = run(env.bridge().publish(note(tmp_path), env.attempt()))
    run(env.control("/__fake/clock", {"advance_seconds": 3 * 86400}))
    ref = RemoteRef(5, "xiaohongshu", "xiaohongshu", str(result.remote_id), result.url, env.now(), {})
    samples = run(env.bridge().fetch_metrics([ref]))  # no xsec_token stored: looked up from the profile
    by_name = {s.name: s for s in samples}
    assert set(by_name) == {"likes", "favorites", "comments", "shares"}
    assert by_name["likes"].raw_name == "likedCount" and by_name["likes"].value > 0

    async def detail() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=env.transport, base_url="http://sandbox") as c:
            r = await c.post(
                "/xhs/api/v1/feeds/detail",
                json={"feed_id": result.remote_id, "xsec_token": env.ids["xsec_token"]},
            )
            return dict(r.json()["data"]["data"]["note"]["interactInfo"])

    assert by_name["favorites"].value == parse_count(run(detail())["collectedCount"])
    assert run(env.adapter().fetch_metrics([ref])) == []  # assisted: metrics come from the CSV import


def test_parse_count_and_title_length() -> None:
    assert parse_count("1.2万") == 12000 and parse_count("1万+") == 10000 and parse_count("3亿") == 3e8
    assert parse_count("1,234") == 1234 and parse_count("56") == 56 and parse_count(7) == 7
    assert parse_count("") is None and parse_count("n/a") is None and parse_count(None) is None
    assert title_length("3 步搞定周报") == 6 and title_length("a" * 40) == 20


CSV = """笔记数据明细,,,,,,,,
笔记标题,首次发布时间,体裁,观看量,点赞,收藏,评论,分享,涨粉,封面点击率,人均观看时长
3 步搞定周报,2026-03-01 12:00,图文,1.2万,356,88,12,5,9,12.5%,14秒
"效率神器上线, 第二弹",2026/03/02 09:30:00,视频,980,40,7,3,1,0,8%,1分5秒
合计,,,1.3万,396,95,15,6,9,,
"""


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-8"])
def test_creator_csv_maps_chinese_headers_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(CSV.encode(encoding))
    rows = parse_creator_csv(path)
    assert [r["title"] for r in rows] == ["3 步搞定周报", "效率神器上线, 第二弹"]
    first, second = rows
    assert first["metrics"] == {
        "views": 12000,
        "likes": 356,
        "favorites": 88,
        "comments": 12,
        "shares": 5,
        "followers_gained": 9,
        "cover_ctr": 0.125,
        "avg_view_time_s": 14,
    }
    assert first["raw_names"]["views"] == "观看量" and first["raw_names"]["likes"] == "点赞"
    assert first["published_at"] == datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    assert first["published_at"].utcoffset() == SHANGHAI_OFFSET and first["type"] == "图文"
    assert second["metrics"]["avg_view_time_s"] == 65 and second["line"] == 4


def test_creator_csv_with_tabs_and_alternative_headers(tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_text("标题\t发布时间\t阅读\t点赞数\t评论数\n周报\t2026-03-01\t1万+\t3\t1\n", encoding="utf-8")
    [row] = parse_creator_csv(path)
    assert row["metrics"] == {"views": 10000, "likes": 3, "comments": 1}


def test_creator_csv_without_a_title_column_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(errors.ContentError, match="wrong.csv:1: header"):
        parse_creator_csv(path)


# -- the bridge as it really is: slow, no note id, cancels on hang-up, bearer token, Docker paths ----------


def test_the_default_wait_covers_18_images_and_1000_characters(env: Env) -> None:
    worst = 18 * 60 + 1000 * 0.4  # the bridge's per-image upload wait and its slowest keystroke
    assert env.bridge().publish_timeout >= worst
    assert env.adapter(bridge_url="sandbox", publish_timeout_s=90).publish_timeout == 90


def test_the_answer_has_no_id_so_the_note_is_found_by_title_and_stored(env: Env, tmp_path: Path) -> None:
    started = env.now()
    result = run(env.bridge().publish(note(tmp_path), env.attempt()))
    [stored] = run(env.control("/__fake/state"))["xiaohongshu"]["notes"]
    assert result.state == "published" and result.remote_id == stored["note_id"] == env.ids["note_id"]
    assert result.url == f"https://www.xiaohongshu.com/explore/{stored['note_id']}"
    assert env.ids["bridge_title"] == "3 步搞定周报" and env.ids["xsec_token"] == stored["xsec_token"]
    assert env.now() > started + timedelta(seconds=30)  # the fake took the bridge's time on its clock
    # Metrics of a note stored without its id find it the same way.
    ids = {k: v for k, v in env.ids.items() if k not in ("note_id", "xsec_token")}
    run(env.control("/__fake/clock", {"advance_seconds": 86400}))
    ref = RemoteRef(5, "xiaohongshu", "xiaohongshu", "", None, started, ids)
    assert {s.name for s in run(env.bridge().fetch_metrics([ref]))} == {
        "likes",
        "favorites",
        "comments",
        "shares",
    }


def test_a_timeout_is_unknown_the_bridge_cancels_and_reconcile_confirms_absence(tmp_path: Path) -> None:
    post = note(tmp_path)
    with running(now=NOW) as base:
        httpx.post(f"{base}/__fake/config", json={"xiaohongshu": {"realtime_scale": 0.02}})  # ~1 s a note
        ids: dict[str, Any] = {}

        def adapter(**options: Any) -> XiaohongshuAdapter:
            ctx = AdapterContext(
                "xiaohongshu",
                "sandbox",
                f"{base}/xhs",
                options={"bridge_url": "sandbox", **options},
                now=lambda: NOW,
                ids_sink=ids.update,
            )
            return XiaohongshuAdapter(ctx, policy=RetryPolicy.immediate())

        with pytest.raises(errors.OutcomeUnknown, match="reconcile"):
            run(adapter(publish_timeout_s=0.2).publish(post, Attempt(5, 1, NOW, {})))
        calls = [c for c in httpx.get(f"{base}/__fake/state").json()["calls"] if c["method"] == "POST"]
        assert [c["path"] for c in calls if "publish" in c["path"]] in ([], ["/xhs/api/v1/publish"])
        deadline = time.monotonic() + 5  # the bridge notices the hang-up within its next step
        while not (state := httpx.get(f"{base}/__fake/state").json())["xiaohongshu"]["cancelled"]:
            assert time.monotonic() < deadline, "the bridge never noticed the hang-up"
            time.sleep(0.05)
        assert state["xiaohongshu"]["notes"] == []
        absent = run(adapter().reconcile(post, Attempt(5, 1, NOW, dict(ids))))
        assert absent is not None and absent.detail == {"reconcile": "absent"}
        done = run(adapter().publish(post, Attempt(5, 2, NOW, dict(ids))))  # the default wait is long enough
        assert done.state == "published" and done.remote_id == ids["note_id"]
        assert len(httpx.get(f"{base}/__fake/state").json()["xiaohongshu"]["notes"]) == 1


def test_bearer_token_from_the_accounts_credentials(env: Env, tmp_path: Path) -> None:
    run(env.control("/__fake/config", {"xiaohongshu": {"auth_token": "tok-1"}}))
    with pytest.raises(errors.AuthError, match="PUBLISHER_<ACCOUNT>_TOKEN"):
        run(env.bridge().publish(note(tmp_path), env.attempt()))
    ctx = AdapterContext(
        "xiaohongshu",
        "sandbox",
        "http://sandbox/xhs",
        options={"bridge_url": "sandbox"},
        credentials={"token": "tok-1"},
        transport=env.transport,
        now=env.now,
        ids_sink=env.ids.update,
    )
    assert run(XiaohongshuAdapter(ctx).publish(note(tmp_path), env.attempt())).state == "published"


def test_media_reach_a_bridge_in_docker_through_the_mounted_folder(env: Env, tmp_path: Path) -> None:
    mounted = tmp_path / "images"
    run(env.control("/__fake/config", {"xiaohongshu": {"mounts": {"/app/images": str(mounted)}}}))
    options = {"bridge_url": "sandbox", "media_dir": "/app/images", "local_media_dir": str(mounted)}
    result = run(env.adapter(**options).publish(note(tmp_path), env.attempt()))
    [stored] = run(env.control("/__fake/state"))["xiaohongshu"]["notes"]
    assert result.state == "published" and len(stored["images"]) == 3
    assert all(p.startswith("/app/images/publisher/") for p in stored["images"])
    assert len(set(stored["images"])) == 3 and len(list((mounted / "publisher").iterdir())) == 3
    # A bridge that does not see the folder refuses the video with its own message, at once.
    run(
        env.control(
            "/__fake/config", {"xiaohongshu": {"mounts": {"/app/images": str(tmp_path / "elsewhere")}}}
        )
    )
    with pytest.raises(errors.PermanentError, match="视频文件不存在或不可访问"):
        run(env.adapter(**options).publish(note(tmp_path, title="视频", video=True), env.attempt()))
    with pytest.raises(errors.PermanentError, match="local_media_dir"):
        run(env.adapter(bridge_url="sandbox", media_dir="/app/images").publish(note(tmp_path), env.attempt()))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "字" * 1001}, "当前输入长度为1001，最大长度为1000"),
        ({"visibility": "fans"}, "不支持的可见范围: fans"),
    ],
)
def test_final_refusals_fail_at_once_with_the_bridges_message(
    env: Env, tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    base = note(tmp_path)
    post = RenderedPost(
        base.item_id, base.item_path, base.platform, base.account, {**base.fields, **fields}, base.media
    )
    with pytest.raises(errors.PermanentError, match=message):
        run(env.bridge().publish(post, env.attempt()))
    assert len(env.intents) == 1 and run(env.control("/__fake/state"))["xiaohongshu"]["notes"] == []


def test_visibility_goes_in_the_bridges_words(env: Env, tmp_path: Path) -> None:
    base = note(tmp_path)
    post = RenderedPost(
        base.item_id,
        base.item_path,
        base.platform,
        base.account,
        {**base.fields, "visibility": "private"},
        base.media,
    )
    run(env.bridge().publish(post, env.attempt()))
    assert run(env.control("/__fake/state"))["xiaohongshu"]["notes"][0]["visibility"] == "仅自己可见"


def test_the_bridge_token_is_an_optional_credential(tmp_path: Path) -> None:
    from publisher.workspace.credentials import load_credentials, missing_fields

    none = tmp_path / "none.toml"
    given = load_credentials(
        "xhs-main",
        "xiaohongshu",
        env={"PUBLISHER_XHS_MAIN_TOKEN": "t0k"},
        keyring_get=lambda a, f: None,
        file=none,
    )
    assert dict(given) == {"token": "t0k"} and given.sources == {"token": "env"}
    assert missing_fields("xiaohongshu", {}) == []
