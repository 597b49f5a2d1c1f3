"""The daily report's launch-day section: each launch's hourly votes and comments, from the stored points.

A launch shows in the daily report of every day its launch day overlaps (a Product Hunt day, midnight to
midnight Pacific, spans two Beijing days). Points are the hourly-curve samples the metrics pull stores once
each (`*_by_hour`, dated at the end of their hour), so the section reads the store only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from publisher.metrics.samples import HOURLY
from publisher.reports.period import Period
from publisher.store.db import Store
from publisher.store.metrics import points_ending
from publisher.store.reports import PostInfo

VOTES, COMMENTS = "votes" + HOURLY, "comments" + HOURLY
DAY = timedelta(hours=25)  # a launch day's span, a daylight-saving day's 25 hours included


@dataclass(frozen=True)
class LaunchHour:
    """One hour of a launch day: its end (local time), votes and comments gathered by then, votes it added."""

    label: str
    at: datetime
    votes: float | None
    gained: float | None
    comments: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "hour": self.label,
            "at": self.at.isoformat(),
            "votes": self.votes,
            "votes_gained": self.gained,
            "comments": self.comments,
        }


@dataclass
class LaunchCurve:
    """A launch day's hourly curve for one post."""

    post_id: int
    title: str
    platform: str
    account: str
    url: str
    hours: list[LaunchHour] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id,
            "title": self.title,
            "platform": self.platform,
            "account": self.account,
            "url": self.url,
            "hours": [h.to_dict() for h in self.hours],
        }


def launch_curves(store: Store, posts: dict[int, PostInfo], period: Period) -> list[LaunchCurve]:
    """The launches whose day overlaps `period`, each with every hour of its day stored so far."""
    points = points_ending(store, HOURLY, after=period.start - DAY, until=period.end + DAY)
    by_post: dict[int, dict[datetime, dict[str, float]]] = {}
    for post_id, name, value, at in points:
        by_post.setdefault(post_id, {}).setdefault(at, {})[name] = value
    out = []
    for post_id, hours in sorted(by_post.items()):
        post = posts.get(post_id)
        marks = sorted(hours)
        first = marks[0] - timedelta(hours=1)  # the launch day starts an hour before its first point
        day = [m for m in marks if m <= first + DAY]
        if post is None or not (first < period.end and day[-1] > period.start):
            continue
        rows, before = [], 0.0
        for mark in day:
            votes = hours[mark].get(VOTES)
            rows.append(
                LaunchHour(
                    mark.astimezone(period.zone).strftime("%m-%d %H:%M"),
                    mark,
                    votes,
                    None if votes is None else votes - before,
                    hours[mark].get(COMMENTS),
                )
            )
            before = votes if votes is not None else before
        out.append(LaunchCurve(post_id, post.title, post.platform, post.account, post.url or "", rows))
    return out
