"""Property test over a creator centre's CSV export (`publisher metrics import`): rows, or a problem naming
the file, line and field, never a traceback (HYPOTHESIS_PROFILE=fuzz: many more)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from support.inputs import AWKWARD_TEXT, with_tmp

from publisher.adapters.xiaohongshu.csv_import import parse_creator_csv
from publisher.errors import ContentError

HEADERS = [
    "笔记标题",
    "首次发布时间",
    "笔记ID",
    "体裁",
    "观看量",
    "点赞",
    "收藏",
    "封面点击率",
    "人均观看时长",
    "x",
]
CELLS = st.one_of(
    AWKWARD_TEXT,
    st.sampled_from(
        ["1.2万", "1万+", "3亿", "12%", "1分30秒", "9" * 400, "2026-12-01 12:00", "合计", "-1", "1e5"]
    ),
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    sep = draw(st.sampled_from([",", "\t", ";"]))
    header = draw(st.lists(st.sampled_from(HEADERS) | AWKWARD_TEXT, max_size=6))
    rows = draw(st.lists(st.lists(CELLS, max_size=7), max_size=4))
    text = "\n".join(sep.join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return text.encode(encoding, "replace")


@with_tmp(300)
@given(raw=csv_files() | st.binary(max_size=200))
@example(raw=b"\x80")
@example(raw="笔记标题,观看量\n\x00,1\n".encode())
def test_any_creator_csv_gives_rows_or_names_the_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    try:
        rows = parse_creator_csv(path)
    except ContentError as exc:
        assert all(p.path == str(path) and p.line >= 1 and p.field for p in exc.problems)
        return
    for row in rows:
        assert row["line"] >= 2 and all(isinstance(v, float) for v in row["metrics"].values())
