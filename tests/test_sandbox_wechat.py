"""The WeChat fake: TOFU credentials, token rules, uploads, drafts, publishing, quotas, stats."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from publisher.sandbox import create_app

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 200
GIF = b"GIF89a" + b"\0" * 200


def client(seed: int = 0) -> TestClient:
    # Calls come from this machine, the address the fake's default IP whitelist holds.
    return TestClient(create_app(seed=seed, now=NOW), client=("127.0.0.1", 50000))


def stable(c: TestClient, appid: str = "wxapp1", secret: str = "s1", force: bool = False) -> dict:
    return c.post(
        "/wx/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force},
    ).json()


def advance(c: TestClient, seconds: float) -> None:
    c.post("/__fake/clock", json={"advance_seconds": seconds})


def thumb(c: TestClient, token: str) -> str:
    return str(
        c.post(
            f"/wx/cgi-bin/material/add_material?access_token={token}&type=thumb",
            files={"media": ("c.jpg", JPEG, "image/jpeg")},
        ).json()["media_id"]
    )


def add_draft(c: TestClient, token: str, **article: object) -> dict:
    body = {"title": "标题", "content": "<p>正文</p>", "thumb_media_id": thumb(c, token), **article}
    return c.post(f"/wx/cgi-bin/draft/add?access_token={token}", json={"articles": [body]}).json()


def call(c: TestClient, path: str, token: str, body: dict | None = None) -> dict:
    return c.post(f"/wx/cgi-bin/{path}?access_token={token}", json=body or {}).json()


def test_credentials_are_trusted_on_first_use() -> None:
    c = client()
    assert "access_token" in stable(c, "wxapp1", "first")
    assert stable(c, "wxapp1", "second")["errcode"] == 40125
    assert stable(c, "notwx", "first")["errcode"] == 40013
    assert stable(c, "", "x")["errcode"] == 41002
    assert stable(c, "wxapp9", "")["errcode"] == 41004
    plain = c.get("/wx/cgi-bin/token?grant_type=client_credential&appid=wxapp1&secret=second").json()
    assert plain["errcode"] == 40125 and "rid: " in plain["errmsg"]
    assert c.get("/wx/cgi-bin/stable_token").json()["errcode"] == 43002


def test_stable_token_is_shared_until_forced_and_force_refresh_is_throttled() -> None:
    c = client()
    first = stable(c)
    advance(c, 100)
    again = stable(c)
    assert again["access_token"] == first["access_token"] and again["expires_in"] == 7100
    forced = stable(c, force=True)
    assert forced["access_token"] != first["access_token"]
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={first['access_token']}").json()["errcode"] == 40001
    assert stable(c, force=True)["errcode"] == 45011  # at least 30 s apart
    advance(c, 31)
    assert "access_token" in stable(c, force=True)


def test_stable_token_renews_shortly_before_expiry_and_old_one_lives_out_its_ttl() -> None:
    c = client()
    first = stable(c)["access_token"]
    advance(c, 7200 - 200)
    renewed = stable(c)
    assert renewed["access_token"] != first and renewed["expires_in"] == 7200
    assert "total_count" in c.get(f"/wx/cgi-bin/draft/count?access_token={first}").json()
    advance(c, 200)
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={first}").json()["errcode"] == 42001


def test_token_checks_on_every_call() -> None:
    c = client()
    token = stable(c)["access_token"]
    assert c.get("/wx/cgi-bin/draft/count").json()["errcode"] == 41001
    assert c.get("/wx/cgi-bin/draft/count?access_token=nope").json()["errcode"] == 40014
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={token}").json() == {
        "errcode": 0,
        "errmsg": "ok",
        "total_count": 0,
    }
    advance(c, 7200)
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={token}").json()["errcode"] == 42001


def test_plain_token_replacement_keeps_the_old_one_for_a_grace_period() -> None:
    c = client()
    url = "/wx/cgi-bin/token?grant_type=client_credential&appid=wxapp1&secret=s1"
    old = c.get(url).json()["access_token"]
    new = c.get(url).json()["access_token"]
    assert old != new
    assert "total_count" in c.get(f"/wx/cgi-bin/draft/count?access_token={old}").json()
    advance(c, 301)
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={old}").json()["errcode"] == 40001
    assert "total_count" in c.get(f"/wx/cgi-bin/draft/count?access_token={new}").json()


def test_ip_whitelist_gives_40164_naming_the_callers_address() -> None:
    c = client()
    token = stable(c)["access_token"]
    assert c.get(f"/wx/cgi-bin/get_api_domain_ip?access_token={token}").json()["ip_list"]
    c.post("/__fake/config", json={"wechat": {"ip_whitelist": ["10.0.0.1"]}})
    refused = stable(c)
    assert refused["errcode"] == 40164
    assert refused["errmsg"].startswith("invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist rid: ")
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={token}").json()["errcode"] == 40164
    # On by default: a caller that is not this machine is refused until its address is added.
    elsewhere = TestClient(create_app(now=NOW), client=("203.0.113.9", 50000))
    assert "invalid ip 203.0.113.9" in stable(elsewhere)["errmsg"]
    elsewhere.post("/__fake/config", json={"wechat": {"ip_whitelist": ["203.0.113.9"]}})
    assert stable(elsewhere)["access_token"]


def test_uploadimg_accepts_small_jpg_png_only() -> None:
    c = client()
    token = stable(c)["access_token"]
    url = f"/wx/cgi-bin/media/uploadimg?access_token={token}"
    answer = c.post(url, files={"media": ("a.png", PNG, "image/png")}).json()
    assert answer["errcode"] == 0 and answer["url"].startswith("http://mmbiz.qpic.cn/")
    assert c.post(url, files={"media": ("a.gif", GIF, "image/gif")}).json()["errcode"] == 40005
    big = PNG + b"\0" * (1024 * 1024)
    assert c.post(url, files={"media": ("b.png", big, "image/png")}).json()["errcode"] == 40009


def test_add_material_enforces_type_and_size() -> None:
    c = client()
    token = stable(c)["access_token"]

    def upload(kind: str, data: bytes) -> dict:
        return c.post(
            f"/wx/cgi-bin/material/add_material?access_token={token}&type={kind}",
            files={"media": ("f", data, "application/octet-stream")},
        ).json()

    image = upload("image", PNG)
    assert image["media_id"] and image["url"].startswith("http://mmbiz.qpic.cn/")
    assert upload("thumb", PNG)["errcode"] == 40005  # thumb must be JPG
    assert upload("thumb", JPEG + b"\0" * 70000)["errcode"] == 40012
    assert upload("sticker", PNG)["errcode"] == 40004


def test_draft_add_validates_lengths_and_thumb() -> None:
    c = client()
    token = stable(c)["access_token"]
    assert add_draft(c, token, title="题" * 33)["errcode"] == 45003
    assert add_draft(c, token, author="作" * 17)["errcode"] == 45110
    assert add_draft(c, token, digest="摘" * 129)["errcode"] == 45004
    assert add_draft(c, token, content="x" * 20000)["errcode"] == 45002
    assert add_draft(c, token, thumb_media_id="missing")["errcode"] == 40007
    assert (
        c.post(f"/wx/cgi-bin/draft/add?access_token={token}", json={"articles": []}).json()["errcode"]
        == 44002
    )
    assert "media_id" in add_draft(c, token, title="题" * 32, digest="摘" * 128)


def test_draft_add_strips_outside_images_and_scripts() -> None:
    c = client()
    token = stable(c)["access_token"]
    mine = c.post(
        f"/wx/cgi-bin/media/uploadimg?access_token={token}", files={"media": ("a.png", PNG, "image/png")}
    ).json()["url"]
    html = f'<p>a<img src="https://evil.example/x.png">b<img src="{mine}"><script>alert(1)</script></p>'
    media_id = add_draft(c, token, content=html)["media_id"]
    stored = call(c, "draft/get", token, {"media_id": media_id})["news_item"][0]["content"]
    assert stored == f'<p>ab<img src="{mine}"></p>'


def test_draft_box_get_batchget_count_update_delete() -> None:
    c = client()
    token = stable(c)["access_token"]
    first = add_draft(c, token, title="一")["media_id"]
    advance(c, 10)
    second = add_draft(c, token, title="二")["media_id"]
    page = call(c, "draft/batchget", token, {"offset": 0, "count": 1, "no_content": 1})
    assert page["total_count"] == 2 and page["item_count"] == 1 and page["item"][0]["media_id"] == second
    assert "content" not in page["item"][0]["content"]["news_item"][0]
    assert call(c, "draft/batchget", token, {"offset": 0, "count": 21})["errcode"] == 40002
    update = {
        "media_id": first,
        "index": 0,
        "articles": {"title": "改", "content": "c", "thumb_media_id": thumb(c, token)},
    }
    assert call(c, "draft/update", token, update)["errcode"] == 0
    assert call(c, "draft/get", token, {"media_id": first})["news_item"][0]["title"] == "改"
    assert call(c, "draft/update", token, {**update, "index": 3})["errcode"] == 40114
    assert call(c, "draft/delete", token, {"media_id": first})["errcode"] == 0
    assert call(c, "draft/get", token, {"media_id": first})["errcode"] == 40007
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={token}").json()["total_count"] == 1


def test_freepublish_completes_on_the_virtual_clock_and_leaves_the_draft_box() -> None:
    c = client()
    token = stable(c)["access_token"]
    media_id = add_draft(c, token, title="发布")["media_id"]
    job = call(c, "freepublish/submit", token, {"media_id": media_id})
    assert job["errcode"] == 0 and job["publish_id"] and job["msg_data_id"]
    assert call(c, "freepublish/get", token, {"publish_id": job["publish_id"]})["publish_status"] == 1
    advance(c, 30)
    done = call(c, "freepublish/get", token, {"publish_id": job["publish_id"]})
    assert done["publish_status"] == 0 and done["fail_idx"] == []
    assert done["article_detail"]["count"] == 1
    assert done["article_detail"]["item"][0]["article_url"].startswith("https://mp.weixin.qq.com/s/")
    assert call(c, "draft/get", token, {"media_id": media_id})["errcode"] == 40007
    article = call(c, "freepublish/getarticle", token, {"article_id": done["article_id"]})
    assert article["news_item"][0]["title"] == "发布" and article["news_item"][0]["is_deleted"] is False
    listed = call(c, "freepublish/batchget", token, {"offset": 0, "count": 20})
    assert [i["article_id"] for i in listed["item"]] == [done["article_id"]]
    assert call(c, "freepublish/getarticle", token, {"article_id": "nope"})["errcode"] == 53600
    assert call(c, "freepublish/get", token, {"publish_id": "nope"})["errcode"] == 53502
    assert call(c, "freepublish/delete", token, {"article_id": done["article_id"]})["errcode"] == 0
    deleted = call(c, "freepublish/getarticle", token, {"article_id": done["article_id"]})
    assert deleted["news_item"][0]["is_deleted"] is True


def test_freepublish_configured_failure_and_unverified_account() -> None:
    c = client()
    token = stable(c)["access_token"]
    c.post("/__fake/config", json={"wechat": {"publish_outcome": 3, "publish_fail_idx": [1]}})
    media_id = add_draft(c, token)["media_id"]
    job = call(c, "freepublish/submit", token, {"media_id": media_id})
    advance(c, 60)
    failed = call(c, "freepublish/get", token, {"publish_id": job["publish_id"]})
    assert (failed["publish_status"], failed["fail_idx"]) == (3, [1])
    assert call(c, "draft/get", token, {"media_id": media_id})["news_item"]  # still in the draft box
    c.post("/__fake/config", json={"wechat": {"verified": {"wxapp1": False}}})
    assert call(c, "freepublish/submit", token, {"media_id": media_id})["errcode"] == 48001
    assert call(c, "freepublish/submit", token, {"media_id": "nope"})["errcode"] == 48001
    c.post("/__fake/config", json={"wechat": {"verified": {"wxapp1": True}}})
    assert call(c, "freepublish/submit", token, {"media_id": "nope"})["errcode"] == 40007


def test_mass_send_clientmsgid_rules() -> None:
    c = client()
    token = stable(c)["access_token"]
    media_id = add_draft(c, token)["media_id"]
    body = {
        "filter": {"is_to_all": True},
        "mpnews": {"media_id": media_id},
        "msgtype": "mpnews",
        "send_ignore_reprint": 0,
        "clientmsgid": "launch-1",
    }
    assert call(c, "message/mass/sendall", token, {**body, "clientmsgid": "x" * 65})["errcode"] == 45067
    sent = call(c, "message/mass/sendall", token, body)
    assert sent["errcode"] == 0 and sent["msg_id"] and sent["msg_data_id"]
    assert call(c, "message/mass/sendall", token, body)["errcode"] == 45066
    advance(c, 61)
    again = call(c, "message/mass/sendall", token, body)
    assert again["errcode"] == 45065 and again["msg_id"] == sent["msg_id"]
    other = add_draft(c, token, title="另一篇")["media_id"]
    quota = call(
        c, "message/mass/sendall", token, {**body, "clientmsgid": "launch-2", "mpnews": {"media_id": other}}
    )
    assert quota["errcode"] == 45028  # a subscription account sends once a day
    assert len(c.get("/__fake/state").json()["wechat"]["mass_sends"]) == 1


def test_daily_quota_gives_45009_until_the_beijing_day_turns() -> None:
    c = client()
    token = stable(c)["access_token"]
    c.post("/__fake/config", json={"wechat": {"quotas": {"/cgi-bin/draft/count": 2}}})
    url = f"/wx/cgi-bin/draft/count?access_token={token}"
    assert [c.get(url).json()["errcode"] for _ in range(3)] == [0, 0, 45009]
    quota = call(c, "openapi/quota/get", token, {"cgi_path": "/cgi-bin/draft/count"})
    assert quota["quota"] == {"daily_limit": 2, "used": 2, "remain": 0}
    c.post("/__fake/clock", json={"now": "2026-03-02T16:00:00Z"})  # midnight in Beijing
    token = stable(c)["access_token"]
    assert c.get(f"/wx/cgi-bin/draft/count?access_token={token}").json()["errcode"] == 0


def _publish(c: TestClient, token: str, title: str) -> str:
    media_id = add_draft(c, token, title=title)["media_id"]
    job = call(c, "freepublish/submit", token, {"media_id": media_id})
    advance(c, 30)
    return str(job["msg_data_id"])


def test_datacube_numbers_are_keyed_by_msgid_and_grow_deterministically() -> None:
    def totals(seed: int) -> list[dict]:
        c = client(seed)
        token = stable(c)["access_token"]
        msg_data_id = _publish(c, token, "数据")
        c.post("/__fake/clock", json={"now": "2026-03-05T02:00:00Z"})  # 10:00 Beijing, three days later
        token = stable(c)["access_token"]
        day = {"begin_date": "2026-03-02", "end_date": "2026-03-02"}
        answer = call(c, "../datacube/getarticletotaldetail", token, day)
        assert answer["list"][0]["msgid"] == f"{msg_data_id}_1"
        assert (
            call(
                c,
                "../datacube/getarticletotaldetail",
                token,
                {"begin_date": "2026-03-01", "end_date": "2026-03-02"},
            )["errcode"]
            == 61500
        )
        assert (
            call(
                c,
                "../datacube/getarticletotaldetail",
                token,
                {"begin_date": "2026-03-05", "end_date": "2026-03-05"},
            )["errcode"]
            == 61500
        )
        return list(answer["list"][0]["detail_list"])

    first = totals(1)
    assert [d["stat_date"] for d in first] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    reads = [d["read_user"] for d in first]
    assert reads == sorted(reads) and reads[-1] > 0
    assert totals(1) == first
    assert totals(2) != first


def test_datacube_biz_summary_and_user_cumulate() -> None:
    c = client()
    token = stable(c)["access_token"]
    _publish(c, token, "汇总")
    c.post("/__fake/clock", json={"now": "2026-03-04T02:00:00Z"})
    token = stable(c)["access_token"]
    biz = call(c, "../datacube/getbizsummary", token, {"begin_date": "2026-03-02", "end_date": "2026-03-03"})
    assert [r["ref_date"] for r in biz["list"]] == ["2026-03-02", "2026-03-03"]
    assert biz["list"][0]["detail"]["read_user"] > 0
    users = call(
        c, "../datacube/getusercumulate", token, {"begin_date": "2026-03-01", "end_date": "2026-03-03"}
    )
    counts = [r["cumulate_user"] for r in users["list"]]
    assert counts == sorted(counts)
    assert (
        call(c, "../datacube/getusercumulate", token, {"begin_date": "2026-02-01", "end_date": "2026-03-03"})[
            "errcode"
        ]
        == 61500
    )
    c.post("/__fake/config", json={"wechat": {"default_verified": False}})
    assert (
        call(c, "../datacube/getbizsummary", token, {"begin_date": "2026-03-02", "end_date": "2026-03-02"})[
            "errcode"
        ]
        == 48001
    )


def test_publishing_the_same_article_twice_is_listed_as_duplicate() -> None:
    c = client()
    token = stable(c)["access_token"]
    _publish(c, token, "重复")
    _publish(c, token, "重复")
    kinds = [d["kind"] for d in c.get("/__fake/state").json()["duplicates"]]
    assert kinds == ["draft", "article"]


def test_clear_quota_resets_counters_ten_times_a_month() -> None:
    c = client()
    token = stable(c)["access_token"]
    c.post("/__fake/config", json={"wechat": {"quotas": {"/cgi-bin/draft/count": 1}}})
    url = f"/wx/cgi-bin/draft/count?access_token={token}"
    for _ in range(10):
        assert c.get(url).json()["errcode"] == 0
        assert c.get(url).json()["errcode"] == 45009
        assert call(c, "clear_quota", token, {"appid": "wxapp1"})["errcode"] == 0
    assert call(c, "clear_quota", token, {"appid": "wxapp1"})["errcode"] == 48006


# --- whitespace in code, as WeChat stores a draft -------------------------------------------------


def test_the_fake_collapses_code_whitespace_like_wechat_and_rendered_code_survives_it() -> None:
    from publisher.render.inline_html import render_article
    from publisher.sandbox.wechat.content import clean_content

    # what WeChat does to code that relies on white-space: pre
    assert clean_content("<pre><code>def f():\n    return 1\n</code></pre>") == (
        "<pre><code>def f(): return 1</code></pre>"
    )
    # our code blocks carry lines as <br> and indentation as &nbsp;: nothing for the normaliser to take
    html = render_article("```python\ndef f():\n    if x:\n        return 1\n```").html
    stored = clean_content(html)
    assert stored == html
    code = stored[stored.index("<code") : stored.index("</code>")]
    lines = code.split("<br>")
    assert len(lines) == 3 and lines[1].count("&nbsp;") == 4 and lines[2].count("&nbsp;") == 8


def test_the_fake_counts_text_not_markup_toward_20000() -> None:
    from publisher.sandbox.wechat.content import text_length

    assert text_length('<p style="margin:0 0 1em">你好&nbsp;a</p>') == 4
