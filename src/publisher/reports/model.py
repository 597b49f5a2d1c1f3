"""What a report holds, as plain data: every writer (md, html, csv, xlsx, json) renders the same Report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class Kpi:
    """One line of 指标 | 目标 | 实际 | 状态; `ok` None when there is nothing to judge (no data/target)."""

    key: str
    label: str
    target: str
    actual: str
    ok: bool | None
    detail: str = ""

    @property
    def status(self) -> str:
        return "—" if self.ok is None else ("✅" if self.ok else "⚠️")


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


@dataclass(frozen=True)
class Health:
    """An account's health score (0-100) and how it was computed."""

    platform: str
    account: str
    score: int
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
class Report:
    """A built report; `kind` is daily | weekly | engagement, `lang` zh | en."""

    kind: str
    lang: str
    period: Period
    generated_at: datetime
    workspace: str
    published: list[PostLine] = field(default_factory=list)
    failed: list[PostLine] = field(default_factory=list)
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

    def metric_names(self) -> list[str]:
        """Every figure name in the engagement rows, the common ones first."""
        common = ["views", "likes", "comments", "shares", "favorites"]
        seen = {n for r in self.engagement for n in r.figures}
        return [n for n in common if n in seen] + sorted(seen - set(common))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "lang": self.lang,
            "period": self.period.to_dict(),
            "generated_at": self.generated_at.isoformat(),
            "workspace": self.workspace,
            **({"rehearsal": True} if self.rehearsal else {}),
            "published": [asdict(p) for p in self.published],
            "failed": [asdict(p) for p in self.failed],
            "kpis": [{**asdict(k), "status": k.status} for k in self.kpis],
            "risks": list(self.risks),
            "plan": [asdict(p) for p in self.plan],
            "next_period": self.next_period.to_dict() if self.next_period else None,
            "engagement": [asdict(r) for r in self.engagement],
            "health": [asdict(h) for h in self.health],
            "best_times": [{**asdict(b), "best": b.best} for b in self.best_times],
            "charts": asdict(self.charts),
            "notes": list(self.notes),
        }
        return data

    def summary(self) -> str:
        """A short line for notifications: what was published, what needs a person, the KPIs missed."""
        missed = [k.label for k in self.kpis if k.ok is False]
        zh = self.lang == "zh"
        parts = [
            f"{self.period.label}: "
            + (f"发布 {len(self.published)} 条" if zh else f"{len(self.published)} published")
        ]
        if self.failed:
            parts.append(f"失败/错过 {len(self.failed)} 条" if zh else f"{len(self.failed)} failed or missed")
        if missed:
            parts.append(("未达标: " if zh else "below target: ") + ", ".join(missed))
        if self.risks:
            parts.append(f"风险 {len(self.risks)} 项" if zh else f"{len(self.risks)} risk(s)")
        return "; ".join(parts)
