"""Reports from a seeded history: golden files, KPIs, XLSX read back, periods, best time, health, jobs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from publisher import reports
from publisher.errors import UsageError
from publisher.models import Item, Target
from publisher.reports.history import add_expiring_token, seed_history
from publisher.reports.period import parse_period
from publisher.store import Store, open_store
from publisher.workspace.settings import Workspace, open_workspace

GOLDEN = Path(__file__).parent / "golden" / "reports"
NOW = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai, when the weekly job runs
SH = ZoneInfo("Asia/Shanghai")
CANARY = "tok-CANARY-7f3a9"
TOML = """
[workspace]
name = "周报助手 运营"
timezone = "Asia/Shanghai"
language = "zh"

[accounts.wechat]
platform = "wechat"
[accounts.douyin]
platform = "douyin"
[accounts.xiaohongshu]
platform = "xiaohongshu"
[accounts.producthunt]
platform = "producthunt"

[targets]
publish_success_rate = 0.95
on_time_rate = 0.90
followers_growth_month = 500
engagement_rate = { xiaohongshu = 0.05, douyin = 0.04, wechat = 0.03, producthunt = 0.10 }
"""


def make_workspace(root: Path) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(TOML, encoding="utf-8")
    return open_workspace(root, env={})


def seeded(root: Path) -> tuple[Workspace, Store]:
    ws = make_workspace(root)
    store = open_store(f"sqlite:///{root / '.publisher' / 'publisher.db'}")
    accounts = {name: account.platform for name, account in ws.settings.accounts.items()}
    seed_history(store, seed=3, first_day=date(2026, 12, 14), days=28, now=NOW, accounts=accounts)
    add_expiring_token(store, "douyin", "douyin_refresh", datetime(2027, 1, 14, tzinfo=UTC), CANARY)
    return ws, store


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Store]:
    return seeded(tmp_path_factory.mktemp("reports") / "ws")


CASES = [
    ("weekly", "2027-W01", "zh", "md"),
    ("weekly", "2027-W01", "zh", "json"),
    ("weekly", "2027-W01", "en", "md"),
    ("daily", "2027-01-08", "zh", "md"),
    ("engagement", "2027-W01", "zh", "csv"),
    ("engagement", "2027-01-04..2027-01-10", "en", "md"),
]


@pytest.mark.parametrize(("kind", "period", "lang", "fmt"), CASES)
def test_reports_match_their_golden_files(
    history: tuple[Workspace, Store],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    kind: str,
    period: str,
    lang: str,
    fmt: str,
) -> None:
    ws, store = history
    report = reports.build(kind, store, ws, period=period, lang=lang, now=NOW)
    out = reports.write(report, fmt, tmp_path / f"r.{fmt}")
    text = out.read_text(encoding="utf-8-sig")
    golden = GOLDEN / f"{kind}-{period.replace('..', '_')}-{lang}.{fmt}"
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden.name} missing: run with --update-golden and review it"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs (run with --update-golden, review)"
    )
    assert CANARY not in text


def test_weekly_kpi_table_judges_against_the_targets(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    kpis = {k.key: k for k in report.kpis}
    assert (
        kpis["publish_success_rate"].actual == "97.4% (38/39)" and kpis["publish_success_rate"].status == "✅"
    )
    assert kpis["on_time_rate"].ok is False and kpis["on_time_rate"].status == "⚠️"  # 40-minute-late posts
    assert kpis["followers_growth"].target == "+117"  # 500 a month, scaled to 7 days
    assert {"engagement_rate.wechat", "engagement_rate.douyin", "engagement_rate.xiaohongshu"} <= set(kpis)
    md = reports.writers.render_markdown(report)
    assert "| 指标 | 目标 | 实际 | 状态 |" in md and "| 准时发布率 | 90.0% | 84.2% (32/38) | ⚠️ |" in md


def test_a_missed_target_and_no_data_are_told_apart(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "empty")
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    assert all(k.ok is None and k.status == "—" for k in report.kpis)
    assert report.published == [] and report.engagement == [] and report.risks == []
    assert "无" in reports.writers.render_markdown(report)


def test_risks_name_failures_people_expiring_tokens_and_falling_engagement(
    history: tuple[Workspace, Store],
) -> None:
    ws, store = history
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    text = "\n".join(report.risks)
    assert "[需人工处理] #141" in text and "needs_attention" not in text
    assert "douyin_refresh 将于 2027-01-14 08:00 过期" in text and CANARY not in text
    assert "抖音 24 小时互动较上期下降" in text
    # Old failures stay out of this week's list; the ones in it are in `failed`.
    assert "#13 " not in text and [p.id for p in report.failed] == [141]


def test_a_past_days_or_weeks_report_lists_no_problem_from_after_its_end(tmp_path: Path) -> None:
    """What a rehearsal's daily job (or `--period` weeks later) shows for day D: nothing from after the end of
    D in the workspace's time zone, however late `now` is."""
    from publisher.store.reports import insert_history
    from publisher.store.tokens import mark_needs_reauth

    ws, store = seeded(tmp_path / "ws")
    before_midnight, after_midnight, failed_after = 9001, 9002, 9003
    cases = (
        (before_midnight, "awaiting_manual", datetime(2027, 1, 8, 23, 30, tzinfo=SH)),
        (after_midnight, "needs_attention", datetime(2027, 1, 9, 0, 30, tzinfo=SH)),
        (failed_after, "failed", datetime(2027, 1, 9, 8, 0, tzinfo=SH)),
    )
    insert_history(
        store,
        items=[
            {
                "id": f"i{n}",
                "path": f"content/i{n}.md",
                "hash": f"h{n}",
                "fields": {},
                "status": "ready",
                "title": f"边界 {n}",
                "synced_at": NOW,
            }
            for n, _, _ in cases
        ],
        posts=[
            {
                "id": n,
                "item_id": f"i{n}",
                "platform": "wechat",
                "account": "wechat",
                "state": state,
                "due_at": due.astimezone(UTC),
                "ids": {},
                "created_at": due.astimezone(UTC),
                "updated_at": due.astimezone(UTC),
            }
            for n, state, due in cases
        ],
    )
    mark_needs_reauth(
        store, "wechat", reason="token revoked", post_id=None, now=datetime(2027, 1, 9, 1, tzinfo=SH)
    )
    add_expiring_token(store, "wechat", "wechat_refresh", datetime(2027, 1, 16, 12, tzinfo=SH), CANARY)

    def risks(kind: str, period: str) -> str:
        report = reports.build(kind, store, ws, period=period, now=NOW)  # NOW: 2027-01-11 09:30
        return "\n".join(report.risks) + "\n" + reports.writers.render_html(report)

    day = risks("daily", "2027-01-08")  # ends 2027-01-09 00:00 in Shanghai
    assert f"#{before_midnight} " in day
    assert f"#{after_midnight} " not in day and f"#{failed_after} " not in day
    assert "#141 " not in day  # the seeded person-waiting post of 2027-01-09
    assert "token revoked" not in day  # flagged on the 9th
    assert "wechat_refresh" not in day  # expires more than 7 days after the 8th's end
    assert "douyin_refresh 将于 2027-01-14 08:00 过期" in day
    next_day = risks("daily", "2027-01-09")
    assert (
        f"#{after_midnight} " in next_day and f"#{failed_after} " in next_day and "token revoked" in next_day
    )
    assert "wechat_refresh" in next_day
    week = risks("weekly", "2026-W53")  # 2026-12-28..2027-01-03
    assert f"#{before_midnight} " not in week and "#141 " not in week and "token revoked" not in week
    this_week = risks("weekly", "2027-W01")
    assert all(f"#{n} " in this_week for n in (before_midnight, after_midnight, failed_after, 141))


def test_next_periods_plan_comes_from_the_queue(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    assert report.next_period is not None and report.next_period.label == "2027-W02"
    assert report.plan and all(p.state == "queued" and p.when.startswith("2027-01-1") for p in report.plan)


def test_a_past_days_plan_is_what_was_due_the_next_day(history: tuple[Workspace, Store]) -> None:
    """明日计划 of a day two days back: every post that was due the day after it, as it ended (published,
    waiting for a person, ...), never "none" because nothing is still queued for a day already over."""
    ws, store = history
    report = reports.build("daily", store, ws, period="2027-01-08", now=NOW)
    due_9th = [
        p
        for p in reports.data.all_posts(store)
        if p.due_at is not None and p.due_at.astimezone(SH).date().isoformat() == "2027-01-09"
    ]
    expected = {p.id for p in due_9th if p.state != "cancelled"}
    assert expected and {p.id for p in report.plan} == expected
    assert 141 in expected and any(p.state != "queued" for p in report.plan)
    live = reports.build("daily", store, ws, period="2027-01-10", now=NOW)  # the plan of today, 09:30 on
    assert all(p.state == "queued" and p.when >= "2027-01-11 09:30" for p in live.plan)


def test_engagement_rows_carry_latest_figures_and_change(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    report = reports.build("engagement", store, ws, period="2027-W01", now=NOW)
    rows = {r.post_id: r for r in report.engagement}
    fresh = rows[112]  # published in the period: its change is its whole value
    assert (
        fresh.change == fresh.figures
        and fresh.views_24h is not None
        and fresh.views_24h <= fresh.figures["views"]
    )
    old = rows[84]  # published before: it gained a little during the week
    assert 0 < old.interactions_change < old.interactions
    assert rows[119].figures.keys() == {"votes", "comments"} and rows[119].engagement_rate is None
    wechat = next(r for r in report.engagement if r.platform == "wechat")
    assert "zaikan" in wechat.figures  # a platform's own figure, kept under its own name


def test_xlsx_reads_back_typed_with_a_frozen_header(history: tuple[Workspace, Store], tmp_path: Path) -> None:
    ws, store = history
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    path = reports.write(report, "xlsx", tmp_path / "weekly.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:2] == ["指标达成", "已发布"] and "帖子互动明细·抖音" in wb.sheetnames
    kpi = wb["指标达成"]
    assert kpi.freeze_panes == "A2" and kpi.auto_filter.ref == kpi.dimensions
    assert [c.value for c in kpi[1]][:4] == ["指标", "目标", "实际", "状态"]
    rows = {r[0].value: r for r in kpi.iter_rows(min_row=2)}
    success = rows["发布成功率"]
    assert success[1].value == 0.95 and success[2].value == 0.9744 and success[1].number_format == "0.0%"
    assert success[3].value == "✅ 达标" and rows["准时发布率"][3].value == "⚠️ 未达标"
    growth = rows["涨粉"]
    assert growth[1].value == 117 and growth[2].value == 797 and "%" not in growth[2].number_format
    eng = wb["帖子互动明细·抖音"]
    assert eng.freeze_panes == "A2" and eng.auto_filter.ref == eng.dimensions
    head = [c.value for c in eng[1]]
    assert "播放" in head and "阅读/播放" not in head and len(head) == len(set(head))  # its own words, once
    row = [c.value for c in eng[2]]
    assert row[head.index("平台")] == "抖音"
    assert isinstance(row[head.index("ID")], int)
    assert isinstance(row[head.index("发布时间")], datetime)
    assert isinstance(row[head.index("播放")], int)
    rate = eng.cell(2, head.index("互动率") + 1)
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
    title = eng.column_dimensions["C"].width
    longest = max(reports.writers.text_width(r.title) for r in report.engagement)
    assert head[2] == "标题" and title is not None and title >= max(30, longest)  # CJK counts double
    assert eng.max_row == sum(1 for r in report.engagement if r.platform == "douyin") + 1
    published = wb["已发布"]
    assert published.max_row == len(report.published) + 1 and isinstance(published["A2"].value, datetime)
    assert published["B2"].value in {"小红书", "抖音", "微信公众号", "Product Hunt"}
    assert published["E2"].value == "已发布"


def test_xlsx_sheet_names_fit_excels_31_characters_whole_words_and_unique(tmp_path: Path) -> None:
    """With every registered platform, in both languages, every sheet is named by its short title, and the
    platform's whole name after a · (Excel refuses names over 31 characters; cutting them gave
    "Engagement per post·Product Hun")."""
    from publisher.adapters import platforms
    from publisher.reports.i18n import platform_name, t
    from publisher.reports.sheets import SHEET_MAX

    names = sorted(platforms())
    root = tmp_path / "all"
    root.mkdir()
    accounts = "".join(f'[accounts.{p}]\nplatform = "{p}"\n' for p in names)
    (root / "publisher.toml").write_text(
        f'[workspace]\nname = "x"\ntimezone = "Asia/Shanghai"\n{accounts}', encoding="utf-8"
    )
    ws = open_workspace(root, env={})
    store = open_store(f"sqlite:///{root / 'p.db'}")
    seed_history(
        store, seed=3, first_day=date(2026, 12, 28), days=14, now=NOW, accounts={p: p for p in names}
    )
    seen = 0
    for lang in ("zh", "en"):
        titles = {t(k, lang) for k in ("kpi", "published", "failed", "plan_week", "plan_day", "risks")}
        titles |= {t(k, lang) for k in ("health", "best_time", "engagement_sheet")}
        whole = titles | {f"{t('engagement_sheet', lang)}·{platform_name(p, lang)}" for p in names}
        for kind, period in (("weekly", "2027-W01"), ("daily", "2027-01-08"), ("engagement", "2027-W01")):
            report = reports.build(kind, store, ws, period=period, lang=lang, now=NOW)
            sheets = load_workbook(reports.write(report, "xlsx", tmp_path / f"{kind}-{lang}.xlsx")).sheetnames
            assert all(len(s) <= SHEET_MAX for s in sheets), sheets
            assert len({s.casefold() for s in sheets}) == len(sheets), sheets
            assert set(sheets) <= whole, set(sheets) - whole  # each a whole title, with a whole platform name
            seen += sum("·" in s for s in sheets)
    with_figures = [p for p, spec in platforms().items() if spec.metrics]
    assert seen == 2 * 3 * len(with_figures)  # every platform with figures has its engagement sheet


def test_a_sheet_name_too_long_for_a_platform_keeps_whole_words_then_numbers() -> None:
    from publisher.reports.sheets import sheet_name

    assert sheet_name("Post engagement", "Product Hunt", []) == "Post engagement·Product Hunt"
    assert sheet_name("Post engagement", "WeChat Official Accounts", []) == "Post engagement·WeChat Official"
    taken = ["post engagement·wechat official"]  # Excel compares names without case
    assert sheet_name("Post engagement", "WeChat Official Accounts", taken) == "Post engagement·WeChat"
    assert sheet_name("Post engagement", "Supercalifragilistic_platform", []) == "Post engagement 2"
    assert sheet_name("帖子互动明细", "a/b:c", []) == "帖子互动明细·a b c"  # characters Excel refuses
    assert sheet_name("Targets", None, ["Targets"]) == "Targets 2"


def test_xlsx_health_and_best_time_sheets_list_every_account_or_say_there_is_none(
    history: tuple[Workspace, Store], tmp_path: Path
) -> None:
    """A week before any post was measured at T+24 h still lists each account's health and best time (no
    slot, and the basis that says why), as the Markdown does; a workspace with no account at all says so in
    the reader's language instead of leaving a bare header."""
    ws, store = history
    report = reports.build("weekly", store, ws, period="2026-W49", now=NOW)
    assert all(not b.slots for b in report.best_times)
    wb = load_workbook(reports.write(report, "xlsx", tmp_path / "early.xlsx"))
    accounts = {"wechat", "douyin", "xiaohongshu", "producthunt"}
    health = list(wb["账号健康度"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in health} == accounts and all(r[-1] == "窗口内无可评估的数据" for r in health)
    best = wb["最佳发布时间"]
    assert [c.value for c in best[1]][-1] == "计算方式"
    rows = list(best.iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == accounts and len(rows) == len(accounts)
    assert all(r[2] == "—" and r[5] == 0 and "近 90 天 0 条帖子" in r[6] for r in rows)
    md = reports.writers.render_markdown(report)
    assert "| 抖音 | douyin | — | 近 90 天 0 条帖子" in md  # the same rows as the Markdown's

    # Where there is data, every slot row carries the basis too.
    full = load_workbook(
        reports.write(
            reports.build("weekly", store, ws, period="2027-W01", now=NOW), "xlsx", tmp_path / "w.xlsx"
        )
    )
    slots = list(full["最佳发布时间"].iter_rows(min_row=2, values_only=True))
    assert len(slots) == 20 and all(isinstance(r[3], int) and "近 90 天" in r[6] for r in slots)

    for lang, none, sheets in (
        ("zh", "无", ("账号健康度", "最佳发布时间")),
        ("en", "none", ("Account health", "Best time to post")),
    ):
        root = tmp_path / f"bare-{lang}"
        root.mkdir()
        (root / "publisher.toml").write_text(
            f'[workspace]\nname = "x"\nlanguage = "{lang}"\n', encoding="utf-8"
        )
        bare = open_workspace(root, env={})
        empty = open_store(f"sqlite:///{root / 'p.db'}")
        nothing = reports.build("weekly", empty, bare, period="2027-W01", now=NOW)
        book = load_workbook(reports.write(nothing, "xlsx", root / "r.xlsx"))
        for name in sheets:
            assert [[c.value for c in r] for r in book[name].iter_rows(min_row=2)] == [
                [none] + [None] * (book[name].max_column - 1)
            ], name
        assert all(sheet.max_row >= 2 for sheet in book.worksheets)  # no sheet is a bare header


def test_engagement_tables_show_each_platforms_own_figures_once(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    report = reports.build("engagement", store, ws, period="2027-W01", now=NOW)
    shown = {platform: names for platform, names, _ in report.by_platform()}
    assert "plays" not in shown["douyin"] and "views" in shown["douyin"]  # play_count is one figure
    assert "likes" not in shown["producthunt"] and "votes" in shown["producthunt"]
    md = reports.writers.render_markdown(report)
    assert "| 标题 | 发布时间 | 播放 | 点赞 | 评论 | 分享 |" in md  # Douyin's words
    assert "| 标题 | 发布时间 | 阅读 | 点赞 | 分享 | 在看 | 留言 | 收藏 |" in md  # WeChat's
    header = reports.writers.render_csv(report).splitlines()[0].split(",")
    assert len(header) == len(set(header)) and len(header) < 25
    assert not set(header) & {"votes", "zaikan", "plays", "total_play", "post_id", "url", "published_at"}


def test_csv_and_json_exports_parse(history: tuple[Workspace, Store], tmp_path: Path) -> None:
    import csv

    ws, store = history
    report = reports.build("engagement", store, ws, period="2027-W01", now=NOW)
    rows = list(csv.DictReader(reports.write(report, "csv", tmp_path / "e.csv").open(encoding="utf-8-sig")))
    assert len(rows) == len(report.engagement) and rows[0]["ID"] == str(report.engagement[0].post_id)
    data = json.loads(reports.write(report, "json", tmp_path / "e.json").read_text(encoding="utf-8"))
    assert data["kind"] == "engagement" and data["period"]["label"] == "2027-W01"
    assert len(data["engagement"]) == len(report.engagement)


def _timestamps(value: object, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _timestamps(v, k)]
    if isinstance(value, list):
        return [t for v in value for t in _timestamps(v, key)]
    if isinstance(value, str) and key in {"when", "published_at", "taken_at", "generated_at"}:
        return [value]
    return []


def test_json_keeps_numbers_as_numbers_and_every_timestamp_has_its_offset(
    history: tuple[Workspace, Store], tmp_path: Path
) -> None:
    ws, store = history
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    data = json.loads(reports.write(report, "json", tmp_path / "w.json").read_text(encoding="utf-8"))
    kpis = {k["key"]: k for k in data["kpis"]}
    assert kpis["publish_success_rate"]["target"] == 0.95 and kpis["publish_success_rate"]["actual"] == 0.9744
    assert (
        kpis["publish_success_rate"]["numerator"] == 38 and kpis["publish_success_rate"]["denominator"] == 39
    )
    assert kpis["followers_growth"]["target"] == 117 and kpis["followers_growth"]["actual"] == 797
    assert kpis["on_time_rate"]["ok"] is False and kpis["on_time_rate"]["status"] == "⚠️"
    row = data["engagement"][0]
    assert isinstance(row["figures"]["views"], (int, float)) and isinstance(row["engagement_rate"], float)
    stamps = _timestamps(data)
    assert len(stamps) > 100
    for stamp in stamps:
        assert datetime.fromisoformat(stamp).utcoffset() is not None, stamp
    assert data["generated_at"] == "2027-01-11T09:30:00+08:00"


def test_periods_parse_days_weeks_months_ranges_and_job_words() -> None:
    p = parse_period("2027-W01", zone=SH, now=NOW)
    assert (p.first, p.last, p.start) == (
        date(2027, 1, 4),
        date(2027, 1, 10),
        datetime(2027, 1, 3, 16, tzinfo=UTC),
    )
    assert parse_period("2027-01", zone=SH, now=NOW).last == date(2027, 1, 31)
    assert parse_period("2028-02", zone=SH, now=NOW).last == date(2028, 2, 29)
    assert parse_period("2027-01-04", zone=SH, now=NOW).label == "2027-01-04"
    assert parse_period("2027-01-01..2027-01-03", zone=SH, now=NOW).days == 3
    assert parse_period("yesterday", zone=SH, now=NOW).first == date(2027, 1, 10)
    assert parse_period("last_week", zone=SH, now=NOW).label == "2027-W01"
    assert parse_period("2027-01", zone=SH, now=NOW).previous().label == "2026-12"
    assert parse_period("2027-W01", zone=SH, now=NOW).previous().label == "2026-W53"
    for bad in ("2027-W60", "2027-13", "2027-01-09..2027-01-01", "soon"):
        with pytest.raises(UsageError):
            parse_period(bad, zone=SH, now=NOW)


def test_iso_weeks_and_rehearsed_windows_are_exact() -> None:
    week = parse_period("2027-W01", zone=SH, now=NOW)
    assert week.days == 7 and week.end - week.start == timedelta(days=7)
    start = datetime(2026, 11, 30, 16, tzinfo=UTC)  # 2026-12-01 00:00 in Shanghai
    two_weeks = reports.between(start, start + timedelta(days=14), SH)
    assert two_weeks.days == 14 and (two_weeks.first, two_weeks.last) == (
        date(2026, 12, 1),
        date(2026, 12, 14),
    )
    one = reports.between(datetime(2027, 1, 3, 16, tzinfo=UTC), datetime(2027, 1, 10, 16, tzinfo=UTC), SH)
    assert one.label == "2027-W01" and one.days == 7


def test_rehearsed_fortnight_scales_the_follower_target_by_14_days(
    history: tuple[Workspace, Store], tmp_path: Path
) -> None:
    ws, store = history
    window = reports.between(
        datetime(2026, 12, 27, 16, tzinfo=UTC), datetime(2027, 1, 10, 16, tzinfo=UTC), SH
    )
    paths = reports.rehearsal_reports(ws, store, period=window, now=NOW, out_dir=tmp_path / "r")
    md = paths[0].read_text(encoding="utf-8")
    assert "# 演练总结" in md and "按月目标 500 × 14/30 折算" in md and "| 涨粉 | +233 |" in md
    # the whole window, not a week: no 本周 or 下周 in its headings (the weekly job's reports keep theirs)
    assert "## 演练期间概览" in md and "## 演练之后的计划（2027-01-11..2027-01-24）" in md
    assert "运营周报" not in md.splitlines()[0] and "本周总结" not in md and "下周计划" not in md


def test_weekly_and_daily_follow_the_seed_templates(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    weekly = reports.writers.render_markdown(reports.build("weekly", store, ws, period="2027-W01", now=NOW))
    heads = [line for line in weekly.splitlines() if line.startswith(("## ", "### "))]
    seed = ["## 本周总结", "### 完成事项", "### 关键成果", "## 指标达成", "## 问题与风险", "## 下周计划"]
    assert [h.split("（")[0] for h in heads[:6]] == seed
    assert (
        "| 指标 | 目标 | 实际 | 状态 |" in weekly
        and "- [ ] 2027-01-11 12:00 微信公众号《周报 技巧 #153》" in weekly
    )
    assert "KPI" not in weekly and "下期计划" not in weekly
    daily = reports.writers.render_markdown(reports.build("daily", store, ws, period="2027-01-08", now=NOW))
    heads = [line.split("（")[0] for line in daily.splitlines() if line.startswith("## ")]
    assert heads[:4] == ["## 今日完成", "## 关键指标", "## 待解决问题", "## 明日计划"]


def test_language_follows_the_workspace_or_lang_and_a_bad_one_is_a_usage_error(
    history: tuple[Workspace, Store],
) -> None:
    ws, store = history
    en = reports.build("weekly", store, ws, period="2027-W01", lang="en", now=NOW)
    text = "\n".join(en.risks)
    assert "[needs a person] #141" in text and "interactions at T+24 h fell" in text
    md = reports.writers.render_markdown(en)
    assert "## This week" in md and "## Targets" in md and "## Next week's plan" in md
    with pytest.raises(UsageError, match="language"):
        reports.build("weekly", store, ws, period="2027-W01", lang="fr", now=NOW)


def test_a_post_is_a_tiezi_and_an_item_is_neirong_in_the_reports() -> None:
    """The reports' words for the two things, as the CLI, MCP tools and dashboard use them: an item (one
    Markdown file) is 内容, a post (one item on one platform account) is 帖子. A report string whose English
    speaks of posts and of no item (nor a blog's posts, which `import` turns into items) never says 内容."""
    from tests.test_check_lang import posts_called_items

    from publisher.messages import say
    from publisher.reports.i18n import LABELS

    assert posts_called_items(LABELS) == []
    assert LABELS["engagement_table"]["zh"] == "帖子互动明细" and LABELS["item"]["zh"] == "内容 ID"
    assert "已发布的帖子" in say("help.report", "zh")


def test_risks_translate_reasons_and_show_workspace_relative_paths(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from publisher.store.tables import post_t

    ws, store = seeded(tmp_path / "ws")
    where = ws.root.resolve() / "content" / "2027-01-09-launch.md"
    with store.begin() as conn:
        conn.execute(
            sa.update(post_t)
            .where(post_t.c.id == 141)
            .values(last_error=f"pre-flight: {where}: image missing")
        )
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    text = "\n".join(report.risks)
    assert "发送前检查未通过：content/2027-01-09-launch.md: image missing" in text
    assert str(ws.root.resolve()) not in text and str(tmp_path) not in text


def test_an_account_without_data_shows_a_dash_never_zero(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "empty")
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    assert report.health and all(h.score is None for h in report.health)
    md = reports.writers.render_markdown(report)
    assert "| 微信公众号 | wechat | — | 窗口内无可评估的数据 |" in md and "| wechat | 0 |" not in md


def test_health_score_is_explained(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    health = {h.account: h for h in report.health}
    assert set(health) == {"wechat", "douyin", "xiaohongshu", "producthunt"}
    for h in health.values():
        assert 0 <= h.score <= 100 and "按时发布" in h.explain and "发布成功" in h.explain
    assert health["douyin"].trend is not None and health["douyin"].trend < 1  # its engagement fell


def test_best_time_finds_the_evening_slot_the_history_favours(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    best = reports.best_time(store, "wechat", "wechat", zone=SH, now=NOW)
    assert best.enough and best.posts >= 5 and best.best is not None
    assert best.best[1] == 20  # the seeded history rewards 20:00 posts
    hours = [h for _, h, _, _ in best.slots[:3]]
    assert hours.count(20) >= 2


def _target(publish_at: str) -> tuple[Target, Item]:
    target = Target("wechat", "wechat", {}, publish_at, 1)
    item = Item("new-item", "content/new-item.md", "ready", "t", "", 1, {}, {}, (target,), "h")
    return target, item


def test_publish_at_best_takes_the_next_best_slot_and_keeps_it(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    target, item = _target("best")
    finder = reports.best_time_finder(ws, store)
    chosen = finder(target, item, NOW)
    assert chosen is not None and chosen > NOW
    local = chosen.astimezone(SH)
    best = reports.best_time(store, "wechat", "wechat", zone=SH, now=NOW)
    assert (local.weekday(), local.hour) in [(wd, h) for wd, h, _, _ in best.slots[:3]]
    assert chosen - NOW <= timedelta(days=8)
    # `slot` (and anything else) goes to the fallback finder, untouched.
    marker = datetime(2030, 1, 1, tzinfo=UTC)
    slot_target, slot_item = _target("slot")
    assert (
        reports.best_time_finder(ws, store, fallback=lambda t, i, n: marker)(slot_target, slot_item, NOW)
        == marker
    )


def test_report_jobs_write_under_reports_and_return_a_summary(history: tuple[Workspace, Store]) -> None:
    ws, store = history
    job = SimpleNamespace(
        args={"period": "last_week", "format": "xlsx", "lang": "zh", "out": "reports/weekly/{week}.xlsx"}
    )
    ctx = SimpleNamespace(ws=ws, store=store, now=NOW, job=job, period=SimpleNamespace(fires_at=NOW))
    summary = reports.job_weekly(ctx)
    assert (ws.root / "reports" / "weekly" / "2027-W01.xlsx").is_file()
    assert summary.startswith("2027-W01: 发布 38 条") and "reports/weekly/2027-W01.xlsx" in summary
    ctx.job = SimpleNamespace(args={"period": "yesterday", "out": "reports/daily/{date}.md"})
    assert "reports/daily/2027-01-10.md" in reports.job_daily(ctx)
    ctx.job = SimpleNamespace(args={"out": "../outside.md"})
    with pytest.raises(Exception, match="leaves the workspace"):
        reports.job_engagement(ctx)


def test_rehearsal_writes_its_summary_and_engagement_export(
    history: tuple[Workspace, Store], tmp_path: Path
) -> None:
    ws, store = history
    paths = reports.rehearsal_reports(ws, store, period="2027-W01", now=NOW, out_dir=tmp_path / "r")
    assert [p.name for p in paths] == [
        "rehearsal-summary-2027-W01.md",
        "rehearsal-summary-2027-W01.xlsx",
        "rehearsal-engagement-2027-W01.csv",
        "rehearsal-engagement-2027-W01.html",
    ]
    assert all(p.stat().st_size > 0 for p in paths)
    assert paths[0].read_text(encoding="utf-8").startswith("# 演练总结")
    from openpyxl import load_workbook

    book = load_workbook(paths[1])
    assert book.properties.title == "演练总结 2027-W01" and "演练之后的计划" in book.sheetnames


def test_user_text_is_escaped_in_html_and_markdown(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from publisher.store.tables import item_t

    ws, store = seeded(tmp_path / "ws")
    with store.begin() as conn:
        conn.execute(sa.update(item_t).values(title="<script>alert(1)</script> | a"))
    report = reports.build("weekly", store, ws, period="2027-W01", now=NOW)
    html = reports.writers.render_html(report)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "\\| a" in reports.writers.render_markdown(report)


def test_an_appendix_heading_has_its_details_under_it_or_is_left_out(
    history: tuple[Workspace, Store], tmp_path: Path
) -> None:
    """附：数据明细 heads the charts, engagement, health and best-time parts (one level down); a report
    with no detail row has no such heading, in HTML or Markdown."""
    import re

    ws, store = history
    for kind, period in (("daily", "2027-01-08"), ("weekly", "2027-W01")):
        html = reports.writers.render_html(reports.build(kind, store, ws, period=period, now=NOW))
        heads = re.findall(r"<(h[234])>([^<]*)</h[234]>", html)
        at = heads.index(("h2", "附：数据明细"))
        assert heads[at + 1 :][:1] == [("h3", "图表")], heads[at:]
        assert [h for h, _ in heads[at + 1 :]].count("h2") == 0  # every detail is under it
        assert ("h3", "账号健康度") in heads and ("h3", "最佳发布时间") in heads
    root = tmp_path / "bare"
    root.mkdir()
    (root / "publisher.toml").write_text('[workspace]\nname = "bare"\n', encoding="utf-8")
    bare = open_workspace(root, env={})
    empty = open_store(f"sqlite:///{tmp_path / 'bare.db'}")
    for kind, period in (("daily", "2027-01-08"), ("weekly", "2027-W01")):
        report = reports.build(kind, empty, bare, period=period, now=NOW)
        assert not (report.engagement or report.health or report.best_times)
        html, md = reports.writers.render_html(report), reports.writers.render_markdown(report)
        assert "附：数据明细" not in html and "附：数据明细" not in md
        assert "<h2>图表</h2>" not in html and "互动最多的帖子" not in md
        assert md.rstrip().endswith("无")  # the plan is the last section
    # With no metrics yet, an account's health (—) still fills the appendix; empty parts are left out.
    lone = reports.build("daily", empty, make_workspace(tmp_path / "lone"), period="2027-01-08", now=NOW)
    html, md = reports.writers.render_html(lone), reports.writers.render_markdown(lone)
    assert re.search(r"<h2>附：数据明细</h2>\s*<h3>账号健康度</h3>", html) and "<h3>图表</h3>" not in html
    assert "## 附：数据明细\n\n### 账号健康度" in md and "### 互动最多的帖子" not in md


def test_report_command_refuses_an_unknown_language_as_a_usage_error(tmp_path: Path) -> None:
    import contextlib
    import io

    from publisher.cli.main import run

    make_workspace(tmp_path / "ws")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run(["report", "weekly", "--lang", "fr", "--workspace", str(tmp_path / "ws")])
    assert code == 2 and "fr" in err.getvalue()


CAMPAIGN = """
[campaigns.new-year]
title = "新年效率季"
goal = ["新年第一周让更多人用周报助手写第一份周报"]
audience = ["每周要交周报的互联网打工人"]
expected = { reach = 100000, engagement = 5000, votes = 800, followers = 300 }
notes = ["抖音、小红书带曝光，公众号讲清功能"]
"""


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Store]:
    """The seeded history with the items of 2027-01-04..06 carrying `campaign: new-year`."""
    import sqlalchemy as sa

    from publisher.store.tables import item_t

    ws, store = seeded(tmp_path_factory.mktemp("campaign") / "ws")
    (ws.root / "publisher.toml").write_text(TOML + CAMPAIGN, encoding="utf-8")
    ws = open_workspace(ws.root, env={})
    days = ("2027-01-04-%", "2027-01-05-%", "2027-01-06-%")
    with store.begin() as conn:
        conn.execute(
            sa.update(item_t)
            .where(sa.or_(*(item_t.c.id.like(d) for d in days)))
            .values(fields={"campaign": "new-year"})
        )
    return ws, store


@pytest.mark.parametrize("lang", ["zh"])
def test_campaign_report_matches_its_golden_file(
    campaign: tuple[Workspace, Store], tmp_path: Path, request: pytest.FixtureRequest, lang: str
) -> None:
    ws, store = campaign
    report = reports.build("campaign", store, ws, campaign="new-year", lang=lang, now=NOW)
    text = reports.write(report, "md", tmp_path / "c.md").read_text(encoding="utf-8")
    golden = GOLDEN / f"campaign-new-year-{lang}.md"
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs (run with --update-golden, review)"
    )


def test_campaign_report_fills_the_seed_template_from_the_workspace(
    campaign: tuple[Workspace, Store], tmp_path: Path
) -> None:
    ws, store = campaign
    report = reports.build("campaign", store, ws, campaign="new-year", now=NOW)
    md = reports.writers.render_markdown(report)
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads == [
        f"## {h}" for h in ("活动目标", "目标受众", "推广渠道", "时间安排", "预期效果", "效果追踪")
    ]
    assert md.startswith("# 市场活动方案｜新年效率季")
    c = report.campaign
    assert c is not None and (c.first, c.last) == (date(2027, 1, 4), date(2027, 1, 6))
    assert {p for p, _ in c.channels} == {"xiaohongshu", "douyin", "wechat", "producthunt"}
    assert all(p.item.startswith(("2027-01-04", "2027-01-05", "2027-01-06")) for p in c.schedule)
    track = {k.key: k for k in c.tracking}
    assert set(track) == {"reach", "engagement", "votes", "followers"}
    assert all(k.actual_value is not None and k.ok is not None for k in track.values())
    assert "| 指标 | 预期 | 实际 | 状态 |" in md
    data = json.loads(reports.write(report, "json", tmp_path / "c.json").read_text(encoding="utf-8"))
    reach = next(k for k in data["campaign"]["tracking"] if k["key"] == "reach")
    assert reach["target"] == 100000 and isinstance(reach["actual"], (int, float))
    wb = load_workbook(reports.write(report, "xlsx", tmp_path / "c.xlsx"))
    row = [c.value for c in wb["效果追踪"][2]]
    assert isinstance(row[1], (int, float)) and isinstance(row[2], (int, float))
    with pytest.raises(UsageError, match="no campaign"):
        reports.build("campaign", store, ws, campaign="nope", now=NOW)


def test_the_reference_workspace_plans_a_campaign_its_items_carry() -> None:
    root = Path(__file__).parent.parent
    ws = open_workspace(root, env={})
    plan = ws.settings.campaigns["launch-week"]
    assert plan.goal and plan.audience and set(plan.expected) == {"reach", "engagement", "votes", "followers"}
    carrying = [
        p for p in (root / "content").glob("*.md") if "\ncampaign: launch-week\n" in p.read_text("utf-8")
    ]
    assert len(carrying) >= 3
