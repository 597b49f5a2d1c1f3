"""What a report holds, as plain data: every writer (md, html, csv, xlsx, json) renders the same Report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from publisher.reports.i18n import platform_metrics, t
from publisher.reports.period import Period


@dataclass(frozen=True)
class PostLine:
    """A post in a list: what was published, what is stuck, what is planned."""

    id: int
    item: str
    title: str
    platform: str
    account: str
    state: str
    when: str  # local time, "YYYY-MM-DD HH:MM"
    url: str = ""
    note: str = ""
    at: datetime | None = None  # the same instant, aware, in the workspace's zone

    def to_dict(self) -> dict[str, Any]:
        """For JSON: `when` as ISO 8601 with its offset."""
        data = asdict(self)
        data.pop("at")
        data["when"] = self.at.isoformat() if self.at else None
        return data


@dataclass(frozen=True)
class Kpi:
    """One line of 指标 | 目标 | 实际 | 状态; `ok` None when there is nothing to judge (no data/target).

    `target`/`actual` are the display text; `target_value`/`actual_value` the numbers behind them, a ratio
    (0.95) when `unit` is "ratio", a count when it is "count"; `num`/`den` what a ratio was counted from."""

    key: str
    label: str
    target: str
    actual: str
    ok: bool | None
    detail: str = ""
    unit: str = "ratio"
    target_value: float | None = None
    actual_value: float | None = None
    num: int | None = None
    den: int | None = None

    @property
    def status(self) -> str:
        return "—" if self.ok is None else ("✅" if self.ok else "⚠️")

    def to_dict(self) -> dict[str, Any]:
        """For JSON: numbers as numbers, the display text beside them."""
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "target": self.target_value,
            "actual": self.actual_value,
            "numerator": self.num,
            "denominator": self.den,
            "ok": self.ok,
            "status": self.status,
            "text": {"target": self.target, "actual": self.actual},
            "detail": self.detail,
        }


@dataclass(frozen=True)
class EngagementRow:
    """One post on one platform: latest figures, their change over the period, and the engagement rate."""

    post_id: int
    item: str
    title: str
    platform: str
    account: str
    published_at: str
    url: str
    figures: dict[str, float]
    change: dict[str, float]
    interactions: float
    interactions_change: float
    engagement_rate: float | None
    views_24h: float | None
    taken_at: str
    published: datetime | None = None  # `published_at` and `taken_at` as aware instants in the local zone
    taken: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """For JSON: numbers as numbers, timestamps ISO 8601 with their offset."""
        data = asdict(self)
        for text, instant in (("published_at", "published"), ("taken_at", "taken")):
            value = data.pop(instant)
            data[text] = value.isoformat() if value else None
        return data


@dataclass(frozen=True)
class Health:
    """An account's health score (0-100) and how it was computed."""

    platform: str
    account: str
    score: int | None  # None: nothing to judge (shown as "—", never 0)
    cadence: float | None
    success: float | None
    trend: float | None
    explain: str


@dataclass(frozen=True)
class BestTime:
    """An account's best posting hours from its own history; `slots`: (weekday 0=Mon, hour, score, posts)."""

    platform: str
    account: str
    posts: int
    slots: tuple[tuple[int, int, float, int], ...]
    enough: bool
    basis: str

    @property
    def best(self) -> tuple[int, int] | None:
        return (self.slots[0][0], self.slots[0][1]) if self.slots else None


@dataclass
class Charts:
    """Chart data: trend per platform by day, top posts, a weekday x hour heat map (mean relative score)."""

    days: list[str] = field(default_factory=list)
    trend: dict[str, list[float]] = field(default_factory=dict)  # platform -> interactions gained per day
    top: list[tuple[str, str, float]] = field(default_factory=list)  # (title, platform, interactions)
    heat: list[list[float | None]] = field(default_factory=list)  # [weekday][hour]
    heat_posts: list[list[int]] = field(default_factory=list)


@dataclass
class Campaign:
    """The seed's 市场活动方案 with 效果追踪, filled from `[campaigns.NAME]` and the items carrying it."""

    name: str
    title: str
    goal: list[str]  # 活动目标
    audience: list[str]  # 目标受众
    expected: list[str]  # 预期效果, as written in publisher.toml
    channels: list[tuple[str, int]]  # 推广渠道: (platform, posts)
    schedule: list[PostLine]  # 时间安排: every post of the campaign, by time
    first: date | None
    last: date | None
    tracking: list[Kpi]  # 效果追踪: 预期 beside 实际

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "goal": list(self.goal),
            "audience": list(self.audience),
            "expected": list(self.expected),
            "channels": [{"platform": p, "posts": n} for p, n in self.channels],
            "schedule": [p.to_dict() for p in self.schedule],
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "tracking": [k.to_dict() for k in self.tracking],
        }


@dataclass
class Report:
    """A built report; `kind` is daily | weekly | engagement | campaign, `lang` zh | en."""

    kind: str
    lang: str
    period: Period
    generated_at: datetime
    workspace: str
    published: list[PostLine] = field(default_factory=list)
    failed: list[PostLine] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # 本周总结 · 完成事项
    results: list[str] = field(default_factory=list)  # 本周总结 · 关键成果
    kpis: list[Kpi] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    plan: list[PostLine] = field(default_factory=list)
    next_period: Period | None = None
    engagement: list[EngagementRow] = field(default_factory=list)
    health: list[Health] = field(default_factory=list)
    best_times: list[BestTime] = field(default_factory=list)
    charts: Charts = field(default_factory=Charts)
    notes: list[str] = field(default_factory=list)
    rehearsal: bool = False  # built from a rehearsal's store: its title says 演练 / rehearsal
    # the summary a rehearsal ends with (its whole window, not a week): titled 演练总结 / Rehearsal summary
    whole_rehearsal: bool = False
    campaign: Campaign | None = None
    launches: list[Any] = field(default_factory=list)  # reports.launch.LaunchCurve: the launch-day section

    def by_platform(
        self, rows: list[EngagementRow] | None = None
    ) -> list[tuple[str, list[str], list[EngagementRow]]]:
        """Engagement rows grouped per platform: (platform, the figures its table shows, its rows)."""
        rows = self.engagement if rows is None else rows
        out = []
        for platform in sorted({r.platform for r in rows}):
            mine = [r for r in rows if r.platform == platform]
            seen = {n for r in mine for n in r.figures}
            out.append((platform, platform_metrics(platform, seen), mine))
        return out

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "lang": self.lang,
            "period": self.period.to_dict(),
            "generated_at": self.generated_at.astimezone(self.period.zone).isoformat(),
            "workspace": self.workspace,
            "rehearsal": self.rehearsal,
            "published": [p.to_dict() for p in self.published],
            "failed": [p.to_dict() for p in self.failed],
            "kpis": [k.to_dict() for k in self.kpis],
            "risks": list(self.risks),
            "plan": [p.to_dict() for p in self.plan],
            "next_period": self.next_period.to_dict() if self.next_period else None,
            "engagement": [r.to_dict() for r in self.engagement],
            "health": [asdict(h) for h in self.health],
            "best_times": [{**asdict(b), "best": b.best} for b in self.best_times],
            "charts": asdict(self.charts),
            "notes": list(self.notes),
        }
        if self.campaign is not None:
            data["campaign"] = self.campaign.to_dict()
        if self.launches:
            data["launches"] = [c.to_dict() for c in self.launches]
        return data

    def summary(self) -> str:
        """A short line for notifications: what was published, what needs a person, the KPIs missed."""
        lang = self.lang
        missed = [k.label for k in self.kpis if k.ok is False]
        parts = [f"{self.period.label}: " + t("s_published", lang, n=len(self.published))]
        if self.failed:
            parts.append(t("s_failed", lang, n=len(self.failed)))
        if missed:
            parts.append(t("s_missed_kpis", lang, names=", ".join(missed)))
        if self.risks:
            parts.append(t("s_risks", lang, n=len(self.risks)))
        return "; ".join(parts)
