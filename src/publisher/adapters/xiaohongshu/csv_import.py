"""Xiaohongshu numbers as people see them: "1.2万" counts and the creator centre's CSV export (笔记数据)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.errors import ContentError
from publisher.messages import msg
from publisher.models import Problem

#: the creator centre shows local (Beijing) times without an offset
SHANGHAI = ZoneInfo("Asia/Shanghai")
_UNITS = {"万": 1e4, "w": 1e4, "W": 1e4, "亿": 1e8, "k": 1e3, "K": 1e3}
_COUNT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([万wW亿kK]?)\s*\+?\s*$")

#: normalised field -> header spellings seen in exports (matched after removing spaces and "(单位)")
TEXT_FIELDS = {
    "title": ("笔记标题", "标题", "笔记名称", "作品标题", "笔记"),
    "published_at": ("首次发布时间", "发布时间", "笔记发布时间", "发布日期", "发布时间点"),
    "note_id": ("笔记id", "笔记ID", "noteid"),
    "type": ("体裁", "笔记类型", "类型"),
}
METRIC_FIELDS = {
    "views": ("观看量", "观看", "观看数", "观看次数", "阅读", "阅读量", "阅读数", "浏览量", "播放量"),
    "impressions": ("曝光", "曝光量", "曝光数", "曝光次数"),
    "likes": ("点赞", "点赞数", "点赞量"),
    "favorites": ("收藏", "收藏数", "收藏量"),
    "comments": ("评论", "评论数", "评论量"),
    "shares": ("分享", "分享数", "分享量"),
    "followers_gained": ("涨粉", "涨粉数", "新增关注", "新增粉丝", "净涨粉"),
    "cover_ctr": ("封面点击率", "点击率"),
    "avg_view_time_s": ("人均观看时长", "平均观看时长"),
    "danmaku": ("弹幕", "弹幕数"),
    "engagements": ("互动", "互动量", "互动数"),
}
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)


def parse_count(value: object) -> float | None:
    """ "1.2万" → 12000, "1万+" → 10000, "1,234" → 1234, "3亿" → 3e8; None when it is not a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    match = _COUNT.match(value.replace(",", "").replace("，", ""))
    if match is None:
        return None
    return float(match.group(1)) * _UNITS.get(match.group(2), 1.0)


def _metric_value(text: str) -> float | None:
    text = text.strip()
    if text.endswith("%"):
        number = parse_count(text[:-1])
        return None if number is None else number / 100
    seconds = re.fullmatch(r"(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+(?:\.\d+)?)\s*秒)?", text)
    if seconds and any(seconds.groups()) and ("分" in text or "秒" in text):
        return float(seconds.group(1) or 0) * 60 + float(seconds.group(2) or 0)
    return parse_count(text)


def _key(header: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]|\s|\ufeff", "", header).lower()


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(spelling): name for name, spellings in table.items() for spelling in spellings}


_TEXT, _METRICS = _lookup(TEXT_FIELDS), _lookup(METRIC_FIELDS)


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # a superset of GBK, which is what Excel on Chinese Windows saves
    except UnicodeDecodeError:
        raise ContentError(
            [Problem.of(str(path), 1, "file", msg("csv_encoding"), msg("csv_encoding.hint"))]
        ) from None


def _rows(text: str, path: Path) -> list[list[str]]:
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return list(reader)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        why = msg("csv_unreadable", why=str(exc))
        raise ContentError(
            [Problem.of(str(path), max(reader.line_num, 1), "file", why, msg("csv_unreadable.hint"))]
        ) from None


def _time(text: str) -> datetime | None:
    text = text.strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    return None


def parse_creator_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a creator-centre export: {title, published_at, note_id, type, metrics, raw_names, line}.

    `metrics` holds normalised names (views, likes, favorites, comments, shares, followers_gained, ...) as
    numbers; `raw_names` maps each back to the export's own header. UTF-8 (with or without BOM) and GBK.
    """
    rows = _rows(_decode(Path(path).read_bytes(), path), path)
    # An export may open with a caption line ("笔记数据明细"): the header is the first row naming a title.
    start = next((i for i, r in enumerate(rows) if any(_TEXT.get(_key(c)) == "title" for c in r)), None)
    if start is None:
        raise ContentError(
            [
                Problem(
                    str(path),
                    1,
                    "header",
                    "no 笔记标题 (note title) column found",
                    "export 笔记数据 from the Xiaohongshu creator centre as CSV",
                )
            ]
        )
    header = rows[start]
    columns: list[tuple[int, str, str, bool]] = []  # (index, name, raw header, is metric)
    for i, cell in enumerate(header):
        key = _key(cell)
        if key in _TEXT and all(c[1] != _TEXT[key] for c in columns):
            columns.append((i, _TEXT[key], cell.strip(), False))
        elif key in _METRICS and all(c[1] != _METRICS[key] for c in columns):
            columns.append((i, _METRICS[key], cell.strip(), True))
    out: list[dict[str, Any]] = []
    for line, row in enumerate(rows[start + 1 :], start=start + 2):
        cells = {name: (row[i].strip() if i < len(row) else "") for i, name, _, _ in columns}
        if not any(cells.values()) or cells.get("title") in ("合计", "总计"):
            continue
        record: dict[str, Any] = {
            "title": cells.get("title", ""),
            "published_at": _time(cells.get("published_at", "")),
            "note_id": cells.get("note_id") or None,
            "type": cells.get("type") or None,
            "metrics": {},
            "raw_names": {},
            "line": line,
        }
        for _, name, raw, is_metric in columns:
            value = _metric_value(cells[name]) if is_metric else None
            if value is not None:
                record["metrics"][name] = value
                record["raw_names"][name] = raw
        out.append(record)
    return out
