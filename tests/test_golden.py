"""Golden files: every platform's render of the shipped example calendar, compared byte for byte.

`pytest tests/test_golden.py --update-golden` rewrites them; review the diff like any other change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import REPO

from publisher.calendar.load import Calendar
from publisher.workspace.settings import open_workspace

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("ref")
    for name in ("content", "platforms", "schedules", "publisher.toml"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy(src, root / name)
    ws = open_workspace(root, env={})
    calendar = Calendar(ws)
    checked, _ = calendar.scan()
    out: dict[str, str] = {}
    for c in checked:
        assert c.item is not None, c.problems
        for target in c.item.targets:
            post, problems = calendar.renderer.render(c.item, target, process_media=True)
            assert post is not None, [p.format() for p in problems]
            doc = {
                "item": post.item_id,
                "platform": post.platform,
                "account": post.account,
                "publish_at": post.publish_at.isoformat() if post.publish_at else None,
                "fields": post.fields,
                "media": [
                    {"role": m.role, "source": m.source, "mime": m.mime, "size": [m.width, m.height]}
                    for m in post.media
                ],
            }
            name = f"{post.platform}/{post.item_id.replace('/', '__')}.{post.account}.json"
            out[name] = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def test_golden_renders_of_the_example_calendar(
    renders: dict[str, str], request: pytest.FixtureRequest
) -> None:
    platforms = sorted({name.split("/")[0] for name in renders})
    if request.config.getoption("--update-golden"):
        for platform in platforms:
            shutil.rmtree(GOLDEN / platform, ignore_errors=True)
        for name, text in renders.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
        for platform in platforms
        for p in (GOLDEN / platform).rglob("*.json")
    }
    assert sorted(renders) == sorted(expected), (
        "renders added or removed: run with --update-golden and review"
    )
    for name, text in renders.items():
        assert text == expected[name], (
            f"{name} differs from its golden file (run with --update-golden, review)"
        )


def test_example_calendar_uses_all_four_platforms(renders: dict[str, str]) -> None:
    assert {name.split("/")[0] for name in renders} == {"xiaohongshu", "douyin", "wechat", "producthunt"}
    assert len({name.split("/")[1].split(".")[0] for name in renders}) >= 8
