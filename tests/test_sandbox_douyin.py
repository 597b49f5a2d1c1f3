"""The Douyin fake: OAuth lifetimes, token/open_id/scope checks, uploads, create, review, lists."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from starlette.testclient import TestClient

from publisher.sandbox import create_app

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
V1 = "/dy/api/douyin/v1/video"
VIDEO = b"\0\0\0\x18ftypmp42" + b"v" * 500


def client(seed: int = 0) -> TestClient:
    return TestClient(create_app(seed=seed, now=NOW))


def advance(c: TestClient, seconds: float) -> None:
    c.post("/__fake/clock", json={"advance_seconds": seconds})


def authorize(
    c: TestClient,
    client_key: str = "awkey",
    secret: str = "dysecret",
    scope: str = "video.create.bind,video.list.bind,video.data.bind,data.external.item",
) -> dict:
    redirect = c.get(
        "/dy/platform/oauth/connect/",
        params={
            "client_key": client_key,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": "https://app.example/cb",
            "state": "xyz",
        },
        follow_redirects=False,
    )
    assert redirect.status_code == 302
    query = parse_qs(urlparse(redirect.headers["location"]).query)
    assert query["state"] == ["xyz"]
    answer = c.post(
        "/dy/oauth/access_token/",
        data={
            "client_key": client_key,
            "client_secret": secret,
            "code": query["code"][0],
            "grant_type": "authorization_code",
        },
    )
    return dict(answer.json()["data"])


def api(c: TestClient, method: str, path: str, token: dict, **kwargs: object) -> dict:
    params = {"open_id": token["open_id"], **dict(kwargs.pop("params", {}) or {})}  # type: ignore[call-overload]
    answer = c.request(method, path, params=params, headers={"access-token": token["access_token"]}, **kwargs)
    assert answer.status_code == 200  # Douyin errors are HTTP 200 too
    return dict(answer.json())


def upload(c: TestClient, token: dict, data: bytes = VIDEO) -> str:
    body = api(c, "POST", f"{V1}/upload_video/", token, files={"video": ("v.mp4", data, "video/mp4")})
    return str(body["data"]["video"]["video_id"])


def create(c: TestClient, token: dict, video_id: str, text: str = "三十秒看懂 #效率") -> dict:
    return api(c, "POST", f"{V1}/create_video/", token, json={"video_id": video_id, "text": text})


def test_oauth_code_flow_with_tofu_secret_and_single_use_code() -> None:
    c = client()
    token = authorize(c)
    assert token["access_token"].startswith("act.") and token["expires_in"] == 1296000
    assert token["refresh_expires_in"] == 2592000 and "video.create.bind" in token["scope"]
    redirect = c.get(
        "/dy/platform/oauth/connect/",
        params={
            "client_key": "awkey",
            "response_type": "code",
            "scope": "user_info",
            "redirect_uri": "https://app.example/cb",
        },
        follow_redirects=False,
    )
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
    wrong = c.post(
        "/dy/oauth/access_token/",
        data={
            "client_key": "awkey",
            "client_secret": "other",
            "code": code,
            "grant_type": "authorization_code",
        },
    ).json()
    assert wrong["data"]["error_code"] == 10013 and wrong["extra"]["error_code"] == 10013
    fine = {
        "client_key": "awkey",
        "client_secret": "dysecret",
        "code": code,
        "grant_type": "authorization_code",
    }
    # The exchange is a form: a JSON body is not read (10005) and does not use the code up.
    assert c.post("/dy/oauth/access_token/", json=fine).json()["data"]["error_code"] == 10005
    assert c.post("/dy/oauth/access_token/", data=fine).json()["data"]["error_code"] == 0
    assert c.post("/dy/oauth/access_token/", data=fine).json()["data"]["error_code"] == 10007


def test_refresh_keeps_a_live_token_and_never_moves_the_refresh_expiry() -> None:
    c = client()
    token = authorize(c)
    form = {"client_key": "awkey", "grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    advance(c, 86400)
    kept = c.post("/dy/oauth/refresh_token/", data=form).json()["data"]
    assert kept["access_token"] == token["access_token"] and kept["expires_in"] == 1296000
    assert kept["refresh_expires_in"] == 2592000 - 86400
    advance(c, 1296000)
    assert api(c, "GET", f"{V1}/video_list/", token)["data"]["error_code"] == 28001008
    fresh = c.post("/dy/oauth/refresh_token/", data=form).json()["data"]
    assert fresh["access_token"] != token["access_token"]
    advance(c, 2592000)
    assert c.post("/dy/oauth/refresh_token/", data=form).json()["data"]["error_code"] == 10010


def test_renew_refresh_token_at_most_five_times() -> None:
    c = client()
    refresh = authorize(c)["refresh_token"]
    for _ in range(5):
        answer = c.post(
            "/dy/oauth/renew_refresh_token/", data={"client_key": "awkey", "refresh_token": refresh}
        )
        old, refresh = refresh, answer.json()["data"]["refresh_token"]
        assert refresh != old
        stale = c.post(
            "/dy/oauth/refresh_token/",
            data={"client_key": "awkey", "grant_type": "refresh_token", "refresh_token": old},
        )
        assert stale.json()["data"]["error_code"] == 10010
    last = c.post("/dy/oauth/renew_refresh_token/", data={"client_key": "awkey", "refresh_token": refresh})
    assert last.json()["data"]["error_code"] == 10020


def test_api_checks_token_open_id_and_scope() -> None:
    c = client()
    token = authorize(c, scope="video.list.bind")
    assert (
        api(c, "GET", f"{V1}/video_list/", {**token, "access_token": "act.bogus"})["data"]["error_code"]
        == 28001003  # the /api/douyin/v1 paths; older ones say 2190002
    )
    assert (
        api(c, "GET", f"{V1}/video_list/", {**token, "open_id": "someone"})["data"]["error_code"] == 28001015
    )
    assert api(c, "GET", f"{V1}/video_list/", token)["data"]["error_code"] == 0
    body = api(c, "POST", f"{V1}/upload_video/", token, files={"video": ("v.mp4", VIDEO, "video/mp4")})
    assert body["data"]["error_code"] == 28001012
    assert (
        api(c, "GET", "/dy/data/external/item/base/", token, params={"item_id": "x"})["data"]["error_code"]
        == 2190003
    )
    c.post("/__fake/config", json={"douyin": {"granted_scopes": ["user_info"]}})
    narrowed = authorize(c, "awkey2", "s2", scope="video.create.bind")
    assert narrowed["scope"] == ""


def test_old_paths_report_expiry_with_old_codes() -> None:
    c = client()
    token = authorize(c)
    advance(c, 1296000)
    answer = api(c, "GET", "/dy/data/external/item/base/", token, params={"item_id": "x"})
    assert answer["data"]["error_code"] == 2190008 and answer["extra"]["logid"] and answer["extra"]["now"]


def test_upload_create_review_and_growing_statistics() -> None:
    c = client()
    token = authorize(c)
    video_id = upload(c, token)
    item_id = create(c, token, video_id)["data"]["item_id"]
    listed = api(c, "POST", f"{V1}/video_data/", token, json={"item_ids": [item_id]})["data"]["list"][0]
    assert (listed["video_status"], listed["is_reviewed"], listed["media_type"]) == (4, False, 4)
    assert listed["statistics"]["play_count"] == 0
    advance(c, 60)
    reviewed = api(c, "POST", f"{V1}/video_data/", token, json={"item_ids": [item_id]})["data"]["list"][0]
    assert (reviewed["video_status"], reviewed["is_reviewed"]) == (5, True)
    advance(c, 6 * 3600)
    later = api(c, "POST", f"{V1}/video_data/", token, json={"item_ids": [item_id]})["data"]["list"][0]
    assert later["statistics"]["play_count"] > reviewed["statistics"]["play_count"]
    base = api(c, "GET", "/dy/data/external/item/base/", token, params={"item_id": item_id})["data"]["result"]
    assert base["total_play"] == later["statistics"]["play_count"]


def test_consumed_video_id_is_refused_with_2190007() -> None:
    c = client()
    token = authorize(c)
    video_id = upload(c, token)
    assert create(c, token, video_id)["data"]["error_code"] == 0
    assert create(c, token, video_id)["data"]["error_code"] == 2190007
    assert create(c, token, "v0unknown")["data"]["error_code"] == 2190007
    assert len(c.get("/__fake/state").json()["douyin"]["items"]) == 1


def test_create_limits_daily_cap_sensitive_words_and_text_length() -> None:
    c = client()
    token = authorize(c)
    c.post(
        "/__fake/config",
        json={"douyin": {"daily_create_limit": 1, "sensitive_words": ["违禁"], "text_max": 10}},
    )
    assert create(c, token, upload(c, token), "含违禁词")["data"]["error_code"] == 2111001
    assert create(c, token, upload(c, token), "x" * 11)["data"]["error_code"] == 2100005
    assert create(c, token, upload(c, token), "ok")["data"]["error_code"] == 0
    assert create(c, token, upload(c, token), "ok2")["data"]["error_code"] == 2114007


def test_upload_size_and_duration_limits() -> None:
    c = client()
    token = authorize(c)
    c.post("/__fake/config", json={"douyin": {"max_video_bytes": 100}})
    body = api(c, "POST", f"{V1}/upload_video/", token, files={"video": ("v.mp4", VIDEO, "video/mp4")})
    assert body["data"]["error_code"] == 2190005
    c.post("/__fake/config", json={"douyin": {"max_video_bytes": 10_000, "video_duration_seconds": 901}})
    body = api(c, "POST", f"{V1}/upload_video/", token, files={"video": ("v.mp4", VIDEO, "video/mp4")})
    assert body["data"]["error_code"] == 2190006


def test_chunked_upload_checks_part_sizes_and_order() -> None:
    c = client()
    token = authorize(c)
    c.post("/__fake/config", json={"douyin": {"min_part_bytes": 100}})

    def session(parts: dict[int, bytes]) -> dict:
        upload_id = api(c, "POST", f"{V1}/init_video_part_upload/", token, json={})["data"]["upload_id"]
        for number, data in parts.items():
            api(
                c,
                "POST",
                f"{V1}/upload_video_part/",
                token,
                params={"upload_id": upload_id, "part_number": number},
                files={"video": ("p", data, "video/mp4")},
            )
        return api(c, "POST", f"{V1}/complete_video_part_upload/", token, params={"upload_id": upload_id})

    assert session({1: b"a" * 50, 2: b"b" * 10})["data"]["error_code"] == 2100005  # first part too small
    assert session({1: b"a" * 100, 3: b"b"})["data"]["error_code"] == 2100005  # a gap
    done = session({1: b"a" * 100, 2: b"b" * 7})["data"]
    assert done["error_code"] == 0 and done["video"]["video_id"]
    assert create(c, token, done["video"]["video_id"])["data"]["error_code"] == 0


def test_image_text_and_video_list_pagination() -> None:
    c = client()
    token = authorize(c)
    image = api(
        c, "POST", f"{V1}/upload_image/", token, files={"image": ("i.jpg", b"\xff\xd8\xff", "image/jpeg")}
    )
    image_id = image["data"]["image"]["image_id"]
    made = api(c, "POST", f"{V1}/create_image_text/", token, json={"image_list": [image_id], "text": "图集"})
    assert made["data"]["item_id"].startswith("@")
    for n in range(2):
        advance(c, 1)
        create(c, token, upload(c, token), f"视频 {n}")
    first = api(c, "GET", f"{V1}/video_list/", token, params={"cursor": 0, "count": 2})["data"]
    assert [v["title"] for v in first["list"]] == ["视频 1", "视频 0"] and first["has_more"] is True
    rest = api(c, "GET", f"{V1}/video_list/", token, params={"cursor": first["cursor"], "count": 2})["data"]
    assert [(v["title"], v["media_type"]) for v in rest["list"]] == [("图集", 2)] and rest[
        "has_more"
    ] is False
    assert api(c, "GET", f"{V1}/video_list/", token, params={"count": 50})["data"]["error_code"] == 2100005


def test_same_text_and_same_bytes_are_flagged_as_duplicate() -> None:
    c = client()
    token = authorize(c)
    first = create(c, token, upload(c, token))["data"]["item_id"]
    second = create(c, token, upload(c, token))["data"]["item_id"]
    create(c, token, upload(c, token, VIDEO + b"other"))
    duplicates = c.get("/__fake/state").json()["duplicates"]
    assert [(d["kind"], d["first_id"], d["second_id"]) for d in duplicates] == [("video", first, second)]


def test_daily_series_follow_the_clock_deterministically() -> None:
    def series(seed: int) -> list[dict]:
        c = client(seed)
        token = authorize(c)
        item_id = create(c, token, upload(c, token))["data"]["item_id"]
        advance(c, 3 * 86400)
        return list(
            api(c, "GET", "/dy/data/external/item/play/", token, params={"item_id": item_id, "date_type": 7})[
                "data"
            ]["result_list"]
        )

    first = series(4)
    assert len(first) == 7 and sum(day["play"] for day in first) > 0
    assert series(4) == first and series(5) != first


def test_one_anchor_type_per_video_and_only_known_users_in_at_users() -> None:
    c = client()
    token = authorize(c)
    both = {"poi_id": "B001", "poi_name": "某店", "micro_app_id": "tt01", "micro_app_title": "小程序"}
    answer = api(
        c, "POST", f"{V1}/create_video/", token, json={"video_id": upload(c, token), "text": "t", **both}
    )
    assert answer["data"]["error_code"] == 28001007 and "锚点" in answer["data"]["description"]
    stranger = {"text": "@某人 看看", "at_users": ["_000unknown"]}
    answer = api(c, "POST", f"{V1}/create_video/", token, json={"video_id": upload(c, token), **stranger})
    assert answer["data"]["error_code"] == 28001007 and "_000unknown" in answer["data"]["description"]
    c.post("/__fake/config", json={"douyin": {"known_users": ["_000friend"]}})
    fine = {"text": "@朋友 看看", "at_users": ["_000friend"], "poi_id": "B001", "poi_name": "某店"}
    assert api(c, "POST", f"{V1}/create_video/", token, json={"video_id": upload(c, token), **fine})["data"][
        "item_id"
    ]
