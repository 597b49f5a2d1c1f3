"""Credentials: env, then keyring, then a 0600 file outside the workspace; redacted; never shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.errors import ConfigError
from publisher.redact import redact_text
from publisher.workspace.credentials import describe, env_var, load_credentials, missing_fields

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def write_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_env_var_name_upper_cases_and_replaces_non_alphanumerics() -> None:
    assert env_var("wechat-en.main", "secret") == "PUBLISHER_WECHAT_EN_MAIN_SECRET"
    assert env_var("producthunt", "token") == "PUBLISHER_PRODUCTHUNT_TOKEN"


def test_env_wins_over_keyring_and_file(tmp_path: Path) -> None:
    file = write_file(
        tmp_path / "cfg" / "credentials.toml",
        '[wechat_en]\nappid = "wxfromfile00001"\nsecret = "file-secret-0001"\n',
    )
    asked: list[tuple[str, str]] = []

    def keyring_get(service: str, username: str) -> str | None:
        asked.append((service, username))
        return "keyring-secret-01" if username == "wechat_en.secret" else None

    creds = load_credentials(
        "wechat_en",
        "wechat",
        env={"PUBLISHER_WECHAT_EN_APPID": "wxfromenv000001"},
        keyring_get=keyring_get,
        file=file,
    )
    assert dict(creds) == {"appid": "wxfromenv000001", "secret": "keyring-secret-01"}
    assert creds.sources == {"appid": "env", "secret": "keyring"}
    assert ("publisher", "wechat_en.secret") in asked and ("publisher", "wechat_en.appid") not in asked

    from_file = load_credentials("wechat_en", "wechat", env={}, keyring_get=lambda s, u: None, file=file)
    assert dict(from_file) == {"appid": "wxfromfile00001", "secret": "file-secret-0001"}
    assert from_file.sources == {"appid": "file", "secret": "file"}


def test_a_broken_keyring_backend_counts_as_no_value(tmp_path: Path) -> None:
    def broken(service: str, username: str) -> str | None:
        raise RuntimeError("no D-Bus secret service")

    creds = load_credentials("producthunt", "producthunt", env={}, keyring_get=broken, file=tmp_path / "none")
    assert dict(creds) == {} and missing_fields("producthunt", creds) == ["token"]


def test_group_readable_file_is_refused_with_the_chmod_hint(tmp_path: Path) -> None:
    file = write_file(tmp_path / "credentials.toml", '[producthunt]\ntoken = "ph-dev-token-123"\n', 0o644)
    with pytest.raises(ConfigError) as caught:
        load_credentials("producthunt", "producthunt", env={}, keyring_get=lambda s, u: None, file=file)
    message = str(caught.value)
    assert f"chmod 600 {file}" in message and "0644" in message
    assert "ph-dev-token-123" not in message
    # Still refused when the environment already covers every field: the file itself leaks.
    with pytest.raises(ConfigError):
        load_credentials(
            "producthunt", "producthunt", env={"PUBLISHER_PRODUCTHUNT_TOKEN": "x" * 12}, file=file
        )
    file.chmod(0o600)
    assert load_credentials(
        "producthunt", "producthunt", env={}, keyring_get=lambda s, u: None, file=file
    ) == {"token": "ph-dev-token-123"}


def test_file_inside_the_workspace_is_refused(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    file = write_file(
        workspace / "secrets" / "credentials.toml", '[producthunt]\ntoken = "ph-dev-token-123"\n'
    )
    with pytest.raises(ConfigError, match="inside the workspace"):
        load_credentials("producthunt", "producthunt", env={}, file=file, workspace=workspace)
    outside = write_file(
        tmp_path / "home" / "credentials.toml", '[producthunt]\ntoken = "ph-dev-token-123"\n'
    )
    creds = load_credentials("producthunt", "producthunt", env={}, file=outside, workspace=workspace)
    assert creds["token"] == "ph-dev-token-123"


def test_default_file_location_follows_the_environment(tmp_path: Path) -> None:
    file = write_file(tmp_path / "elsewhere.toml", '[douyin]\nclient_key = "awkey000001"\n')
    creds = load_credentials(
        "douyin", "douyin", env={"PUBLISHER_CREDENTIALS_FILE": str(file)}, keyring_get=lambda s, u: None
    )
    assert creds == {"client_key": "awkey000001"} and missing_fields("douyin", creds) == ["client_secret"]
    xdg = write_file(
        tmp_path / "xdg" / "publisher" / "credentials.toml", '[douyin]\nclient_secret = "cs-0000001"\n'
    )
    assert xdg.exists()
    creds = load_credentials(
        "douyin", "douyin", env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, keyring_get=lambda s, u: None
    )
    assert creds == {"client_secret": "cs-0000001"}


def test_unreadable_toml_error_does_not_quote_the_file(tmp_path: Path) -> None:
    file = write_file(tmp_path / "credentials.toml", '[producthunt]\ntoken = "ph-secret-broken\n')
    with pytest.raises(ConfigError) as caught:
        load_credentials("producthunt", "producthunt", env={}, keyring_get=lambda s, u: None, file=file)
    assert "ph-secret-broken" not in str(caught.value) and str(file) in str(caught.value)


def test_every_loaded_value_is_registered_for_redaction(tmp_path: Path) -> None:
    file = write_file(tmp_path / "credentials.toml", '[wx]\nsecret = "canary-file-secret-77"\n')
    load_credentials(
        "wx",
        "wechat",
        env={"PUBLISHER_WX_APPID": "wxcanaryappid77"},
        keyring_get=lambda s, u: None,
        file=file,
    )
    load_credentials("ph", "producthunt", env={}, keyring_get=lambda s, u: "canary-keyring-77", file=file)
    text = "values: wxcanaryappid77 canary-file-secret-77 canary-keyring-77"
    assert redact_text(text) == "values: *** *** ***"


def test_describe_never_contains_a_secret_and_names_the_source(tmp_path: Path) -> None:
    creds = load_credentials(
        "wechat",
        "wechat",
        env={"PUBLISHER_WECHAT_APPID": "wxdescribe000001", "PUBLISHER_WECHAT_SECRET": "describe-secret-9"},
        keyring_get=lambda s, u: None,
        file=tmp_path / "absent.toml",
    )
    row = describe("wechat", "wechat", creds, {"access_token": (NOW + timedelta(hours=2), {})}, now=NOW)
    dumped = json.dumps(row)
    assert "describe-secret-9" not in dumped and "wxdescribe000001" not in dumped
    assert row["state"] == "ok" and row["fields"] == {"appid": "set (env)", "secret": "set (env)"}
    assert row["tokens"]["access_token"]["state"] == "ok"

    missing = describe("wechat", "wechat", {"appid": "wxdescribe000001"}, now=NOW)
    assert missing["state"] == "missing" and missing["fields"]["secret"] == "missing"
    assert any("PUBLISHER_WECHAT_SECRET" in h for h in missing["hints"])


@pytest.mark.parametrize(
    ("expires_in", "state"),
    [(timedelta(days=20), "ok"), (timedelta(days=2), "expiring"), (timedelta(seconds=-1), "expired")],
)
def test_describe_douyin_refresh_token_expiry_and_renewals(expires_in: timedelta, state: str) -> None:
    creds = {"client_key": "awkey000001", "client_secret": "dy-secret-000001"}
    tokens = {
        "douyin_access": (NOW - timedelta(hours=1), {}),  # refreshes by itself: not decisive
        "douyin_refresh": (NOW + expires_in, {"renewals": 2}),
    }
    row = describe("douyin", "douyin", creds, tokens, now=NOW)
    assert row["state"] == state
    assert row["tokens"]["douyin_refresh"]["renewals_left"] == 3
    assert row["tokens"]["douyin_access"]["state"] == "expired"
    assert "dy-secret-000001" not in json.dumps(row)


def test_describe_douyin_without_any_grant_is_missing() -> None:
    creds = {"client_key": "awkey000001", "client_secret": "dy-secret-000001"}
    row = describe("douyin", "douyin", creds, {}, now=NOW)
    assert row["state"] == "missing" and any("OAuth" in h for h in row["hints"])
    assert describe("xiaohongshu", "xiaohongshu", {}, {}, now=NOW)["state"] == "ok"
