"""Generate the example campaign's media (images, cover, Product Hunt assets, a video) into content/media/.

Run from the workspace root:  python tools/make_example_media.py [--out content/media] [--no-video]

Needs Pillow, a CJK font (Debian: `apt-get install -y fonts-noto-cjk`) and, for the video, ffmpeg with libx264
(`apt-get install -y ffmpeg`). The fonts and ffmpeg are only needed to (re)generate: the files are committed.
The output is deterministic: no clock, no unseeded randomness, no metadata that changes between runs
(the one EXIF block is written on purpose, with fixed values, to exercise the pipeline's rotate-and-strip
step).
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

Color = tuple[int, int, int]
BRAND: Color = (79, 70, 229)  # indigo
BRAND_DARK: Color = (30, 27, 75)
ACCENT: Color = (16, 185, 129)  # green: "done"
WARM: Color = (251, 146, 60)
INK: Color = (17, 24, 39)
MUTED: Color = (107, 114, 128)
LINE: Color = (229, 231, 235)
PAPER: Color = (248, 250, 252)
WHITE: Color = (255, 255, 255)

FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts",
)


# ----------------------------------------------------------------------------------------------- drawing kit


@cache
def _font_file(bold: bool) -> tuple[str, int]:
    """Find Noto Sans CJK (Simplified Chinese face inside the .ttc collection)."""
    wanted = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    for root in FONT_DIRS:
        for path in sorted(Path(root).rglob(wanted)) if Path(root).is_dir() else []:
            for index in range(10):
                try:
                    family = ImageFont.truetype(str(path), 12, index=index).getname()[0]
                except OSError:
                    break
                if family == "Noto Sans CJK SC":
                    return str(path), index
    sys.exit(
        f"cannot find {wanted}: install a CJK font first (Debian/Ubuntu: apt-get install -y fonts-noto-cjk)"
    )


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path, index = _font_file(bold)
    return ImageFont.truetype(path, size, index=index)


def gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    """A vertical two-colour gradient."""
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def wrap(text: str, f: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break text to fit `width` pixels: per character for CJK, at spaces for Latin words."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for token in _tokens(para):
            if f.getlength(line + token) <= width or not line:
                line += token
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and ch != " ":
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(ch)
    if word:
        out.append(word)
    return out


def text_block(
    d: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    f: ImageFont.FreeTypeFont,
    fill: Color,
    width: int,
    spacing: float = 1.45,
    align: str = "left",
) -> int:
    """Draw wrapped text; return the y below it."""
    x, y = xy
    step = int(f.size * spacing)
    for line in wrap(text, f, width):
        if align == "center":
            d.text((x + width // 2, y), line, font=f, fill=fill, anchor="ma")
        else:
            d.text((x, y), line, font=f, fill=fill)
        y += step
    return y


def card(
    img: Image.Image, box: tuple[int, int, int, int], radius: int = 28, fill: Color = WHITE, shadow: int = 18
) -> None:
    """A rounded card with a soft drop shadow."""
    if shadow:
        layer = Image.new("L", img.size, 0)
        x0, y0, x1, y1 = box
        ImageDraw.Draw(layer).rounded_rectangle((x0, y0 + shadow // 2, x1, y1 + shadow // 2), radius, fill=70)
        layer = layer.filter(ImageFilter.GaussianBlur(shadow))
        img.paste(Image.new("RGB", img.size, (15, 23, 42)), (0, 0), layer)
    ImageDraw.Draw(img).rounded_rectangle(box, radius, fill=fill)


def pill(
    d: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    f: ImageFont.FreeTypeFont,
    fill: Color,
    ink: Color = WHITE,
    pad: int = 18,
) -> int:
    """A rounded label; return its right edge."""
    x, y = xy
    w = int(f.getlength(text)) + 2 * pad
    h = int(f.size * 1.6)
    d.rounded_rectangle((x, y, x + w, y + h), h // 2, fill=fill)
    d.text((x + w // 2, y + h // 2), text, font=f, fill=ink, anchor="mm")
    return x + w


def logo(size: int) -> Image.Image:
    """The WeeklyPilot mark: an indigo squircle, a white report sheet and a green check."""
    s = size * 4  # draw large, shrink: cheap anti-aliasing
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, s - 1, s - 1), s // 4, fill=BRAND)
    d.rounded_rectangle((s * 0.27, s * 0.2, s * 0.73, s * 0.8), s // 20, fill=WHITE)
    for i in range(3):
        y = s * (0.33 + i * 0.1)
        d.rounded_rectangle(
            (s * 0.34, y, s * (0.66 - 0.08 * (i == 2)), y + s * 0.035), s // 60, fill=(199, 210, 254)
        )
    d.ellipse((s * 0.52, s * 0.55, s * 0.84, s * 0.87), fill=ACCENT)
    d.line(
        [(s * 0.6, s * 0.71), (s * 0.665, s * 0.775), (s * 0.77, s * 0.64)],
        fill=WHITE,
        width=s // 28,
        joint="curve",
    )
    return img.resize((size, size), Image.Resampling.LANCZOS)


def brand_footer(img: Image.Image, y: int, ink: Color = INK, center: bool = True) -> None:
    mark = logo(64)
    d = ImageDraw.Draw(img)
    f = font(34, bold=True)
    label = "周报助手 WeeklyPilot"
    w = 64 + 18 + int(f.getlength(label))
    x = (img.width - w) // 2 if center else 72
    img.paste(mark, (x, y), mark)
    d.text((x + 82, y + 32), label, font=f, fill=ink, anchor="lm")


def window(img: Image.Image, box: tuple[int, int, int, int], title: str) -> tuple[int, int, int, int]:
    """A desktop app window frame; return the content box."""
    card(img, box, radius=22, shadow=24)
    d = ImageDraw.Draw(img)
    x0, y0, x1, _ = box
    d.rounded_rectangle((x0, y0, x1, y0 + 56), 22, fill=(241, 245, 249))
    d.rectangle((x0, y0 + 34, x1, y0 + 56), fill=(241, 245, 249))
    for i, c in enumerate([(248, 113, 113), (251, 191, 36), (52, 211, 153)]):
        d.ellipse((x0 + 22 + i * 30, y0 + 19, x0 + 40 + i * 30, y0 + 37), fill=c)
    d.text(((x0 + x1) // 2, y0 + 28), title, font=font(24), fill=MUTED, anchor="mm")
    return x0, y0 + 56, x1, box[3]


def report_lines(d: ImageDraw.ImageDraw, x: int, y: int, width: int, scale: float = 1.0) -> int:
    """The generated weekly report, as the app shows it."""
    h1, body = font(int(34 * scale), bold=True), font(int(26 * scale))
    sections = [
        (
            "本周完成 Done",
            [
                "上线新版导出功能，支持 Word / 飞书文档",
                "修复 12 个客户反馈问题（P1 清零）",
                "完成 Q4 增长复盘，输出 3 条改进项",
            ],
        ),
        ("下周计划 Next", ["接入企业微信日程，自动汇总会议纪要", "英文周报模板 Beta 开放内测"]),
        ("风险与求助 Risks", ["设计资源紧张，需协调 1 人周支持"]),
    ]
    for head, items in sections:
        d.text((x, y), head, font=h1, fill=INK)
        y += int(56 * scale)
        for it in items:
            d.ellipse((x + 4, y + int(12 * scale), x + 4 + int(10 * scale), y + int(22 * scale)), fill=BRAND)
            y = text_block(d, (x + int(28 * scale), y), it, body, (55, 65, 81), width - int(28 * scale), 1.5)
        y += int(22 * scale)
    return y


def photo_grain(img: Image.Image, seed: int, strength: int = 10) -> Image.Image:
    """Seeded sensor-like grain, so flat shapes read as a photo (and stay deterministic)."""
    rng = random.Random(seed)
    w, h = img.width // 2, img.height // 2
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(img.size, Image.Resampling.BILINEAR)
    noise = noise.filter(ImageFilter.GaussianBlur(0.8)).convert("RGB")
    return Image.blend(img, noise, strength / 255)


# ----------------------------------------------------------------------------------------------- the images


def teaser() -> Image.Image:
    img = gradient((1080, 1440), BRAND_DARK, BRAND)
    d = ImageDraw.Draw(img)
    pill(d, (80, 110), "即将上线 · Coming soon", font(34, bold=True), ACCENT)
    d.text((80, 230), "12.02", font=font(220, bold=True), fill=WHITE)
    text_block(d, (80, 500), "你的周报，\n3 步写完。", font(96, bold=True), WHITE, 920, 1.3)
    text_block(
        d, (80, 790), "连接日历和任务 → 选模板 → 一键生成。每周五省下一小时。", font(40), (199, 210, 254), 900
    )
    card(img, (80, 960, 1000, 1250), radius=32, fill=(55, 48, 163), shadow=0)
    for i in range(4):
        w = [760, 640, 700, 420][i]
        d.rounded_rectangle((130, 1010 + i * 56, 130 + w, 1034 + i * 56), 12, fill=(99, 102, 241))
    pill(d, (680, 1180), "生成周报 ✓", font(32, bold=True), WHITE, BRAND)
    brand_footer(img, 1320, WHITE)
    return img


STEPS = [
    (
        "连接工作数据",
        "日历、任务、代码提交，一次授权，自动汇总本周做过的事。",
        [("飞书日历", True), ("Jira / TAPD", True), ("GitHub", True), ("企业微信", False)],
    ),
    (
        "选择周报模板",
        "技术、产品、销售、管理层汇报，20+ 模板，也可以用你们公司的格式。",
        [("研发周报", True), ("产品周报", False), ("销售周报", False), ("English Weekly", False)],
    ),
    ("一键生成，随手微调", "AI 按模板写好初稿，标出风险和下周计划；改两句就能发。", []),
]


def step_card(n: int) -> Image.Image:
    title, sub, options = STEPS[n - 1]
    img = Image.new("RGB", (1080, 1440), PAPER)
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 1080, 16), fill=BRAND)
    pill(d, (80, 100), f"第 {n} 步", font(44, bold=True), BRAND, pad=26)
    d.text((920, 104), f"{n}/3", font=font(44, bold=True), fill=(199, 210, 254))
    d.text((80, 220), title, font=font(80, bold=True), fill=INK)
    text_block(d, (80, 350), sub, font(38), MUTED, 920)
    card(img, (80, 520, 1000, 1230))
    if options:
        for i, (name, on) in enumerate(options):
            y = 580 + i * 150
            d.rounded_rectangle((130, y, 950, y + 116), 20, fill=(238, 242, 255) if on else (243, 244, 246))
            d.text((175, y + 58), name, font=font(42, bold=on), fill=INK, anchor="lm")
            if n == 1:  # toggles
                tx = 820
                d.rounded_rectangle((tx, y + 33, tx + 90, y + 83), 25, fill=ACCENT if on else (209, 213, 219))
                cx = tx + 65 if on else tx + 25
                d.ellipse((cx - 20, y + 38, cx + 20, y + 78), fill=WHITE)
            elif on:  # radio
                d.ellipse((850, y + 33, 900, y + 83), fill=BRAND)
                d.ellipse((866, y + 49, 884, y + 67), fill=WHITE)
            else:
                d.ellipse((850, y + 33, 900, y + 83), outline=(156, 163, 175), width=4)
    else:
        report_lines(d, 130, 570, 820, scale=1.05)
        pill(d, (700, 1140), "复制到飞书", font(30, bold=True), BRAND)
    brand_footer(img, 1310)
    return img


def app_window() -> Image.Image:
    img = gradient((1600, 1200), (224, 231, 255), (245, 243, 255))
    content = window(img, (80, 80, 1520, 1120), "WeeklyPilot — 2026 年第 49 周周报")
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = content
    d.rectangle((x0, y0, x0 + 320, y1 - 22), fill=(248, 250, 252))
    d.text((x0 + 36, y0 + 40), "我的周报", font=font(30, bold=True), fill=INK)
    for i, (wk, active) in enumerate(
        [
            ("第 49 周 · 草稿", True),
            ("第 48 周", False),
            ("第 47 周", False),
            ("第 46 周", False),
            ("Q4 月报", False),
        ]
    ):
        y = y0 + 110 + i * 70
        if active:
            d.rounded_rectangle((x0 + 20, y - 12, x0 + 300, y + 48), 14, fill=(224, 231, 255))
        d.text(
            (x0 + 40, y + 18), wk, font=font(26, bold=active), fill=BRAND if active else MUTED, anchor="lm"
        )
    d.text((x0 + 40, y1 - 110), "数据源 3 个已连接", font=font(22), fill=ACCENT)
    ex = x0 + 380
    d.text((ex, y0 + 36), "研发周报 · 王小明 · 12 月 7 日 – 12 月 11 日", font=font(26), fill=MUTED)
    report_lines(d, ex, y0 + 100, x1 - ex - 60, scale=1.0)
    pill(d, (x1 - 330, y1 - 100), "重新生成", font(26, bold=True), (238, 242, 255), BRAND)
    pill(d, (x1 - 180, y1 - 100), "导出", font(26, bold=True), BRAND)
    return img


def bar_chart(
    size: tuple[int, int],
    title: str,
    labels: list[str],
    values: list[float],
    unit: str,
    colors: list[Color],
    note: str,
) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, WHITE)
    d = ImageDraw.Draw(img)
    d.text((100, 90), title, font=font(int(h * 0.05), bold=True), fill=INK)
    d.text((100, 90 + int(h * 0.08)), note, font=font(int(h * 0.026)), fill=MUTED)
    left, right, top, bottom = 180, w - 120, int(h * 0.3), h - 170
    top_val = math.ceil(max(values) * 1.15 / 20) * 20  # round axis ticks
    for i in range(5):
        y = bottom - (bottom - top) * i / 4
        d.line((left, y, right, y), fill=LINE, width=2)
        d.text((left - 20, y), f"{top_val * i / 4:.0f}", font=font(24), fill=MUTED, anchor="rm")
    slot = (right - left) / len(values)
    for i, (lab, v, c) in enumerate(zip(labels, values, colors, strict=True)):
        cx = left + slot * (i + 0.5)
        bh = (bottom - top) * v / top_val
        d.rounded_rectangle((cx - slot * 0.28, bottom - bh, cx + slot * 0.28, bottom), 16, fill=c)
        d.rectangle((cx - slot * 0.28, bottom - 16, cx + slot * 0.28, bottom), fill=c)
        d.text(
            (cx, bottom - bh - 16),
            f"{v:g} {unit}",
            font=font(int(h * 0.04), bold=True),
            fill=INK,
            anchor="md",
        )
        d.text((cx, bottom + 30), lab, font=font(int(h * 0.028)), fill=INK, anchor="ma")
    return img


def chart_time_saved() -> Image.Image:
    return bar_chart(
        (1600, 1200),
        "写一份周报平均要多久？",
        ["手写（整理聊天记录）", "套模板手填", "周报助手"],
        [62, 35, 9],
        "分钟",
        [(209, 213, 219), (165, 180, 252), BRAND],
        "内测 214 位用户，2026 年 10–11 月，自报用时中位数（单位：分钟）",
    )


def before_after() -> Image.Image:
    img = Image.new("RGB", (1080, 1440), PAPER)
    d = ImageDraw.Draw(img)
    d.text((540, 70), "同一周的工作，两种周报", font=font(56, bold=True), fill=INK, anchor="ma")
    # before: a messy chat-log paste
    card(img, (60, 180, 1020, 760), fill=(254, 242, 242))
    pill(d, (100, 215), "之前 Before", font(30, bold=True), (239, 68, 68))
    messy = [
        "周一 开会 讨论了导出的事?? 还有那个bug",
        "周二 改bug 改bug 群里说客户反馈..",
        "周三 好像写了复盘文档 链接找不到了",
        "周四 ??? 忘了",
        "周五 17:55 才开始写周报 (崩溃)",
    ]
    y = 300
    for i, line in enumerate(messy):
        d.text((110 + (i % 2) * 18, y), line, font=font(36), fill=(127, 29, 29))
        y += 84
    # after: the structured report
    card(img, (60, 820, 1020, 1400), fill=WHITE)
    pill(d, (100, 855), "之后 After", font(30, bold=True), ACCENT)
    rows = [
        ("本周完成", "导出功能上线 · 12 个问题修复 · Q4 复盘"),
        ("下周计划", "接入企业微信日程 · 英文模板内测"),
        ("风险", "设计资源紧张，需 1 人周支持"),
        ("用时", "9 分钟（以前 1 小时）"),
    ]
    y = 950
    for k, v in rows:
        d.text((110, y), k, font=font(36, bold=True), fill=BRAND)
        d.text((300, y), v, font=font(34), fill=INK)
        y += 100
    return img


def team_scene() -> Image.Image:
    """A stand-in for a team photo: a room, a window, four people at a desk, laptops; grain and soft focus."""
    w, h = 2000, 1500
    img = gradient((w, h), (236, 226, 210), (196, 180, 160))
    d = ImageDraw.Draw(img)
    d.rectangle((1250, 120, 1850, 700), fill=(186, 214, 235))  # window
    d.rectangle((1250, 120, 1850, 700), outline=(245, 245, 245), width=22)
    d.line((1550, 120, 1550, 700), fill=(245, 245, 245), width=16)
    d.rectangle((160, 180, 700, 520), fill=(250, 250, 247))  # whiteboard
    for i, c in enumerate([BRAND, ACCENT, WARM]):
        d.rounded_rectangle((210, 230 + i * 90, 210 + [420, 300, 360][i], 270 + i * 90), 10, fill=c)
    d.ellipse((1540, 520, 1700, 760), fill=(74, 124, 89))  # plant
    d.rectangle((1590, 740, 1650, 900), fill=(120, 84, 60))
    people = [(430, (59, 130, 246)), (800, (236, 72, 153)), (1170, (16, 185, 129)), (1540, (245, 158, 11))]
    for x, shirt in people:
        d.ellipse((x - 170, 820, x + 170, 1260), fill=shirt)  # shoulders
        d.ellipse((x - 95, 600, x + 95, 810), fill=(241, 194, 160))  # face
        d.pieslice((x - 105, 575, x + 105, 760), 180, 360, fill=(40, 32, 28))  # hair
    d.rectangle((0, 1080, w, h), fill=(150, 111, 80))  # desk
    d.rectangle((0, 1080, w, 1110), fill=(120, 86, 60))
    for x, _ in people:
        d.polygon([(x - 150, 1180), (x + 150, 1180), (x + 120, 1030), (x - 120, 1030)], fill=(203, 213, 225))
        d.rectangle((x - 110, 1045, x + 110, 1165), fill=(71, 85, 105))
    mug = (1860, 1150)
    d.rounded_rectangle((mug[0] - 50, mug[1] - 70, mug[0] + 50, mug[1] + 60), 14, fill=WHITE)
    img = img.filter(ImageFilter.GaussianBlur(2.2))
    return photo_grain(img, seed=49, strength=14)


def customer_story() -> Image.Image:
    img = photo_grain(gradient((1080, 1440), (253, 230, 138), (251, 146, 60)), seed=7, strength=8)
    d = ImageDraw.Draw(img)
    card(img, (70, 150, 1010, 1290), radius=36)
    pill(d, (120, 200), "客户故事 Customer story", font(32, bold=True), WARM)
    d.text((120, 300), "“", font=font(180, bold=True), fill=(253, 186, 116))
    y = text_block(
        d,
        (120, 430),
        "以前周五下午整个组都在补周报。现在 10 分钟写完，还能顺手把风险同步给老板。",
        font(50, bold=True),
        INK,
        840,
        1.5,
    )
    d.ellipse((120, y + 60, 240, y + 180), fill=(254, 215, 170))
    d.text((180, y + 120), "林", font=font(56, bold=True), fill=(154, 52, 18), anchor="mm")
    d.text((270, y + 75), "林晓 · 研发经理", font=font(38, bold=True), fill=INK)
    d.text((270, y + 135), "杭州某跨境电商 SaaS 团队，32 人", font=font(30), fill=MUTED)
    y += 240
    d.line((120, y, 960, y), fill=LINE, width=3)
    d.text((120, y + 40), "使用 1 个月后 After one month", font=font(30), fill=MUTED)
    for i, (num, label) in enumerate([("↓ 85%", "周报用时"), ("97%", "按时提交率（原 61%）")]):
        d.text((120 + i * 420, y + 110), num, font=font(72, bold=True), fill=BRAND)
        d.text((120 + i * 420, y + 210), label, font=font(30), fill=MUTED)
    brand_footer(img, 1340)
    return img


def stat_card(title: str, badge: str, stats: list[tuple[str, str]], note: str) -> Image.Image:
    img = gradient((1080, 1440), WHITE, (238, 242, 255))
    d = ImageDraw.Draw(img)
    pill(d, (80, 100), badge, font(34, bold=True), BRAND)
    d.text((80, 210), title, font=font(76, bold=True), fill=INK)
    for i, (num, label) in enumerate(stats):
        x, y = 80 + (i % 2) * 470, 400 + (i // 2) * 360
        card(img, (x, y, x + 450, y + 320), radius=28)
        d.text((x + 40, y + 60), num, font=font(84, bold=True), fill=BRAND)
        text_block(d, (x + 40, y + 190), label, font(34), MUTED, 380)
    text_block(d, (80, 1150), note, font(30), MUTED, 920)
    brand_footer(img, 1320)
    return img


def recap() -> Image.Image:
    return stat_card(
        "上线第一周，谢谢你们",
        "第一周复盘 Week 1",
        [
            ("3,218", "新注册用户"),
            ("12,460", "生成的周报"),
            ("9 分钟", "平均写完一份"),
            ("#4", "Product Hunt 当日排名"),
        ],
        "数据截至 12 月 6 日 24:00（北京时间）。最多人用的模板：研发周报、产品周报、English Weekly。",
    )


def templates() -> Image.Image:
    img = Image.new("RGB", (1080, 1440), PAPER)
    d = ImageDraw.Draw(img)
    d.text((80, 90), "模板怎么选？", font=font(80, bold=True), fill=INK)
    d.text((80, 210), "按“给谁看”选，不按“写什么”选", font=font(40), fill=MUTED)
    items = [
        ("研发周报", "给技术负责人：进展、阻塞、代码与上线", BRAND),
        ("产品周报", "给跨部门：需求状态、数据、下周排期", ACCENT),
        ("管理层汇报", "给老板：3 句话结论 + 风险 + 要资源", WARM),
        ("English Weekly", "For global teams: Done / Next / Risks", (236, 72, 153)),
    ]
    for i, (name, desc, c) in enumerate(items):
        y = 320 + i * 250
        card(img, (80, y, 1000, y + 210), radius=26)
        d.rounded_rectangle((80, y, 104, y + 210), 12, fill=c)
        d.text((150, y + 45), name, font=font(48, bold=True), fill=INK)
        d.text((150, y + 125), desc, font=font(32), fill=MUTED)
    brand_footer(img, 1330)
    return img


def pains() -> Image.Image:
    img = gradient((1080, 1080), (255, 247, 237), (254, 215, 170))
    d = ImageDraw.Draw(img)
    d.text((540, 90), "写周报，你最头疼哪一步？", font=font(64, bold=True), fill=INK, anchor="ma")
    options = [
        ("A", "想不起这周干了啥", 46),
        ("B", "不知道怎么写得“有亮点”", 27),
        ("C", "格式每次都要重新排", 15),
        ("D", "写完还要翻译成英文", 12),
    ]
    for i, (k, text, pct) in enumerate(options):
        y = 250 + i * 170
        card(img, (80, y, 1000, y + 140), radius=26, shadow=10)
        d.rounded_rectangle((80, y, 80 + int(920 * pct / 100), y + 140), 26, fill=(254, 226, 200))
        d.text((130, y + 70), k, font=font(52, bold=True), fill=WARM, anchor="lm")
        d.text((210, y + 70), text, font=font(40), fill=INK, anchor="lm")
        d.text((950, y + 70), f"{pct}%", font=font(38, bold=True), fill=MUTED, anchor="rm")
    d.text((540, 960), "评论区告诉我们 ↓  （小范围调研，n=300）", font=font(34), fill=MUTED, anchor="ma")
    return img


def cover() -> Image.Image:
    img = gradient((1800, 766), BRAND_DARK, BRAND)
    d = ImageDraw.Draw(img)
    mark = logo(150)
    img.paste(mark, (110, 110), mark)
    d.text((110, 300), "周报，3 步写完", font=font(120, bold=True), fill=WHITE)
    d.text((110, 470), "周报助手 WeeklyPilot 正式上线 · 产品设计全记录", font=font(46), fill=(199, 210, 254))
    content = window(img, (1180, 120, 1720, 700), "第 49 周")
    report_lines(ImageDraw.Draw(img), content[0] + 30, content[1] + 30, 480, scale=0.62)
    return img


def ph_thumbnail() -> Image.Image:
    img = Image.new("RGB", (600, 600), WHITE)
    mark = logo(520)
    img.paste(mark, (40, 40), mark)
    return img


def ph_gallery(n: int) -> Image.Image:
    img = gradient((1270, 760), (238, 242, 255), WHITE)
    d = ImageDraw.Draw(img)
    if n == 1:
        y = text_block(d, (80, 110), "Weekly reports\nin 3 steps", font(58, bold=True), INK, 470, 1.25)
        y = text_block(
            d,
            (80, y + 30),
            "Connect your calendar and tasks, pick a template, get a draft you can send.",
            font(30),
            MUTED,
            460,
        )
        pill(d, (80, y + 40), "Try it free", font(30, bold=True), BRAND, pad=28)
        content = window(img, (600, 90, 1200, 690), "WeeklyPilot")
        report_lines(d, content[0] + 30, content[1] + 30, 540, scale=0.7)
    elif n == 2:
        d.text((635, 70), "Connect → Pick → Generate", font=font(54, bold=True), fill=INK, anchor="ma")
        for i, (t, s) in enumerate(
            [
                ("1 Connect", "Calendar, Jira, GitHub"),
                ("2 Pick", "20+ report templates"),
                ("3 Generate", "A draft in seconds"),
            ]
        ):
            x = 70 + i * 390
            card(img, (x, 200, x + 350, 660), radius=28)
            d.ellipse((x + 125, 250, x + 225, 350), fill=[BRAND, ACCENT, WARM][i])
            d.text((x + 175, 300), t[0], font=font(52, bold=True), fill=WHITE, anchor="mm")
            d.text((x + 175, 420), t[2:], font=font(40, bold=True), fill=INK, anchor="ma")
            d.text((x + 175, 490), s, font=font(26), fill=MUTED, anchor="ma")
    else:
        chart = bar_chart(
            (1270, 760),
            "From 62 minutes to 9",
            ["By hand", "Template", "WeeklyPilot"],
            [62, 35, 9],
            "min",
            [(209, 213, 219), (165, 180, 252), BRAND],
            "Median self-reported time, 214 beta users",
        )
        img.paste(chart)
    return img


# ----------------------------------------------------------------------------------------------- writing


def save_png(img: Image.Image, path: Path) -> None:
    img.convert("RGB").save(path, "PNG", optimize=True)


def save_jpeg(img: Image.Image, path: Path, quality: int = 84) -> None:
    img.convert("RGB").save(path, "JPEG", quality=quality, optimize=True, progressive=True)


def save_team_photo(img: Image.Image, path: Path) -> None:
    """Store the photo as a camera held sideways would: pixels rotated, EXIF Orientation 6, a fake GPS fix.

    Orientation 6 means "rotate 90° clockwise to display", so the stored pixels are the scene turned 90°
    counter-clockwise. The pipeline must apply the orientation and strip EXIF/GPS before publishing.
    """
    stored = img.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x010F] = "WeeklyPilot Example"  # Make
    exif[0x0110] = "Fake Camera X1"  # Model
    exif[0x0112] = 6  # Orientation
    exif[0x0131] = "make_example_media.py"  # Software
    exif[0x0132] = "2026:11:28 15:30:00"  # DateTime (fixed: deterministic)
    gps = {1: "N", 2: (31.0, 13.0, 49.4), 3: "E", 4: (121.0, 28.0, 25.3)}  # fake fix (central Shanghai)
    exif[0x8825] = gps  # GPSInfo IFD
    stored.convert("RGB").save(path, "JPEG", quality=82, optimize=True, exif=exif.tobytes())
    check = Image.open(path)
    assert check.getexif().get(0x0112) == 6, "orientation tag not written"
    assert ImageOps.exif_transpose(check).size == img.size, "orientation does not restore the scene"


def video_frames() -> list[Image.Image]:
    """720×1280 frames: a title card, the three steps, a call to action."""
    frames = []
    title = gradient((720, 1280), BRAND_DARK, BRAND)
    d = ImageDraw.Draw(title)
    mark = logo(180)
    title.paste(mark, (270, 300), mark)
    d.text((360, 560), "周报助手", font=font(96, bold=True), fill=WHITE, anchor="ma")
    d.text((360, 690), "WeeklyPilot", font=font(56), fill=(199, 210, 254), anchor="ma")
    d.text((360, 860), "30 秒看懂：周报 3 步写完", font=font(42, bold=True), fill=WHITE, anchor="ma")
    frames.append(title)
    for n in (1, 2, 3):
        f = gradient((720, 1280), (238, 242, 255), WHITE)
        f.paste(step_card(n).resize((660, 880), Image.Resampling.LANCZOS), (30, 200))
        ImageDraw.Draw(f).text(
            (360, 1150), STEPS[n - 1][0], font=font(54, bold=True), fill=BRAND, anchor="ma"
        )
        frames.append(f)
    end = gradient((720, 1280), BRAND, BRAND_DARK)
    d = ImageDraw.Draw(end)
    d.text((360, 480), "12 月 2 日 正式上线", font=font(60, bold=True), fill=WHITE, anchor="ma")
    d.text((360, 600), "评论区扣「周报」领内测码", font=font(44), fill=(199, 210, 254), anchor="ma")
    d.text((360, 720), "weeklypilot.example", font=font(40), fill=WHITE, anchor="ma")
    frames.append(end)
    return frames


def make_video(path: Path, hold: float = 1.9, fade: float = 0.3) -> None:
    """H.264 720×1280, no audio, cross-fades between frames; bit-exact flags keep it reproducible."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        sys.exit("ffmpeg not found: apt-get install -y ffmpeg (or pass --no-video)")
    frames = video_frames()
    with tempfile.TemporaryDirectory() as tmp:
        args = [ffmpeg, "-y", "-hide_banner", "-loglevel", "error"]
        for i, frame in enumerate(frames):
            p = Path(tmp) / f"f{i}.png"
            frame.save(p)
            args += ["-loop", "1", "-framerate", "25", "-t", f"{hold}", "-i", str(p)]
        chain, last = [], "[0:v]"
        for i in range(1, len(frames)):
            out = f"[x{i}]"
            chain.append(
                f"{last}[{i}:v]xfade=transition=fade:duration={fade}:offset={i * (hold - fade):.2f}{out}"
            )
            last = out
        chain.append(f"{last}format=yuv420p[v]")
        args += [
            "-filter_complex",
            ";".join(chain),
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "slow",
            "-crf",
            "28",
            "-profile:v",
            "high",
            "-threads",
            "1",
            "-r",
            "25",
            "-movflags",
            "+faststart",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            str(path),
        ]
        subprocess.run(args, check=True)


IMAGES: dict[str, Callable[[], Image.Image]] = {
    "teaser.png": teaser,
    "step1.png": lambda: step_card(1),
    "step2.png": lambda: step_card(2),
    "step3.png": lambda: step_card(3),
    "app-window.png": app_window,
    "chart-time-saved.png": chart_time_saved,
    "before-after.png": before_after,
    "customer-story.jpg": customer_story,
    "recap-week1.png": recap,
    "templates.png": templates,
    "pains.png": pains,
    "cover.png": cover,
    "ph-thumbnail.png": ph_thumbnail,
    "ph-gallery-1.png": lambda: ph_gallery(1),
    "ph-gallery-2.png": lambda: ph_gallery(2),
    "ph-gallery-3.png": lambda: ph_gallery(3),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "content" / "media"
    )
    parser.add_argument("--no-video", action="store_true", help="skip launch.mp4 (no ffmpeg needed)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, make in IMAGES.items():
        target = out / name
        (save_jpeg if name.endswith(".jpg") else save_png)(make(), target)
        print(f"{target}  {target.stat().st_size / 1024:.0f} KB")
    save_team_photo(team_scene(), out / "team-photo.jpg")
    print(f"{out / 'team-photo.jpg'}  (EXIF Orientation 6 + fake GPS)")
    if not args.no_video:
        make_video(out / "launch.mp4")
        print(f"{out / 'launch.mp4'}  {(out / 'launch.mp4').stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
