"""Tests of publisher.redact: secret shapes, registered secrets, log records."""

from __future__ import annotations

import io
import json
import logging
import sys
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import examples

from publisher.redact import (
    MASK,
    RedactingFilter,
    SecretRegistry,
    install_logging_redaction,
    redact_record,
    redact_text,
    redact_url,
    register_secret,
)

TOKEN = "wxTOK_8f3a9c2e71d04b6a"  # not registered: proves the shape-based rules work alone


@pytest.mark.parametrize(
    "text",
    [
        f"https://api.weixin.qq.com/cgi-bin/draft/add?access_token={TOKEN}",
        f"https://api.weixin.qq.com/cgi-bin/draft/add?foo=1&access_token={TOKEN}&bar=2",
        f"/cgi-bin/token?grant_type=client_credential&appid=wx1&secret={TOKEN}",
        f"grant_type=refresh_token&client_key=ck&refresh_token={TOKEN}",
        f"client_secret={TOKEN}&code=abc",
        f"https://example.test/cb?code={TOKEN}&state=s",
        f"appsecret={TOKEN}",
        f"sign={TOKEN}&signature={TOKEN}",
        f"password={TOKEN}",
        f"token={TOKEN}",
        f"ACCESS_TOKEN={TOKEN}",
        f"Authorization: Bearer {TOKEN}",
        f"authorization: token {TOKEN}",
        f"Cookie: a1={TOKEN}; web_session=x",
        f"Set-Cookie: web_session={TOKEN}; Path=/; HttpOnly",
        f"access-token: act.{TOKEN}",
        f"request headers: {{'access-token': 'act.{TOKEN}', 'accept': '*/*'}}",
        f'{{"access_token": "{TOKEN}", "expires_in": 7200}}',
        f'{{"access_token":"{TOKEN}","refresh_token":"{TOKEN}x"}}',
        f'{{"client_secret": "a\\"{TOKEN}"}}',
        f"Bearer {TOKEN}",
        f"login(secret='{TOKEN}')",
        f'login(password="{TOKEN}")',
        f"URL('https://h/x?access_token={TOKEN}')",
        f"https://user:{TOKEN}@proxy.example:8080/",
    ],
)
def test_redact_text_removes_secret_shapes(text: str) -> None:
    out = redact_text(text)
    assert TOKEN not in out
    assert MASK in out


def test_redact_text_keeps_public_values() -> None:
    text = "client_key=aw123&open_id=u1&errcode=40001&grant_type=client_credential&appid=wx1"
    assert redact_text(text) == text
    body = '{"errcode": 45009, "errmsg": "reach max api daily quota limit rid: 1"}'
    assert redact_text(body) == body
    assert redact_text('{"code": 300012, "msg": "ip blocked"}') == '{"code": 300012, "msg": "ip blocked"}'


def test_redact_text_url_encoded_values() -> None:
    value = quote("tok+en/with=chars==", safe="")
    out = redact_text(f"https://h/p?access_token={value}&x=1")
    assert out == f"https://h/p?access_token={MASK}&x=1"
    nested = "redirect_uri=" + quote(f"https://app.test/cb?code={TOKEN}&state=1", safe="")
    out = redact_text(nested)
    assert TOKEN not in out
    assert "state%3D1" in out  # the rest of the encoded URL survives
    enc_key = "next=%2Fapi%3Faccess_token%3D" + TOKEN + "%26x%3D1"
    assert TOKEN not in redact_text(enc_key)


def test_redact_text_keeps_url_structure() -> None:
    url = f"https://api.weixin.qq.com/cgi-bin/freepublish/submit?access_token={TOKEN}&x=1#frag"
    assert redact_url(url) == "https://api.weixin.qq.com/cgi-bin/freepublish/submit?access_token=***&x=1#frag"


def test_registered_secret_masked_in_raw_and_escaped_forms() -> None:
    secret = "Reg1stered+Secret/Value=="
    register_secret(secret)
    assert secret not in redact_text(f"the platform echoed {secret} back")
    assert quote(secret, safe="") not in redact_text(f"x?q={quote(secret, safe='')}")
    assert quote_plus(secret) not in redact_text(f"x={quote_plus(secret)}")
    escaped = json.dumps({"note": secret + '"'})
    assert secret not in redact_text(escaped)


def test_a_text_found_clean_is_masked_once_its_secret_is_registered() -> None:
    """Texts with nothing to mask are remembered as clean, but only under the secrets they were checked with:
    the same text asked again after its secret was registered is masked."""
    registry = SecretRegistry()
    text = "dry run: recorded for Acct-Token-4711, nothing sent"
    assert redact_text(text, registry=registry) == text
    assert redact_text(text, registry=registry) == text  # remembered as clean
    registry.register("Acct-Token-4711")
    assert redact_text(text, registry=registry) == "dry run: recorded for ***, nothing sent"


def test_register_secret_ignores_short_and_empty_values() -> None:
    registry = SecretRegistry()
    registry.register("")
    registry.register(None)
    registry.register("abcde")
    assert len(registry) == 0
    assert redact_text("abcde abcde", registry=registry) == "abcde abcde"
    registry.register("abcdef")
    assert redact_text("abcdef abcdef", registry=registry) == "*** ***"
    assert "abcdef" not in SecretRegistry().values


SAFE_TOKEN_CHARS = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_.~+/=%"),
    min_size=6,
    max_size=40,
)


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_redact_text_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.text(max_size=80), secret=SAFE_TOKEN_CHARS, suffix=st.text(max_size=80))
def test_registered_secret_never_survives(prefix: str, secret: str, suffix: str) -> None:
    registry = SecretRegistry()  # private: random secrets must not leak into other tests' redaction
    registry.register(secret)
    out = redact_text(prefix + secret + suffix, registry=registry)
    assert secret not in out
    assert redact_text(out, registry=registry) == out


@settings(max_examples=examples(200))
@given(
    st.lists(st.sampled_from(["access_token", "secret", "code", "x", "token"]), min_size=1, max_size=4),
    SAFE_TOKEN_CHARS,
)
def test_query_secret_values_never_survive(keys: list[str], value: str) -> None:
    value = "Z" + value  # never empty and never starting with a quote
    query = "&".join(f"{k}={quote(value, safe='')}" for k in keys)
    out = redact_text(f"https://h/p?{query}")
    for key in keys:
        if key != "x":
            assert f"{key}={quote(value, safe='')}" not in out


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"boom access_token={TOKEN}")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args or None, exc_info)


def test_filter_redacts_message_args_and_exception() -> None:
    record = _record("GET %s", f"https://h/?access_token={TOKEN}", exc=True)
    assert RedactingFilter().filter(record) is True
    text = logging.Formatter().format(record)
    assert TOKEN not in text
    assert "boom" in text  # the exception text is still there, redacted
    assert record.exc_info is None


def test_redact_record_survives_bad_format_args() -> None:
    record = _record("%d items", f"secret={TOKEN}")
    redact_record(record)
    assert TOKEN not in record.getMessage()


def test_install_logging_redaction_covers_later_handlers(caplog: pytest.LogCaptureFixture) -> None:
    install_logging_redaction(verbose=False)
    install_logging_redaction(verbose=False)  # idempotent
    root = logging.getLogger()
    assert sum(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters) == 1
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    caplog.set_level(logging.DEBUG)  # caplog's handler is attached after installation
    logging.getLogger("publisher.some.module").info(
        "got %s from %s", {"access_token": TOKEN}, f"/t?secret={TOKEN}"
    )
    logging.getLogger("httpx").warning("HTTP Request: GET https://h/?access_token=%s", TOKEN)
    assert caplog.records
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text
    # A logger set up after installation, with its own handler and no filter: only the record factory helps.
    late = logging.StreamHandler(io.StringIO())
    late_logger = logging.getLogger("publisher.test_late")
    late_logger.propagate = False
    late_logger.addHandler(late)
    try:
        late_logger.warning("refresh with client_secret=%s failed", TOKEN)
    finally:
        late_logger.removeHandler(late)
        late_logger.propagate = True
    assert "client_secret=***" in late.stream.getvalue()
    assert TOKEN not in late.stream.getvalue()
    install_logging_redaction(verbose=True)
    assert logging.getLogger("httpx").level == logging.NOTSET
    assert root is logging.getLogger()


def test_uvicorn_access_log_formats_after_redaction() -> None:
    """`publisher sandbox` logs each request through uvicorn's access formatter, which reads record.args."""
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/cgi-bin/token?access_token={TOKEN}", "1.1", 200),
        None,
    )
    redact_record(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(
        record
    )
    assert "GET /cgi-bin/token?access_token=" in line and "200" in line
    assert TOKEN not in line
