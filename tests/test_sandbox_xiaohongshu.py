"""The xiaohongshu-mcp bridge fake: login status, publish validation, duplicates, feed numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from publisher.sandbox import create_app
from publisher.sandbox.xiaohongshu.routes import title_length

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
NOTE = {
    "title": "效率神器上线",
    "content": "三步搞定周报",
    "images": ["/tmp/a.png", "/tmp/b.png"],
    "tags": ["效率"],
}


def client(seed: int = 0) -> TestClient:
    return TestClient(create_app(seed=seed, now=NOW))


def test_login_status_follows_config() -> None:
    c = client()
    status = c.get("/xhs/api/v1/login/status").json()
    assert status["success"] is True and status["data"]["is_logged_in"] is True and status["data"]["username"]
    c.post("/__fake/config", json={"xiaohongshu": {"logged_in": False}})
    assert c.get("/xhs/api/v1/login/status").json()["data"] == {"is_logged_in": False}
    failed = c.post("/xhs/api/v1/publish", json=NOTE)
    assert failed.status_code == 500 and failed.json()["code"] == "PUBLISH_FAILED"


def test_publish_validates_like_the_bridge() -> None:
    c = client()
    assert c.post("/xhs/api/v1/publish", json={**NOTE, "images": []}).json()["code"] == "INVALID_REQUEST"
    too_long = c.post("/xhs/api/v1/publish", json={**NOTE, "title": "标" * 21})
    assert too_long.status_code == 500 and too_long.json()["details"] == "标题长度超过限制"
    assert c.post("/xhs/api/v1/publish", json={**NOTE, "title": "a" * 40}).status_code == 200
    early = c.post("/xhs/api/v1/publish", json={**NOTE, "schedule_at": "2026-03-02T04:30:00Z"})
    assert early.status_code == 500
    assert title_length("标" * 20) == 20 and title_length("a" * 41) == 21


def test_duplicates_are_accepted_and_flagged() -> None:
    c = client()
    first = c.post("/xhs/api/v1/publish", json=NOTE).json()
    second = c.post("/xhs/api/v1/publish", json=NOTE).json()
    assert first["data"]["status"] == "发布完成" and first["data"]["images"] == 2
    assert first["data"]["post_id"] != second["data"]["post_id"]
    state = c.get("/__fake/state").json()
    assert len(state["xiaohongshu"]["notes"]) == 2
    assert [(d["kind"], d["first_id"], d["second_id"]) for d in state["duplicates"]] == [
        ("note", first["data"]["post_id"], second["data"]["post_id"])
    ]


def test_feed_detail_numbers_are_strings_that_grow_with_the_clock() -> None:
    def detail(seed: int, hours: float) -> dict:
        c = client(seed)
        note_id = c.post("/xhs/api/v1/publish", json=NOTE).json()["data"]["post_id"]
        feed = c.get("/xhs/api/v1/user/me").json()["data"]["data"]["feeds"][0]
        assert feed["id"] == note_id
        c.post("/__fake/clock", json={"advance_seconds": hours * 3600})
        answer = c.post(
            "/xhs/api/v1/feeds/detail", json={"feed_id": note_id, "xsec_token": feed["xsecToken"]}
        )
        return dict(answer.json()["data"]["data"]["note"]["interactInfo"])

    early, late = detail(3, 1), detail(3, 24)
    assert isinstance(early["likedCount"], str)
    assert int(early["likedCount"]) < int(late["likedCount"])
    assert detail(3, 24) == late and detail(4, 24) != late


def test_scheduled_note_and_video_note() -> None:
    c = client()
    answer = c.post(
        "/xhs/api/v1/publish_video",
        json={"title": "视频", "content": "c", "video": "/tmp/v.mp4", "schedule_at": "2026-03-03T04:00:00Z"},
    ).json()
    note_id = answer["data"]["post_id"]
    assert answer["message"] == "视频发布成功"
    assert c.get("/xhs/api/v1/user/me").json()["data"]["data"]["feeds"] == []
    missing = c.post("/xhs/api/v1/feeds/detail", json={"feed_id": note_id, "xsec_token": "x"})
    assert missing.status_code == 500 and missing.json()["code"] == "GET_FEED_DETAIL_FAILED"
    c.post("/__fake/clock", json={"advance_seconds": 86400})
    assert c.get("/xhs/api/v1/user/me").json()["data"]["data"]["feeds"][0]["noteCard"]["type"] == "video"
