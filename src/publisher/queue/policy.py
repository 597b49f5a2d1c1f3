"""The queue's policies: retry backoff, per-account daily caps and spacing, and one notification per event."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from publisher.notify import Notification
from publisher.platforms.rules import ScheduleRule
from publisher.redact import redact_text
from publisher.store.attempts import account_pace
from publisher.store.claims import log_event
from publisher.store.db import Store
from publisher.store.events import has_event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrySettings:
    """Durable retries: attempt n waits base * 2**(n-1) seconds (capped), jittered down to half of that."""

    max_attempts: int = 5  # attempts the platform answered (or left unknown while we lived)
    #: attempts cut short by our own worker's death: no refusal by the platform, so not in `max_attempts`;
    #: a crash loop still reaches a person after this many
    max_interrupted: int = 25
    base_s: float = 30.0
    cap_s: float = 3600.0
    poll_s: float = 60.0  # how often a submitted post (review, async publish job) is polled
    submitted_timeout_s: float = 24 * 3600.0  # a submitted post still pending after this needs a person
    reconcile_timeout_s: float = 3600.0  # an unknown outcome the platform cannot answer for this long, too


def backoff(settings: RetrySettings, post_id: int, number: int, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt `number + 1`; deterministic per (post, attempt) so runs are
    reproducible, different across posts so a burst of failures does not come back as a burst."""
    delay = min(settings.cap_s, settings.base_s * 2.0 ** max(0, number - 1))
    jittered = delay * (0.5 + 0.5 * random.Random(post_id * 1_000_003 + number).random())
    return max(jittered, retry_after or 0.0)


def next_check_s(settings: RetrySettings, detail: Mapping[str, Any]) -> float:
    """Seconds until a submitted post is asked about again: the adapter's `poll_after_s` when it names one
    (a platform's quota-aware schedule, e.g. WeChat's freepublish/get), else the queue's `poll_s`."""
    wanted = detail.get("poll_after_s")
    if isinstance(wanted, int | float) and not isinstance(wanted, bool) and wanted > 0:
        return float(wanted)
    return settings.poll_s


def next_check_at(settings: RetrySettings, detail: Mapping[str, Any], now: datetime) -> datetime:
    """When a submitted post is asked about again: `next_check_s` from `now`, rounded up to the whole second.
    Never sooner than the platform's schedule; jobs submitted within one second (a burst of sends) share
    their checks' instant, so the queue wakes once for all of them instead of once each."""
    at = now + timedelta(seconds=next_check_s(settings, detail))
    return at if at.microsecond == 0 else at.replace(microsecond=0) + timedelta(seconds=1)


def local_midnight_after(now: datetime, zone: ZoneInfo) -> datetime:
    """The next midnight in `zone` (daily quotas and caps reset there), as an aware datetime."""
    local = now.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)


def cap_release(
    store: Store,
    rule: ScheduleRule,
    *,
    post_id: int,
    platform: str,
    account: str,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[datetime, str] | None:
    """When the account's daily cap or spacing forbids sending now: (when to try again, why); else None.

    Counted from attempt rows of the account's other posts (a retry of the same post costs no extra budget).
    Two nodes checking at the same instant may both pass: the cap is a pacing rule, not a platform quota.
    """
    if not rule.daily_cap and not rule.min_spacing_s:
        return None
    day_start = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    since = min(day_start, now - timedelta(seconds=rule.min_spacing_s))
    count, last = account_pace(
        store, platform=platform, account=account, other_than=post_id, since=since, day_start=day_start
    )
    if rule.daily_cap and count >= rule.daily_cap:
        return local_midnight_after(
            now, zone
        ), f"daily cap of {rule.daily_cap} reached for {account}; next day"
    if rule.min_spacing_s and last is not None and (now - last).total_seconds() < rule.min_spacing_s:
        wait_until = last + timedelta(seconds=rule.min_spacing_s)
        return wait_until, f"{account} keeps {rule.min_spacing_s:.0f} s between posts"
    return None


# -- notifications ------------------------------------------------------------------------------------------


class Notifier(Protocol):
    """Anything with send(); publisher.notify.Notifier is the real one."""

    def send(self, notification: Any) -> Any: ...


@dataclass(frozen=True)
class Alert:
    """One event a person must act on: a post entered a person state (R34)."""

    post_id: int
    item: str
    platform: str
    account: str
    state: str
    attempt: int
    reason: str
    url: str | None = None
    evidence: str = ""

    @property
    def key(self) -> str:
        return f"{self.state}#{self.attempt}"

    @property
    def title(self) -> str:
        return f"[publisher] {self.item} on {self.platform} ({self.account}): {self.state}"

    @property
    def text(self) -> str:
        lines = [self.reason]
        if self.evidence:
            lines.append(f"evidence: {self.evidence}")
        if self.url:
            lines.append(self.url)
        lines.append(
            f"post {self.post_id}: publisher status · publisher retry {self.post_id} · "
            f"publisher resolve {self.post_id}"
        )
        return redact_text("\n".join(lines))


def notify_once(store: Store, notifier: Notifier | None, alert: Alert, *, now: datetime) -> bool:
    """Send `alert` unless an alert with the same (post, state, attempt) key was sent before;
    log it as an event.

    Returns True when it was sent now. A failing channel is logged, never raised: the state is already stored.
    """
    prefix = alert.key + " "
    if has_event(store, alert.post_id, "notify", message_prefix=prefix):
        return False
    summary = redact_text(f"{alert.title}: {alert.reason}")[:500]
    if notifier is None:
        logger.warning("%s", summary)
    else:
        try:
            notifier.send(_notification(alert, now))
        except Exception as exc:  # a channel outage must not undo the state change
            logger.warning("notification for post %s failed: %s", alert.post_id, redact_text(str(exc)))
            log_event(store, alert.post_id, "notify_failed", prefix + redact_text(str(exc))[:300], now=now)
            return False
    log_event(store, alert.post_id, "notify", prefix + summary, now=now)
    return True


def _notification(alert: Alert, now: datetime) -> Notification:
    """The notification a person gets for `alert`."""
    pack = alert.evidence if alert.state == "awaiting_manual" else ""
    reason = alert.reason + (f" (evidence: {alert.evidence})" if alert.evidence and not pack else "")
    return Notification(
        kind=alert.state,
        post_id=alert.post_id,
        item=alert.item,
        platform=alert.platform,
        account=alert.account,
        title=alert.item,  # `alert.title` is the event log's English line; the headline names the item
        when=now,
        reason=redact_text(reason),
        url=alert.url or "",
        pack=pack,
    )
