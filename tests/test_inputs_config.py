"""Property tests over what people write in `publisher.toml`, `schedules/*.yaml` and `publish_at`: each
input loads or gives an error naming the file and the key, never a traceback (HYPOTHESIS_PROFILE=fuzz:
many more)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from support.fuzzing import examples
from support.inputs import PUBLISH_AT, SCALARS, SHANGHAI, VALUES, ZONE_NAMES, mapping, with_tmp, yaml_text

from publisher.adapters.assisted import options_zone
from publisher.adapters.base import AdapterContext
from publisher.calendar.slots import parse_slots
from publisher.content.timeparse import TimeError, parse_publish_at
from publisher.daemon.jobs import parse_jobs
from publisher.errors import ConfigError
from publisher.workspace.settings import Workspace, load_settings


@settings(max_examples=examples(300))
@given(value=PUBLISH_AT)
@example(value="0001-01-01 00:00")
@example(value="9999-12-31 23:59 America/St_Johns")
@example(value="2026-12-01 12:00 America")
@example(value=10**30)
def test_any_publish_at_is_a_time_a_word_or_a_time_error(value: object) -> None:
    try:
        parsed = parse_publish_at(value, SHANGHAI)
    except TimeError as exc:
        assert exc.text("zh") and exc.text("en")
        return
    assert parsed is None or parsed in ("slot", "best") or parsed.utcoffset() is not None  # type: ignore[union-attr]


# -- publisher.toml ------------------------------------------------------------------------------------------


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None)
            + "}"
        )
    text = str(value)
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def _toml_key(key: object) -> str:
    return _toml_value(str(key))


WORKSPACE_KEYS = ["name", "timezone", "late_window", "require_approval", "database_url", "utm", "language"]
ACCOUNT_KEYS = ["platform", "mode", "default", "label", "verified", "bridge_url", "options"]
TABLES = ["accounts", "targets", "campaigns", "notify", "compliance"]


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    lines = ["[workspace]"]
    for key, value in draw(mapping(WORKSPACE_KEYS)).items():
        if value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for name in draw(
        st.lists(st.sampled_from(["xiaohongshu", "wechat", "douyin", "x", "小红书"]), max_size=3)
    ):
        lines.append(f"[accounts.{_toml_key(name)}]")
        account = draw(mapping(ACCOUNT_KEYS))
        account.setdefault("platform", draw(st.sampled_from(["xiaohongshu", "wechat", "nope", ""])))
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in account.items() if v is not None]
    for table in draw(st.lists(st.sampled_from(TABLES), max_size=2, unique=True)):
        value = draw(VALUES)
        if isinstance(value, dict):
            lines.append(f"[{table}]")
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        elif value is not None:
            lines.insert(0, f"{table} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


@with_tmp(100)
@given(text=toml_documents() | st.text(max_size=200))
@example(text='[workspace]\ntimezone = "America"\n')
@example(text='[workspace]\ntimezone = "' + "x" * 300 + '"\n')
@example(text="workspace = 3\n")
@example(text='workspace = "abc"\n')
@example(text='[workspace]\nlate_window = "1.2.3"\n')
@example(text="[workspace]\nlate_window = inf\n")
@example(text='[workspace]\nlate_window = "99999999999d"\n')
def test_any_settings_file_opens_or_names_the_file_and_key(tmp_path: Path, text: str) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text(text, encoding="utf-8")
    try:
        settings_ = load_settings(path, env={})
    except ConfigError as exc:
        assert exc.path == str(path) and str(exc)
        return
    ws = Workspace(root=tmp_path, settings=settings_, env={})
    assert ws.zone.key == settings_.timezone
    for seconds in (
        settings_.late_window,
        settings_.compliance.window,
        settings_.compliance.published_window,
    ):
        assert timedelta(seconds=seconds) + datetime(2026, 12, 1) < datetime.max
    assert ws.default_account("wechat")


# -- schedules/ ----------------------------------------------------------------------------------------------

SLOT_RULES = st.fixed_dictionaries(
    {},
    optional={
        "days": VALUES | st.sampled_from(["daily", "weekdays", "mon-fri", "sat,sun", ["mon", "thu"]]),
        "times": st.lists(SCALARS | st.sampled_from(["09:30", "12:00", "23:59"]), max_size=3) | VALUES,
        "capacity": VALUES,
    },
)
BLACKOUTS = st.fixed_dictionaries(
    {},
    optional={
        "date": VALUES | st.dates().map(str),
        "from": VALUES | st.dates().map(str),
        "until": VALUES | st.dates().map(str),
        "platforms": VALUES,
        "reason": VALUES,
    },
)
SLOTS = st.fixed_dictionaries(
    {},
    optional={
        "timezone": ZONE_NAMES | SCALARS,
        "horizon": SCALARS,
        "slots": st.dictionaries(
            st.sampled_from(["xiaohongshu", "wechat", "x"]), st.lists(SLOT_RULES, max_size=2) | VALUES
        )
        | VALUES,
        "blackout": st.lists(BLACKOUTS, max_size=2) | VALUES,
    },
)
JOB = st.fixed_dictionaries(
    {},
    optional={
        "run": st.sampled_from(["report.daily", "metrics.pull", "nope"]) | SCALARS,
        "cron": st.sampled_from(["0 9 * * *", "*/0 * * * *", "61 * * * *", "0 9 * * mon-fri", "x"]) | SCALARS,
        "before_due": SCALARS,
        "merge_within": SCALARS,
        "args": VALUES,
        "notify": SCALARS,
        "catch_up": SCALARS,
        "enabled": SCALARS,
        "description": SCALARS,
    },
)
JOBS = st.fixed_dictionaries(
    {},
    optional={"timezone": ZONE_NAMES | SCALARS, "jobs": st.dictionaries(SCALARS, JOB, max_size=2) | VALUES},
)


def _schedule(tmp_path: Path, data: object, raw: str | None) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(raw if raw is not None else yaml_text(data), encoding="utf-8")
    return path


@with_tmp(150)
@given(data=SLOTS, raw=st.none() | st.text(max_size=80))
@example(data={"blackout": 5}, raw=None)
@example(data={"horizon": "1.2.3"}, raw=None)
@example(data={"timezone": "America"}, raw=None)
def test_any_slots_file_loads_or_names_the_file_and_key(
    tmp_path: Path, data: object, raw: str | None
) -> None:
    try:
        config = parse_slots(_schedule(tmp_path, data, raw), "Asia/Shanghai")
    except ConfigError as exc:
        assert exc.path == "schedules/slots.yaml" and str(exc)
        return
    assert config.horizon_s >= 0


@with_tmp(150)
@given(data=JOBS, raw=st.none() | st.text(max_size=80))
@example(data={"jobs": {"a": {"run": "report.daily", "before_due": "1.2.3"}}}, raw=None)
@example(data={"timezone": "Etc"}, raw=None)
def test_any_jobs_file_loads_or_names_the_file_and_key(tmp_path: Path, data: object, raw: str | None) -> None:
    try:
        jobs = parse_jobs(_schedule(tmp_path, data, raw), "Asia/Shanghai")
    except ConfigError as exc:
        assert exc.path == "schedules/jobs.yaml" and str(exc)
        return
    for job in jobs:
        assert (job.cron is None) != (job.before_due_s is None)


def test_an_account_zone_that_is_a_folder_is_a_config_error_naming_the_option() -> None:
    ctx = AdapterContext(account="xhs", mode="assisted", base_url="", options={"timezone": "America"})
    try:
        options_zone(ctx)
    except ConfigError as exc:
        assert exc.key == "accounts.xhs.options.timezone" and "America" in str(exc)
    else:
        raise AssertionError("a folder of zones is not a zone")
    assert options_zone(AdapterContext(account="xhs", mode="assisted", base_url="")).key == "Asia/Shanghai"
