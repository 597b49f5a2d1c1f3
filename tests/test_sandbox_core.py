"""The sandbox's control plane, clock, faults, call log, running() and the `python -m` entry."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from publisher.sandbox import create_app, running

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 200
CANARY = "canary-secret-7f3a9"


def client(seed: int = 0) -> TestClient:
    # Calls come from this machine, the address the fake's default IP whitelist holds.
    return TestClient(create_app(seed=seed, now=NOW), client=("127.0.0.1", 50000))


def wx_token(c: TestClient, appid: str = "wxapp1", secret: str = CANARY) -> str:
    body = c.post(
        "/wx/cgi-bin/stable_token", json={"grant_type": "client_credential", "appid": appid, "secret": secret}
    ).json()
    return str(body["access_token"])


def wx_draft(c: TestClient, token: str, title: str = "标题", content: str = "<p>正文</p>") -> dict:
    thumb = c.post(
        f"/wx/cgi-bin/material/add_material?access_token={token}&type=thumb",
        files={"media": ("c.jpg", JPEG, "image/jpeg")},
    ).json()["media_id"]
    return c.post(
        f"/wx/cgi-bin/draft/add?access_token={token}",
        json={"articles": [{"title": title, "content": content, "thumb_media_id": thumb}]},
    ).json()


def test_clock_starts_at_now_and_moves_only_by_control_plane() -> None:
    c = client()
    assert c.get("/__fake/clock").json()["now"] == "2026-03-02T04:00:00Z"
    assert c.post("/__fake/clock", json={"advance_seconds": 90}).json()["now"] == "2026-03-02T04:01:30Z"
    assert (
        c.post("/__fake/clock", json={"now": "2026-04-01T00:00:00+08:00"}).json()["now"]
        == "2026-03-31T16:00:00Z"
    )
    assert c.get("/__fake/state").json()["clock"] == "2026-03-31T16:00:00Z"
    assert c.post("/__fake/clock", json={"advance_seconds": "soon"}).status_code == 400


def test_reset_forgets_objects_and_config() -> None:
    c = client()
    token = wx_token(c)
    wx_draft(c, token)
    c.post("/__fake/config", json={"wechat": {"token_ttl": 60}})
    assert c.get("/__fake/state").json()["wechat"]["drafts"]
    c.post("/__fake/reset")
    state = c.get("/__fake/state").json()
    assert state["wechat"]["drafts"] == [] and state["calls"] == [] and state["duplicates"] == []
    assert c.get("/__fake/config").json()["wechat"]["token_ttl"] == 7200
    # The secret seen before the reset is forgotten too: another one is trusted now.
    assert (
        "access_token"
        in c.post(
            "/wx/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": "wxapp1", "secret": "other"},
        ).json()
    )


def test_config_merges_nested_values_and_never_echoes_tokens() -> None:
    c = client()
    shown = c.post(
        "/__fake/config",
        json={"producthunt": {"developer_tokens": [CANARY]}, "wechat": {"limits": {"title": 10}}},
    ).json()
    assert shown["wechat"]["limits"]["title"] == 10 and shown["wechat"]["limits"]["author"] == 16
    assert CANARY not in json.dumps(shown)


def test_state_and_call_log_never_hold_secrets_or_tokens() -> None:
    c = client()
    token = wx_token(c)
    c.get(f"/wx/cgi-bin/token?grant_type=client_credential&appid=wxapp1&secret={CANARY}")
    c.get(f"/wx/cgi-bin/draft/count?access_token={token}")
    dumped = c.get("/__fake/state").text
    assert CANARY not in dumped and token not in dumped
    calls = c.get("/__fake/state").json()["calls"]
    assert [call["path"] for call in calls][-1] == "/wx/cgi-bin/draft/count?access_token=***"
    assert calls[1]["path"].endswith("secret=***")
    assert calls[-1]["status"] == 200 and calls[-1]["code"] == "0"


def test_fault_http_status_with_headers_is_used_up_after_times() -> None:
    c = client()
    token = wx_token(c)
    c.post(
        "/__fake/faults",
        json={
            "platform": "wechat",
            "path": "/cgi-bin/draft/count",
            "kind": "http_status",
            "status": 429,
            "headers": {"Retry-After": "3"},
            "times": 2,
        },
    )
    url = f"/wx/cgi-bin/draft/count?access_token={token}"
    first, second, third = c.get(url), c.get(url), c.get(url)
    assert (first.status_code, first.headers["retry-after"]) == (429, "3")
    assert second.status_code == 429 and third.status_code == 200
    assert c.get("/__fake/faults").json()["faults"] == []


def test_fault_app_error_uses_each_platform_envelope() -> None:
    c = client()
    token = wx_token(c)
    c.post(
        "/__fake/faults",
        json=[
            {
                "platform": "wechat",
                "path": "*draft/count",
                "kind": "app_error",
                "code": -1,
                "message": "system busy",
            },
            {
                "platform": "douyin",
                "path": "/api/*",
                "kind": "app_error",
                "code": 28001005,
                "message": "busy",
            },
        ],
    )
    wx = c.get(f"/wx/cgi-bin/draft/count?access_token={token}").json()
    assert wx["errcode"] == -1 and "rid: " in wx["errmsg"]
    dy = c.get("/dy/api/douyin/v1/video/video_list/?open_id=x")
    assert dy.status_code == 200
    assert dy.json()["data"]["error_code"] == 28001005 and dy.json()["extra"]["logid"]


def test_fault_matching_by_method_and_body_subset() -> None:
    c = client()
    token = wx_token(c)
    c.post(
        "/__fake/faults",
        json={
            "path": "/wx/cgi-bin/draft/add",
            "method": "post",
            "kind": "app_error",
            "code": 45009,
            "match_body": {"marker": "x"},
            "times": -1,
        },
    )
    assert "media_id" in wx_draft(c, token)
    url = f"/wx/cgi-bin/draft/add?access_token={token}"
    assert c.post(url, json={"marker": "x", "articles": []}).json()["errcode"] == 45009
    assert c.post(url, json={"marker": "x"}).json()["errcode"] == 45009
    assert len(c.get("/__fake/faults").json()["faults"]) == 1  # forever rules stay
    c.delete("/__fake/faults")
    assert c.get("/__fake/faults").json()["faults"] == []


def test_fault_drop_after_commit_applies_the_write_then_answers_502() -> None:
    c = client()
    token = wx_token(c)
    c.post("/__fake/faults", json={"path": "/cgi-bin/draft/add", "kind": "drop_after_commit"})
    thumb = c.post(
        f"/wx/cgi-bin/material/add_material?access_token={token}&type=thumb",
        files={"media": ("c.jpg", JPEG, "image/jpeg")},
    ).json()["media_id"]
    answer = c.post(
        f"/wx/cgi-bin/draft/add?access_token={token}",
        json={"articles": [{"title": "t", "content": "c", "thumb_media_id": thumb}]},
    )
    assert answer.status_code == 502
    state = c.get("/__fake/state").json()
    assert len(state["wechat"]["drafts"]) == 1
    assert state["calls"][-1]["fault"] == "drop_after_commit" and state["calls"][-1]["code"] is None


def test_fault_truncate_json_cuts_the_body() -> None:
    c = client()
    token = wx_token(c)
    c.post("/__fake/faults", json={"path": "*/draft/count", "kind": "truncate_json"})
    body = c.get(f"/wx/cgi-bin/draft/count?access_token={token}").content
    with pytest.raises(ValueError):
        json.loads(body)


def test_fault_delay_then_normal_answer() -> None:
    c = client()
    c.post("/__fake/faults", json={"platform": "xiaohongshu", "kind": "delay", "ms": 50})
    started = time.monotonic()
    answer = c.get("/xhs/api/v1/login/status")
    assert answer.status_code == 200 and time.monotonic() - started >= 0.05


def test_fault_probability_is_seeded() -> None:
    def pattern(seed: int) -> list[int]:
        c = client(seed)
        c.post(
            "/__fake/faults",
            json={
                "platform": "xiaohongshu",
                "kind": "http_status",
                "status": 503,
                "probability": 0.5,
                "times": -1,
            },
        )
        return [c.get("/xhs/health").status_code for _ in range(30)]

    assert pattern(7) == pattern(7)
    assert set(pattern(7)) == {200, 503}
    assert pattern(7) != pattern(8)


def test_bad_fault_rule_is_refused() -> None:
    c = client()
    assert c.post("/__fake/faults", json={"kind": "explode"}).status_code == 400
    assert c.post("/__fake/faults", json={"kind": "delay", "nonsense": 1}).status_code == 200


def test_timeout_fault_commits_and_outlives_the_client_timeout() -> None:
    with running(seed=3) as base, httpx.Client(base_url=base, timeout=5) as c:
        token = c.post(
            "/wx/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": "wxapp1", "secret": "s"},
        ).json()["access_token"]
        c.post(
            "/__fake/faults", json={"path": "/cgi-bin/material/add_material", "kind": "timeout", "seconds": 3}
        )
        with pytest.raises(httpx.ReadTimeout):
            c.post(
                f"/wx/cgi-bin/material/add_material?access_token={token}&type=thumb",
                files={"media": ("c.jpg", JPEG, "image/jpeg")},
                timeout=0.3,
            )
        assert len(c.get("/__fake/state").json()["wechat"]["materials"]) == 1


def test_running_serves_on_a_free_port_and_stops_cleanly() -> None:
    with running() as base:
        assert base.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base}/__fake/health").json()["ok"] is True
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/__fake/health", timeout=1)


def test_running_twice_gives_independent_worlds() -> None:
    with running() as one, running() as two:
        assert one != two
        httpx.post(f"{one}/__fake/clock", json={"advance_seconds": 3600})
        assert (
            httpx.get(f"{one}/__fake/clock").json()["now"] != httpx.get(f"{two}/__fake/clock").json()["now"]
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_python_dash_m_entry_serves_in_its_own_process() -> None:
    port = _free_port()
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher.sandbox", "--port", str(port), "--seed", "5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/__fake/state", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "the sandbox process exited"
                assert time.monotonic() < deadline, "the sandbox process never answered"
                time.sleep(0.05)
        assert answer.json()["seed"] == 5
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_same_seed_and_clock_give_the_same_ids_and_numbers() -> None:
    def run(seed: int) -> tuple[str, dict]:
        c = client(seed)
        token = wx_token(c)
        media_id = wx_draft(c, token)["media_id"]
        return media_id, c.get("/__fake/state").json()["wechat"]["drafts"][0]

    assert run(1) == run(1)
    assert run(1)[0] != run(2)[0]


def test_duplicates_are_listed_per_account_within_the_window() -> None:
    c = client()
    token = wx_token(c)
    other = wx_token(c, "wxapp2", "x")
    first = wx_draft(c, token, "同一篇", "<p>同样的内容</p>")["media_id"]
    second = wx_draft(c, token, "同一篇", "<p>同样的内容</p>")["media_id"]
    wx_draft(c, other, "同一篇", "<p>同样的内容</p>")  # another account: not a duplicate
    duplicates = c.get("/__fake/state").json()["duplicates"]
    assert [(d["platform"], d["account"], d["kind"], d["first_id"], d["second_id"]) for d in duplicates] == [
        ("wechat", "wxapp1", "draft", first, second)
    ]
    c.post("/__fake/clock", json={"advance_seconds": 86401})
    token = wx_token(c)  # the old one expired meanwhile
    wx_draft(c, token, "同一篇", "<p>同样的内容</p>")  # outside the 24 h window
    assert len(c.get("/__fake/state").json()["duplicates"]) == 1
