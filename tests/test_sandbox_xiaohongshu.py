"""The xiaohongshu-mcp bridge fake: login, publish validation, latency, hang-ups, auth, feed numbers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from publisher.sandbox import create_app
from publisher.sandbox.server import running
from publisher.sandbox.xiaohongshu.routes import title_length

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def note(tmp_path: Path) -> dict[str, Any]:
    for name in ("a.png", "b.png", "v.mp4"):
        (tmp_path / name).write_bytes(b"x")
    return {
        "title": "效率神器上线",
        "content": "三步搞定周报",
        "images": [str(tmp_path / "a.png"), str(tmp_path / "b.png")],
        "tags": ["效率"],
    }


def client(seed: int = 0) -> TestClient:
    return TestClient(create_app(seed=seed, now=NOW))


def feeds(c: TestClient) -> list[dict[str, Any]]:
    return list(c.get("/xhs/api/v1/user/me").json()["data"]["data"]["feeds"])


def test_login_status_follows_config(note: dict[str, Any]) -> None:
    c = client()
    status = c.get("/xhs/api/v1/login/status").json()
    assert status["success"] is True and status["data"]["is_logged_in"] is True and status["data"]["username"]
    c.post("/__fake/config", json={"xiaohongshu": {"logged_in": False}})
    assert c.get("/xhs/api/v1/login/status").json()["data"] == {"is_logged_in": False}
    failed = c.post("/xhs/api/v1/publish", json=note)
    assert failed.status_code == 500 and failed.json()["code"] == "PUBLISH_FAILED"


def test_publish_validates_like_the_bridge(note: dict[str, Any], tmp_path: Path) -> None:
    c = client()
    assert c.post("/xhs/api/v1/publish", json={**note, "images": []}).json()["code"] == "INVALID_REQUEST"
    too_long = c.post("/xhs/api/v1/publish", json={**note, "title": "标" * 21})
    assert too_long.status_code == 500 and too_long.json()["details"] == "标题长度超过限制"
    assert c.post("/xhs/api/v1/publish", json={**note, "title": "a" * 40}).status_code == 200
    early = c.post("/xhs/api/v1/publish", json={**note, "schedule_at": "2026-03-02T04:30:00Z"})
    assert early.status_code == 500 and "至少在1小时后" in early.json()["details"]
    assert title_length("标" * 20) == 20 and title_length("a" * 41) == 21
    body = c.post("/xhs/api/v1/publish", json={**note, "content": "字" * 1001})
    assert body.status_code == 500 and body.json()["details"] == "当前输入长度为1001，最大长度为1000"
    hidden = c.post("/xhs/api/v1/publish", json={**note, "visibility": "粉丝可见"})
    assert "不支持的可见范围: 粉丝可见" in hidden.json()["details"]
    video = {"title": "视频", "content": "c", "video": str(tmp_path / "missing.mp4")}
    missing = c.post("/xhs/api/v1/publish_video", json=video)
    assert missing.status_code == 500 and missing.json()["details"].startswith("视频文件不存在或不可访问")
    # A missing image is skipped, as the bridge does, and the note goes up with the rest.
    partial = c.post("/xhs/api/v1/publish", json={**note, "images": [*note["images"], "/nowhere/c.png"]})
    assert partial.json()["data"]["images"] == 2
    assert len(c.get("/__fake/state").json()["xiaohongshu"]["notes"]) == 2


def test_publish_takes_bridge_time_and_answers_without_a_note_id(note: dict[str, Any]) -> None:
    c = client()
    answer = c.post("/xhs/api/v1/publish", json=note).json()
    assert answer["data"] == {
        "title": note["title"],
        "content": note["content"],
        "status": "发布完成",
        "images": 2,
    }
    assert "post_id" not in answer["data"]
    typed = len(note["title"]) + len(note["content"]) + len("效率") + 2
    took = 20.0 + 2 * 4.0 + typed * 0.12
    assert c.get("/__fake/clock").json()["epoch"] == pytest.approx(
        (NOW + timedelta(seconds=took)).timestamp()
    )
    [feed] = feeds(c)
    assert feed["noteCard"]["displayTitle"] == note["title"]


def test_bearer_token_when_the_bridge_has_one(note: dict[str, Any]) -> None:
    c = client()
    c.post("/__fake/config", json={"xiaohongshu": {"auth_token": "s3cret"}})
    refused = c.post("/xhs/api/v1/publish", json=note)
    assert refused.status_code == 401 and refused.json() == {"error": "未授权", "code": "UNAUTHORIZED"}
    assert refused.headers["www-authenticate"] == "Bearer"
    assert c.get("/xhs/health").status_code == 200
    ok = c.get("/xhs/api/v1/login/status", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


def test_a_client_that_hangs_up_cancels_the_publish(note: dict[str, Any]) -> None:
    with running(now=NOW) as base:
        httpx.post(f"{base}/__fake/config", json={"xiaohongshu": {"realtime_scale": 0.02}})  # ~0.6 s a note
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{base}/xhs/api/v1/publish", json=note, timeout=httpx.Timeout(5.0, read=0.2))
        deadline = time.monotonic() + 5
        while not (state := httpx.get(f"{base}/__fake/state").json())["xiaohongshu"]["cancelled"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert state["xiaohongshu"]["notes"] == []
        assert state["xiaohongshu"]["cancelled"][0]["reason"] == "disconnect"
        done = httpx.post(f"{base}/xhs/api/v1/publish", json=note, timeout=10)
        assert done.status_code == 200
        assert len(httpx.get(f"{base}/__fake/state").json()["xiaohongshu"]["notes"]) == 1


def test_duplicates_are_accepted_and_flagged(note: dict[str, Any]) -> None:
    c = client()
    first = c.post("/xhs/api/v1/publish", json=note).json()
    c.post("/xhs/api/v1/publish", json=note)
    assert first["data"]["status"] == "发布完成" and first["data"]["images"] == 2
    state = c.get("/__fake/state").json()
    ids = [n["note_id"] for n in state["xiaohongshu"]["notes"]]
    assert len(ids) == 2
    assert [(d["kind"], d["first_id"], d["second_id"]) for d in state["duplicates"]] == [("note", *ids)]


def test_feed_detail_numbers_are_strings_that_grow_with_the_clock(note: dict[str, Any]) -> None:
    def detail(seed: int, hours: float) -> dict[str, Any]:
        c = client(seed)
        c.post("/xhs/api/v1/publish", json=note)
        feed = feeds(c)[0]
        c.post("/__fake/clock", json={"advance_seconds": hours * 3600})
        answer = c.post(
            "/xhs/api/v1/feeds/detail", json={"feed_id": feed["id"], "xsec_token": feed["xsecToken"]}
        )
        return dict(answer.json()["data"]["data"]["note"]["interactInfo"])

    early, late = detail(3, 1), detail(3, 24)
    assert isinstance(early["likedCount"], str)
    assert int(early["likedCount"]) < int(late["likedCount"])
    assert detail(3, 24) == late and detail(4, 24) != late


def test_scheduled_note_and_video_note(note: dict[str, Any], tmp_path: Path) -> None:
    c = client()
    video = str(tmp_path / "v.mp4")
    body = {"title": "视频", "content": "c", "video": video, "schedule_at": "2026-03-03T04:00:00Z"}
    answer = c.post("/xhs/api/v1/publish_video", json=body).json()
    assert answer["message"] == "视频发布成功" and answer["data"]["video"] == video
    assert feeds(c) == []
    [stored] = c.get("/__fake/state").json()["xiaohongshu"]["notes"]
    missing = c.post("/xhs/api/v1/feeds/detail", json={"feed_id": stored["note_id"], "xsec_token": "x"})
    assert missing.status_code == 500 and missing.json()["code"] == "GET_FEED_DETAIL_FAILED"
    c.post("/__fake/clock", json={"advance_seconds": 86400})
    assert feeds(c)[0]["noteCard"]["type"] == "video"


def test_mounts_map_the_bridges_folder_to_this_machine(note: dict[str, Any], tmp_path: Path) -> None:
    c = client()
    c.post("/__fake/config", json={"xiaohongshu": {"mounts": {"/app/images": str(tmp_path)}}})
    answer = c.post(
        "/xhs/api/v1/publish", json={**note, "images": ["/app/images/a.png", "/app/images/x.png"]}
    )
    assert answer.json()["data"]["images"] == 1
    [stored] = c.get("/__fake/state").json()["xiaohongshu"]["notes"]
    assert stored["images"] == ["/app/images/a.png"]
