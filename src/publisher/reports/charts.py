"""Charts as inline SVG (no scripts, no CDN): trend lines, top-post bars, a weekday x hour heat map."""

from __future__ import annotations

import math
from html import escape

from publisher.adapters import spec_for
from publisher.reports.i18n import platform_name, ui, weekday

SPARE = ("#3b82f6", "#a855f7", "#f59e0b", "#14b8a6")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def colour(platform: str, i: int = 0) -> str:
    """The platform's colour from the registry, else a spare one by position."""
    spec = spec_for(platform)
    return spec.colour if spec else SPARE[i % len(SPARE)]


def _num(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 10000:.1f}万" if value % 10000 else f"{value / 10000:.0f}万"
    return f"{value:.0f}"


def _svg(kind: str, width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" data-chart="{kind}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" {FONT}>'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Axis levels from a round number below `low` to one above `high`, a step of 1, 2 or 5 times a power of
    ten (whole numbers at least: the figures are counts), about `count` of them: 0/500/1,000 …, never
    0/744/1,488."""
    span = max(high - low, 1.0)
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next((m * power for m in (1, 2, 5, 10) if m * power >= raw), 10 * power)
    step = max(step, 1.0)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return [first + k * step for k in range(round((last - first) / step) + 1)]


def trend_chart(
    days: list[str],
    series: dict[str, list[float]],
    label: str,
    lang: str,
    *,
    ticks: list[str] | None = None,
    colours: dict[str, str] | None = None,
) -> str:
    """One line per platform over the period's days (or per named series over `ticks`, e.g. hours)."""
    width, height, left, right, top, bottom = 680, 260, 56, 130, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for line in series.values() for v in line] or [0.0]
    levels = nice_ticks(min(min(values), 0.0), max(max(values), 1.0))
    low, high = levels[0], levels[-1]
    n = max(len(days) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (high - v) / (high - low)

    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ddd"/>']
    for v in levels:
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#666">{_num(v)}</text>'
        )
    step = max(1, len(days) // 8)
    for i, day in enumerate(days):
        if i % step == 0 or i == len(days) - 1:
            body.append(
                f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle" fill="#666">'
                f"{escape(ticks[i] if ticks else day[5:])}</text>"
            )
    for j, (platform, line) in enumerate(series.items()):
        c = (colours or {}).get(platform) or colour(platform, j)
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line))
        body.append(
            f'<polyline class="series" data-platform="{escape(platform)}" fill="none" stroke="{c}" '
            f'stroke-width="2" points="{points}"/>'
        )
        body += [f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{c}"/>' for i, v in enumerate(line)]
        ly = top + 14 + j * 18
        body.append(
            f'<rect x="{width - right + 12}" y="{ly - 9}" width="12" height="4" fill="{c}"/>'
            f'<text x="{width - right + 30}" y="{ly - 4}" fill="#333">'
            f"{escape(platform_name(platform, lang))}</text>"
        )
    if not series:
        body.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#999">—</text>'
        )
    return _svg("trend", width, height, label, body)


def bar_chart(top: list[tuple[str, str, float]], label: str, lang: str) -> str:
    """Horizontal bars, one per post, coloured by platform."""
    width, row, left = 680, 24, 250
    height = max(1, len(top)) * row + 20
    high = max([v for _, _, v in top] or [1.0]) or 1.0
    body = []
    for i, (title, platform, value) in enumerate(top):
        yy = 10 + i * row
        w = (width - left - 70) * max(value, 0.0) / high
        short = title if len(title) <= 22 else title[:21] + "…"
        body.append(
            f'<text x="{left - 8}" y="{yy + 15}" text-anchor="end" fill="#333">{escape(short)}</text>'
            f'<rect class="bar" x="{left}" y="{yy + 3}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{colour(platform)}"><title>{escape(title)} · {escape(platform_name(platform, lang))}'
            f"</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{yy + 15}" fill="#333">{_num(value)}</text>'
        )
    if not top:
        body.append(f'<text x="{width / 2}" y="20" text-anchor="middle" fill="#999">—</text>')
    return _svg("top", width, height, label, body)


def heat_chart(heat: list[list[float | None]], counts: list[list[int]], label: str, lang: str) -> str:
    """Seven rows (weekdays) by 24 columns (hours); darker = more interactions than the platform's median.
    Both axes are titled (the weekday title above the day names, inside the drawing) and a low..high
    legend explains the colour."""
    cell, left, top = 24, 44, 40
    grid_bottom = top + 7 * cell
    width, height = left + 24 * cell + 10, grid_bottom + 58
    values = [v for row in heat for v in row if v is not None]
    high = max(values or [1.0]) or 1.0
    body = [
        f'<text class="axis-title" x="{left - 6}" y="{top - 24}" text-anchor="end" fill="#444">'
        f"{escape(ui('axis_weekday', lang))}</text>",
        f'<text class="axis-title" x="{left + 12 * cell}" y="{grid_bottom + 18}" text-anchor="middle" '
        f'fill="#444">{escape(ui("axis_hour", lang))}</text>',
    ]
    body += [
        f'<text x="{left + h * cell + cell / 2}" y="{top - 8}" text-anchor="middle" fill="#666">{h}</text>'
        for h in range(0, 24, 3)
    ]
    for d in range(7):
        body.append(
            f'<text x="{left - 6}" y="{top + d * cell + 16}" text-anchor="end" fill="#666">'
            f"{escape(weekday(d, lang))}</text>"
        )
        for h in range(24):
            v = heat[d][h] if heat and d < len(heat) else None
            n = counts[d][h] if counts and d < len(counts) else 0
            fill = "#f1f1f1" if v is None else f"rgba(7,120,200,{0.15 + 0.85 * min(v / high, 1.0):.2f})"
            tip = f"{weekday(d, lang)} {h:02d}:00 · " + ("—" if v is None else f"{v:.2f}× · {n}")
            body.append(
                f'<rect class="cell" x="{left + h * cell}" y="{top + d * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{fill}"><title>{escape(tip)}</title></rect>'
            )
    # The legend: low .. high in five steps of the same colour scale.
    key_y, key_x = grid_bottom + 32, left + 12 * cell - 60
    body.append(
        f'<text x="{key_x - 6}" y="{key_y + 11}" text-anchor="end" fill="#666">'
        f"{escape(ui('heat_low', lang))}</text>"
    )
    for i in range(5):
        body.append(
            f'<rect class="key" x="{key_x + i * 24}" y="{key_y}" width="22" height="14" '
            f'fill="rgba(7,120,200,{0.15 + 0.85 * i / 4:.2f})"/>'
        )
    body.append(
        f'<text x="{key_x + 5 * 24 + 4}" y="{key_y + 11}" fill="#666">{escape(ui("heat_high", lang))}</text>'
    )
    return _svg("heat", width, height, label, body)
