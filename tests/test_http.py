"""Tests of publisher.adapters.http: classification, retry rules, token refresh, and that no secret leaks."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from publisher import errors
from publisher.adapters.douyin.codes import CODES as DOUYIN_CODES
from publisher.adapters.http import (
    RetryPolicy,
    Timeouts,
    TokenExpired,
    call,
    classify_codes,
    classify_http,
    make_client,
    retry_after_seconds,
    with_token_refresh,
)
from publisher.adapters.producthunt.codes import CODES as PRODUCTHUNT_CODES
from publisher.adapters.wechat.codes import CODES as WECHAT_CODES
from publisher.adapters.xiaohongshu.codes import CODES as XIAOHONGSHU_CODES
from publisher.redact import install_logging_redaction, register_secret

T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeTime:
    """An injected sleep that records requested waits and advances a fake monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(float(seconds))
        self.now += float(seconds)

    def clock(self) -> float:
        return self.now


class Script:
    """A MockTransport handler that plays one response (or raised exception) per request and counts calls."""

    def __init__(self, *steps: httpx.Response | Exception | Handler) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


def client_for(script: Script, platform: str = "test", **kw: Any) -> httpx.AsyncClient:
    return make_client(
        base_url="https://api.test", platform=platform, transport=httpx.MockTransport(script), **kw
    )


async def do_call(
    script: Script,
    method: str = "GET",
    *,
    idempotent: bool = True,
    policy: RetryPolicy | None = None,
    fake: FakeTime | None = None,
    classify: Callable[[httpx.Response], object] | None = None,
    url: str = "/v1/thing",
    **kw: Any,
) -> httpx.Response:
    fake = fake or FakeTime()
    async with client_for(script) as client:
        return await call(
            client,
            method,
            url,
            policy=policy or RetryPolicy.immediate(),
            idempotent=idempotent,
            classify=classify or (lambda r: classify_http(r, "test")),
            sleep=fake.sleep,
            clock=fake.clock,
            **kw,
        )


def ok(body: object = None, **kw: Any) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"ok": True}, **kw)


# --- retry rules ----------------------------------------------------------------------------------


def test_call_400_is_permanent_after_one_call() -> None:
    script = Script(httpx.Response(400, json={"error": "bad field"}))
    with pytest.raises(errors.PermanentError) as info:
        run(do_call(script))
    assert len(script.requests) == 1
    assert info.value.code == 400
    assert "bad field" in str(info.value)


def test_call_503_on_read_retries_up_to_attempts_then_raises_transient() -> None:
    script = Script(httpx.Response(503))
    fake = FakeTime()
    with pytest.raises(errors.TransientError) as info:
        run(do_call(script, policy=RetryPolicy.immediate(attempts=4), fake=fake))
    assert type(info.value) is errors.TransientError
    assert len(script.requests) == 4
    assert len(fake.waits) == 3


def test_call_succeeds_after_transient_failures() -> None:
    script = Script(httpx.Response(502), httpx.Response(504), ok({"v": 1}))
    response = run(do_call(script))
    assert response.json() == {"v": 1}
    assert len(script.requests) == 3


def test_call_backoff_grows_exponentially_and_is_capped() -> None:
    script = Script(httpx.Response(503))
    fake = FakeTime()
    policy = RetryPolicy(attempts=6, initial=1.0, max_wait=5.0, jitter=0.0, deadline_s=1000)
    with pytest.raises(errors.TransientError):
        run(do_call(script, policy=policy, fake=fake))
    assert fake.waits == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_call_429_retry_after_seconds_is_honoured() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), ok())
    fake = FakeTime()
    run(do_call(script, fake=fake))
    assert len(script.requests) == 2
    assert fake.waits and fake.waits[0] >= 7


def test_call_429_retry_after_wins_over_smaller_backoff_and_backoff_over_smaller_retry_after() -> None:
    fake = FakeTime()
    policy = RetryPolicy(attempts=3, initial=4.0, max_wait=60.0, jitter=0.0)
    script = Script(
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(429, headers={"Retry-After": "30"}),
        ok(),
    )
    run(do_call(script, policy=policy, fake=fake))
    assert fake.waits == [4.0, 30.0]


def test_call_x_rate_limit_reset_is_honoured() -> None:
    headers = {"X-Rate-Limit-Limit": "6250", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "12"}
    script = Script(httpx.Response(429, headers=headers), ok())
    fake = FakeTime()
    run(do_call(script, "POST", fake=fake, json={"query": '{ post(slug: "x") { votesCount } }'}))
    assert fake.waits[0] >= 12
    assert len(script.requests) == 2


def test_call_long_retry_after_is_raised_for_the_queue_without_sleeping() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "120"}), ok())
    fake = FakeTime()
    with pytest.raises(errors.RateLimited) as info:
        run(do_call(script, fake=fake))
    assert info.value.retry_after == 120
    assert fake.waits == []
    assert len(script.requests) == 1


def test_call_stops_at_deadline() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "50"}))
    fake = FakeTime()
    policy = RetryPolicy(attempts=10, initial=0.0, max_wait=0.0, jitter=0.0, deadline_s=120)
    with pytest.raises(errors.RateLimited):
        run(do_call(script, policy=policy, fake=fake))
    assert len(script.requests) == 3  # waits at 0 s and 50 s fit; the third wait would end at 150 s
    assert fake.waits == [50.0, 50.0]


def test_call_non_idempotent_read_timeout_is_outcome_unknown_after_exactly_one_call() -> None:
    script = Script(httpx.ReadTimeout("timed out"), ok())
    fake = FakeTime()
    with pytest.raises(errors.OutcomeUnknown):
        run(do_call(script, "POST", idempotent=False, fake=fake, json={"articles": []}))
    assert len(script.requests) == 1
    assert fake.waits == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("peer closed"),
        httpx.ReadError("reset"),
        httpx.WriteTimeout("slow"),
        httpx.Response(502),
    ],
)
def test_call_non_idempotent_sent_failures_are_never_retried(failure: httpx.Response | Exception) -> None:
    script = Script(failure, ok())
    with pytest.raises(errors.OutcomeUnknown):
        run(do_call(script, "POST", idempotent=False))
    assert len(script.requests) == 1


def test_call_non_idempotent_busy_code_is_outcome_unknown() -> None:
    def classify(r: httpx.Response) -> None:
        body = r.json()
        classify_codes(body.get("errcode"), body.get("errmsg", ""), platform="wechat", table=WECHAT_CODES)

    script = Script(ok({"errcode": -1, "errmsg": "system error"}), ok({"media_id": "m1"}))
    with pytest.raises(errors.OutcomeUnknown) as info:
        run(do_call(script, "POST", idempotent=False, classify=classify))
    assert len(script.requests) == 1
    assert info.value.code == -1
    assert info.value.platform == "wechat"


def test_call_idempotent_read_timeout_is_retried() -> None:
    script = Script(httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("closed"), ok({"v": 2}))
    assert run(do_call(script)).json() == {"v": 2}
    assert len(script.requests) == 3


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow syn"), httpx.PoolTimeout("pool")]
)
def test_call_non_idempotent_connect_failure_is_retried(failure: Exception) -> None:
    script = Script(failure, ok({"item_id": "@x"}))
    response = run(do_call(script, "POST", idempotent=False, json={"video_id": "v1"}))
    assert response.json() == {"item_id": "@x"}
    assert len(script.requests) == 2


def test_call_non_idempotent_rate_limit_is_retried_because_the_platform_refused_it() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "3"}), ok())
    fake = FakeTime()
    run(do_call(script, "POST", idempotent=False, fake=fake))
    assert len(script.requests) == 2
    assert fake.waits == [3.0]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, errors.AuthError),
        (403, errors.AuthError),
        (404, errors.PermanentError),
        (422, errors.PermanentError),
    ],
)
def test_call_never_retries_client_errors(status: int, error: type[Exception]) -> None:
    script = Script(httpx.Response(status))
    with pytest.raises(error):
        run(do_call(script))
    assert len(script.requests) == 1


def test_call_quota_exhausted_is_not_retried() -> None:
    def classify(r: httpx.Response) -> None:
        data = r.json()["data"]
        classify_codes(data["error_code"], data["description"], platform="douyin", table=DOUYIN_CODES)

    script = Script(ok({"data": {"error_code": 2114007, "description": "daily publish count exceeded"}}))
    fake = FakeTime()
    with pytest.raises(errors.QuotaExhausted):
        run(do_call(script, classify=classify, fake=fake))
    assert len(script.requests) == 1
    assert fake.waits == []


def test_call_retries_platform_rate_limit_code_with_its_minimum_wait() -> None:
    def classify(r: httpx.Response) -> None:
        body = r.json()
        classify_codes(body.get("errcode"), body.get("errmsg", ""), platform="wechat", table=WECHAT_CODES)

    script = Script(ok({"errcode": 45011, "errmsg": "api minute-quota reach limit"}), ok({"errcode": 0}))
    fake = FakeTime()
    run(do_call(script, classify=classify, fake=fake))
    assert fake.waits == [60.0]


def test_call_redacts_messages_of_errors_raised_by_platform_classifiers() -> None:
    def classify(r: httpx.Response) -> None:
        try:
            r.json()
        except ValueError:
            raise errors.PermanentError(
                "rejected call to /x?access_token=tok-123456789 Cookie: a1=zz"
            ) from None

    script = Script(httpx.Response(200, text="not json"))
    with pytest.raises(errors.PermanentError) as info:
        run(do_call(script, classify=classify))
    assert "tok-123456789" not in str(info.value)
    assert "zz" not in str(info.value)
    assert info.value.__context__ is None  # the JSON error the classifier was handling is cut off too


def test_call_errors_have_no_exception_chain() -> None:
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(errors.TransientError) as info:
        run(do_call(script, policy=RetryPolicy.immediate(attempts=2)))
    err = info.value
    assert err.__cause__ is None
    assert err.__context__ is None
    assert err.__suppress_context__


# --- classification -------------------------------------------------------------------------------


def response(status: int, headers: dict[str, str] | None = None, body: str = "") -> httpx.Response:
    return httpx.Response(
        status, headers=headers, text=body, request=httpx.Request("GET", "https://api.test/x")
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, errors.AuthError),
        (403, errors.AuthError),
        (408, errors.TransientError),
        (429, errors.RateLimited),
        (400, errors.PermanentError),
        (404, errors.PermanentError),
        (500, errors.TransientError),
        (503, errors.TransientError),
    ],
)
def test_classify_http_by_status(status: int, error: type[errors.PlatformError]) -> None:
    with pytest.raises(error) as info:
        classify_http(response(status), "producthunt")
    assert type(info.value) is error
    assert info.value.platform == "producthunt"
    assert info.value.code == status


def test_classify_http_message_is_redacted_and_names_the_request() -> None:
    request = httpx.Request("POST", "https://api.test/cgi-bin/draft/add?access_token=tok-abcdef123")
    echo = httpx.Response(400, text='{"errmsg": "bad", "access_token": "tok-abcdef123"}', request=request)
    with pytest.raises(errors.PermanentError) as info:
        classify_http(echo, "wechat")
    assert "tok-abcdef123" not in str(info.value)
    assert "POST https://api.test/cgi-bin/draft/add?access_token=***" in str(info.value)
    assert "bad" in str(info.value)


def test_classify_http_passes_success() -> None:
    classify_http(response(200), "x")
    classify_http(response(204), "x")


def test_classify_http_table_overrides_status() -> None:
    with pytest.raises(TokenExpired):
        classify_http(response(401), "producthunt", table=PRODUCTHUNT_CODES)
    with pytest.raises(errors.RateLimited) as info:
        classify_http(response(429, {"X-Rate-Limit-Reset": "90"}), "producthunt", table=PRODUCTHUNT_CODES)
    assert info.value.retry_after == 90
    with pytest.raises(errors.NeedsPerson):
        classify_http(response(461, {"Verifytype": "1"}), "xiaohongshu", table=XIAOHONGSHU_CODES)
    with pytest.raises(errors.TransientError):
        classify_http(response(502), "producthunt", table=PRODUCTHUNT_CODES)


def test_retry_after_seconds_forms() -> None:
    now = datetime(2026, 12, 1, 4, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7
    assert retry_after_seconds(httpx.Headers({"Retry-After": "Tue, 01 Dec 2026 04:01:30 GMT"}), now=now) == 90
    server_clock = {"Retry-After": "Tue, 01 Dec 2026 04:01:30 GMT", "Date": "Tue, 01 Dec 2026 04:01:00 GMT"}
    assert retry_after_seconds(httpx.Headers(server_clock), now=now) == 30  # the server's Date, not our clock
    assert retry_after_seconds(httpx.Headers({"Retry-After": "Tue, 01 Dec 2026 03:00:00 GMT"}), now=now) == 0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({"Retry-After": "5", "X-Rate-Limit-Reset": "40"})) == 40
    assert retry_after_seconds(httpx.Headers({})) is None


@pytest.mark.parametrize(
    ("table", "code", "error"),
    [
        (WECHAT_CODES, -1, errors.TransientError),
        (WECHAT_CODES, 45011, errors.RateLimited),
        (WECHAT_CODES, 45009, errors.QuotaExhausted),
        (WECHAT_CODES, 40001, TokenExpired),
        (WECHAT_CODES, "42001", TokenExpired),
        (WECHAT_CODES, 40125, errors.AuthError),
        (WECHAT_CODES, 40164, errors.NeedsPerson),
        (WECHAT_CODES, 48001, errors.PermanentError),
        (WECHAT_CODES, 45003, errors.PermanentError),
        (WECHAT_CODES, 99999999, errors.PermanentError),
        (DOUYIN_CODES, 28001005, errors.TransientError),
        (DOUYIN_CODES, 28003018, errors.RateLimited),
        (DOUYIN_CODES, 28003017, errors.QuotaExhausted),
        (DOUYIN_CODES, 28001008, TokenExpired),
        (DOUYIN_CODES, 10010, errors.AuthError),
        (DOUYIN_CODES, 2111001, errors.PermanentError),
        (XIAOHONGSHU_CODES, 300012, errors.RateLimited),
        (XIAOHONGSHU_CODES, -100, errors.AuthError),
    ],
)
def test_classify_codes_tables(table: Any, code: int | str, error: type[errors.PlatformError]) -> None:
    with pytest.raises(error) as info:
        classify_codes(code, "message rid: 1", platform="p", table=table)
    assert type(info.value) is error
    assert info.value.code == code


def test_classify_codes_success_already_done_and_extras() -> None:
    assert classify_codes(0, "ok", platform="wechat", table=WECHAT_CODES) is None
    assert classify_codes(None, "", platform="wechat", table=WECHAT_CODES) is None
    assert classify_codes(45065, "clientmsgid exist", platform="wechat", table=WECHAT_CODES) == "already_done"
    reset = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    with pytest.raises(errors.QuotaExhausted) as quota:
        classify_codes(
            45009, "reach max api daily quota limit", platform="wechat", table=WECHAT_CODES, reset_at=reset
        )
    assert quota.value.reset_at == reset
    with pytest.raises(errors.RateLimited) as limited:
        classify_codes(45011, "minute quota", platform="wechat", table=WECHAT_CODES, retry_after=5)
    assert limited.value.retry_after == 60  # the documented minimum beats a smaller hint
    with pytest.raises(errors.RateLimited) as long_block:
        classify_codes(300012, "ip blocked", platform="xiaohongshu", table=XIAOHONGSHU_CODES)
    assert (
        long_block.value.retry_after is not None
        and long_block.value.retry_after > RetryPolicy().long_wait_threshold
    )


# --- token refresh --------------------------------------------------------------------------------


def token_server(valid: set[str], calls: list[str]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("access_token", "")
        calls.append(token)
        if token in valid:
            return ok({"errcode": 0, "media_id": "m1"})
        return ok({"errcode": 42001, "errmsg": "access_token expired rid: 9"})

    return handler


def wechat_classify(r: httpx.Response) -> None:
    body = r.json()
    classify_codes(body.get("errcode"), body.get("errmsg", ""), platform="wechat", table=WECHAT_CODES)


def token_source(tokens: list[str], forced: list[bool]) -> Callable[[bool], Awaitable[str]]:
    async def get_token(force: bool) -> str:
        forced.append(force)
        return tokens[len(forced) - 1]

    return get_token


def test_with_token_refresh_refreshes_once_and_repeats_once() -> None:
    calls: list[str] = []
    forced: list[bool] = []
    script = Script(token_server({"fresh-token-2"}, calls))

    async def scenario() -> httpx.Response:
        async with client_for(script, "wechat") as client:

            async def do(token: str) -> httpx.Response:
                return await call(
                    client,
                    "POST",
                    "/cgi-bin/draft/add",
                    params={"access_token": token},
                    json={},
                    policy=RetryPolicy.immediate(),
                    idempotent=False,
                    classify=wechat_classify,
                )

            return await with_token_refresh(do, token_source(["stale-token-1", "fresh-token-2"], forced))

    assert run(scenario()).json()["media_id"] == "m1"
    assert forced == [False, True]
    assert calls == ["stale-token-1", "fresh-token-2"]


def test_with_token_refresh_second_expiry_is_auth_error_without_loop() -> None:
    calls: list[str] = []
    forced: list[bool] = []
    script = Script(token_server(set(), calls))

    async def scenario() -> None:
        async with client_for(script, "wechat") as client:

            async def do(token: str) -> httpx.Response:
                return await call(
                    client,
                    "POST",
                    "/cgi-bin/draft/add",
                    params={"access_token": token},
                    policy=RetryPolicy.immediate(),
                    idempotent=False,
                    classify=wechat_classify,
                )

            await with_token_refresh(do, token_source(["stale-token-1", "fresh-token-2", "never"], forced))

    with pytest.raises(errors.AuthError) as info:
        run(scenario())
    assert not isinstance(info.value, TokenExpired)
    assert info.value.code == 42001
    assert forced == [False, True]
    assert len(calls) == 2
    assert info.value.__context__ is None


# --- client factory -------------------------------------------------------------------------------


def test_make_client_sets_timeouts_user_agent_and_headers() -> None:
    script = Script(ok())

    async def scenario() -> httpx.AsyncClient:
        async with make_client(
            base_url="https://api.test",
            platform="douyin",
            transport=httpx.MockTransport(script),
            timeouts=Timeouts.upload(),
            headers={"X-Extra": "1"},
        ) as client:
            await client.get("/a")
            return client

    client = run(scenario())
    assert client.timeout == httpx.Timeout(connect=5.0, read=300.0, write=300.0, pool=5.0)
    sent = script.requests[0]
    assert sent.headers["user-agent"].startswith("publisher/")
    assert sent.headers["x-extra"] == "1"
    assert Timeouts().to_httpx() == httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)


@pytest.mark.parametrize("base", ["https://api.test", "https://api.test/prefix", "https://api.test/prefix/"])
@pytest.mark.parametrize(
    "url",
    [
        "/v1/thing",
        "v1/thing",
        "/",
        "/v1/a%20b?x=1&y=%E4%B8%AD",
        "/cgi-bin/x?access_token=t",
        "https://other.test/up",
    ],
)
def test_call_sends_to_the_address_httpx_would_join(base: str, url: str) -> None:
    script = Script(ok())

    async def scenario() -> list[str]:
        async with make_client(
            base_url=base, platform="test", transport=httpx.MockTransport(script)
        ) as client:
            expected = client.build_request("GET", url, params={"q": "1"}).url
            for _ in range(2):  # the second from the client's memo
                await call(
                    client,
                    "GET",
                    url,
                    policy=RetryPolicy.immediate(),
                    idempotent=True,
                    classify=lambda r: None,
                    params={"q": "1"},
                )
            return [str(expected)]

    expected = run(scenario())
    assert [str(r.url) for r in script.requests] == expected * 2


def test_client_keeps_the_cookies_an_answer_sets_and_only_those() -> None:
    script = Script(
        ok(headers={"set-cookie": "session=abc; Path=/"}),
        lambda request: ok({"cookie": request.headers.get("cookie")}),
    )

    async def scenario() -> tuple[object, dict[str, str]]:
        async with client_for(script) as client:
            await client.get("/login")
            answer = await client.get("/me")
            await client.get("/plain")  # an answer without Set-Cookie leaves the jar as it was
            return answer.json()["cookie"], dict(client.cookies)

    assert run(scenario()) == ("session=abc", {"session": "abc"})


# --- no secret leaks (R26) ------------------------------------------------------------------------

CANARY = "CANARY-7d1e55c0ffee-SeCrEt"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.__dict__))


@pytest.fixture
def all_logs() -> Any:
    install_logging_redaction(verbose=True)  # -v: httpx/httpcore at DEBUG too
    root = logging.getLogger()
    handler = Collect()
    old_level = root.level
    root.addHandler(handler)  # added after installation: only the record factory protects it
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        install_logging_redaction(verbose=False)


def echo_everything(request: httpx.Request) -> httpx.Response:
    # A hostile platform: echoes the token from the URL, the header and the body into its error text.
    body = request.content.decode()
    text = f"bad request {request.url} {request.headers.get('access-token')} {body}"
    return httpx.Response(400, json={"errcode": 40007, "errmsg": text})


def leak_scenarios() -> list[Script]:
    return [
        Script(echo_everything),
        Script(httpx.Response(503, text=f"upstream said {CANARY}")),
        Script(httpx.ReadTimeout(f"timeout on https://api.test/x?access_token={CANARY}")),
        Script(httpx.ConnectError(f"cannot reach https://api.test/x?access_token={CANARY}")),
        Script(httpx.Response(429, headers={"Retry-After": "999"}, json={"access_token": CANARY})),
    ]


@pytest.mark.parametrize("idempotent", [True, False])
@pytest.mark.parametrize("index", range(5))
def test_canary_secret_never_in_logs_or_errors(all_logs: Collect, index: int, idempotent: bool) -> None:
    register_secret(CANARY)
    script = leak_scenarios()[index]

    def classify(r: httpx.Response) -> None:
        if r.headers.get("content-type", "").startswith("application/json") and "errcode" in r.json():
            wechat_classify(r)
        classify_http(r, "wechat")

    async def scenario() -> None:
        async with make_client(
            base_url="https://api.test",
            platform="wechat",
            transport=httpx.MockTransport(script),
            headers={"access-token": CANARY, "Authorization": f"Bearer {CANARY}"},
        ) as client:
            await call(
                client,
                "POST",
                f"/cgi-bin/draft/add?access_token={CANARY}",
                json={"access_token": CANARY, "title": "t"},
                policy=RetryPolicy.immediate(attempts=3),
                idempotent=idempotent,
                classify=classify,
                sleep=FakeTime().sleep,
            )

    with pytest.raises(errors.PlatformError) as info:
        run(scenario())
    err = info.value
    texts = [str(err), repr(err), "".join(traceback.format_exception(err)), json.dumps(err.args)]
    for text in texts:
        assert CANARY not in text
    assert all_logs.lines, "the scenario must have logged something"
    assert any(
        "api.test" in line for line in all_logs.lines
    )  # httpx's own request line was captured, redacted
    for line in all_logs.lines:
        assert CANARY not in line


def test_canary_shapes_redacted_even_when_not_registered(all_logs: Collect) -> None:
    secret = "unregistered-9b8c7d6e5f"
    script = Script(httpx.Response(503))

    async def scenario() -> None:
        async with client_for(script, "wechat") as client:
            await call(
                client,
                "GET",
                f"/cgi-bin/freepublish/get?access_token={secret}",
                policy=RetryPolicy.immediate(attempts=2),
                idempotent=True,
                classify=lambda r: classify_http(r, "wechat"),
                sleep=FakeTime().sleep,
            )

    with pytest.raises(errors.TransientError) as info:
        run(scenario())
    assert secret not in str(info.value)
    assert "access_token=***" in str(info.value)
    assert any("retrying" in line for line in all_logs.lines)
    assert all(secret not in line for line in all_logs.lines)


async def _serve(behaviour: str, seen: list[bytes]) -> tuple[asyncio.AbstractServer, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        if behaviour == "hang":
            await asyncio.sleep(5)
        else:
            writer.write(
                b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_real_socket_write_read_timeout_is_unknown_and_httpcore_logs_are_clean(all_logs: Collect) -> None:
    register_secret(CANARY)
    seen: list[bytes] = []

    async def scenario() -> None:
        server, port = await _serve("hang", seen)
        async with server:
            client = make_client(
                base_url=f"http://127.0.0.1:{port}",
                platform="wechat",
                timeouts=Timeouts(connect=2.0, read=0.2, write=2.0, pool=2.0),
                headers={"access-token": CANARY},
            )
            async with client:
                await call(
                    client,
                    "POST",
                    f"/cgi-bin/freepublish/submit?access_token={CANARY}",
                    json={"media_id": "m"},
                    policy=RetryPolicy.immediate(),
                    idempotent=False,
                    classify=lambda r: classify_http(r, "wechat"),
                    sleep=FakeTime().sleep,
                )

    with pytest.raises(errors.OutcomeUnknown) as info:
        run(scenario())
    assert len(seen) == 1  # exactly one request reached the server
    assert CANARY not in "".join(traceback.format_exception(info.value))
    assert any(line.startswith("httpcore") for line in all_logs.lines)
    assert all(CANARY not in line for line in all_logs.lines)


def test_real_socket_connect_refused_is_retried_then_transient() -> None:
    async def scenario() -> None:
        server, port = await _serve("ok", [])
        server.close()
        await server.wait_closed()  # nothing listens on the port any more
        async with make_client(base_url=f"http://127.0.0.1:{port}", platform="douyin") as client:
            await call(
                client,
                "POST",
                "/api/douyin/v1/video/create_video/",
                json={},
                policy=RetryPolicy.immediate(attempts=3),
                idempotent=False,
                classify=lambda r: classify_http(r, "douyin"),
                sleep=fake.sleep,
            )

    fake = FakeTime()
    with pytest.raises(errors.TransientError) as info:
        run(scenario())
    assert type(info.value) is errors.TransientError
    assert len(fake.waits) == 2  # three connection attempts, all safe because nothing was sent
