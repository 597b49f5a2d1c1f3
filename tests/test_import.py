"""`publisher import DIR`: a Hexo, Hugo, Jekyll or plain Markdown folder becomes draft items with their
images, each change reported per file; nothing is overwritten, and `check` reads what it wrote."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzzing import examples
from tests.conftest import WS, make_image
from tests.test_cli import cli

from publisher.calendar.check import check_workspace
from publisher.importer.body import convert_body
from publisher.importer.fields import SourceError, map_fields, read_source
from publisher.importer.media import MediaPlan
from publisher.importer.model import Site


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def hexo_blog(root: Path) -> Path:
    write(root / "_config.yml", "title: 小站\npost_asset_folder: true\n")
    make_image(root / "source" / "_posts" / "first-post" / "pic.png", (800, 400))
    make_image(root / "source" / "images" / "cover.jpg", (900, 383), "#3366ff")
    write(
        root / "source" / "_posts" / "first-post.md",
        """
        ---
        title: 链表的第一课
        date: 2015-03-02 10:00:00
        categories: [技术, [C 语言]]
        tags: [Spring Boot, shell]
        cover: /images/cover.jpg
        layout: post
        comments: true
        ---
        这一篇讲 `std::list<int>` 和 `{% asset_img x.png %}` 的写法。

        <!--more-->

        {% asset_img pic.png 示意图 %}

        {% codeblock main.c lang:c %}
        int main(void) { return 0; }
        {% endcodeblock %}

        ```markdown
        {% asset_img shown-not-converted.png %}
        ```

        上一篇：{% post_link hello-world "你好，世界" %}；下一篇见[这里]({% post_url 2015-01-01-next %})。

        {% img /images/cover.jpg 300 "封面" %}

        {% blockquote 鲁迅, 《故乡》 %}
        其实地上本没有路
        {% endblockquote %}
        """,
    )
    return root


def test_a_hexo_post_becomes_a_draft_with_its_images_history_and_tags(ws: WS, tmp_path: Path) -> None:
    blog = hexo_blog(tmp_path / "blog")
    ran = cli("import", str(blog), "-w", str(ws.root), "-p", "wechat", "-p", "小红书", "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    doc = json.loads(ran.stdout)
    assert doc["kind"] == "hexo" and doc["ok"]
    [entry] = doc["files"]
    assert entry["outcome"] == "written" and entry["check"] == {
        "errors": 0,
        "warnings": entry["check"]["warnings"],
    }
    text = (ws.root / "content" / "first-post.md").read_text(encoding="utf-8")
    assert "status: draft" in text and "publish_at" not in text
    assert "published_on: '2015-03-02 10:00:00'" in text
    assert "tags: [SpringBoot, shell, 技术, C语言]" in text
    assert "cover: media/first-post/cover.jpg" in text
    assert "images: [media/first-post/pic.png, media/first-post/cover.jpg]" in text
    assert "![示意图](media/first-post/pic.png)" in text
    assert "```c\nint main(void) { return 0; }\n```" in text
    assert "{% asset_img shown-not-converted.png %}" in text  # inside a code block: left alone
    assert "`{% asset_img x.png %}`" in text  # inside a code span: left alone
    assert "> 其实地上本没有路\n>\n> —— 鲁迅, 《故乡》" in text
    assert "上一篇：你好，世界；下一篇见这里。" in text and "![封面](media/first-post/cover.jpg)" in text
    assert "<!--more-->" in text  # the renderer takes the text above it as the WeChat digest
    assert "layout" not in text and "comments" not in text
    assert (ws.root / "content" / "media" / "first-post" / "pic.png").is_file()
    codes = {n["code"] for n in entry["notes"]}
    assert {
        "im_date",
        "im_tags",
        "im_tag_space",
        "im_cover",
        "im_asset_img",
        "im_codeblock",
        "im_more",
    } <= codes
    assert {"im_dropped", "im_images", "im_draft"} <= codes
    result = check_workspace(ws.open())
    assert not [p for p in result.errors if p.path == "content/first-post.md"]


def test_the_report_is_a_chinese_table_by_default_and_english_on_request(ws: WS, tmp_path: Path) -> None:
    blog = hexo_blog(tmp_path / "blog")
    ran = cli("import", str(blog), "-w", str(ws.root), "--dry-run")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "导入 Hexo 博客" in ran.stdout and "试运行" in ran.stdout and "将写入" in ran.stdout
    assert "标签“Spring Boot”含空格" in ran.stdout
    assert not (ws.root / "content" / "first-post.md").exists()  # a dry run writes nothing
    assert not (ws.root / "content" / "media" / "first-post").exists()
    ran = cli("import", str(blog), "-w", str(ws.root), "--lang", "en", "-v")
    assert "Importing the Hexo blog" in ran.stdout and "date 2015-03-02 10:00:00 → published_on" in ran.stdout


def test_nothing_is_overwritten_and_a_second_import_changes_nothing(ws: WS, tmp_path: Path) -> None:
    blog = hexo_blog(tmp_path / "blog")
    assert cli("import", str(blog), "-w", str(ws.root)).returncode == 0
    again = cli("import", str(blog), "-w", str(ws.root), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["files"][0]["outcome"] == "unchanged"
    item = ws.root / "content" / "first-post.md"
    item.write_text(item.read_text(encoding="utf-8") + "\n我改过这一篇。\n", encoding="utf-8")
    edited = item.read_text(encoding="utf-8")
    ran = cli("import", str(blog), "-w", str(ws.root))
    assert ran.returncode == 1
    assert "已存在且内容不同：没有覆盖" in ran.stdout
    assert item.read_text(encoding="utf-8") == edited


def test_a_hugo_page_bundle_toml_front_matter_and_figure(ws: WS, tmp_path: Path) -> None:
    blog = tmp_path / "site"
    write(blog / "hugo.toml", 'title = "站点"\n')
    make_image(blog / "content" / "posts" / "bundle" / "diagram.png", (1200, 600))
    make_image(blog / "static" / "img" / "logo.png", (400, 400))
    write(
        blog / "content" / "posts" / "bundle" / "index.md",
        """
        +++
        title = "页面包里的图"
        date = 2021-07-04T08:30:00+08:00
        tags = ["hugo", "图片"]
        summary = "一段摘要"
        draft = true
        +++
        正文。

        {{< figure src="diagram.png" alt="架构图" >}}

        {{< highlight go "linenos=table" >}}
        fmt.Println("你好")
        {{< /highlight >}}

        {{% notice warning %}}
        小心空指针
        {{% /notice %}}

        ![标志](/img/logo.png)
        """,
    )
    write(blog / "content" / "posts" / "_index.md", "---\ntitle: 列表页\n---\n")
    ran = cli("import", str(blog), "-w", str(ws.root), "--json")
    assert ran.returncode == 0, ran.stdout
    doc = json.loads(ran.stdout)
    assert doc["kind"] == "hugo" and [f["item"] for f in doc["files"]] == ["bundle"]
    text = (ws.root / "content" / "bundle.md").read_text(encoding="utf-8")
    assert "published_on: '2021-07-04 08:30:00'" in text
    assert "description: 一段摘要" in text
    assert "![架构图](media/bundle/diagram.png)" in text and "![标志](media/bundle/logo.png)" in text
    assert '```go\nfmt.Println("你好")\n```' in text and "> [!WARNING]\n> 小心空指针" in text
    assert "im_was_draft" in {n["code"] for n in doc["files"][0]["notes"]}


def test_a_jekyll_post_takes_its_date_from_the_file_name_and_resolves_baseurl(ws: WS, tmp_path: Path) -> None:
    blog = tmp_path / "jk"
    write(blog / "_config.yml", "baseurl: /blog\n")
    make_image(blog / "assets" / "img" / "shot.png", (1000, 500))
    write(
        blog / "_posts" / "2014-05-06-shell-tips.md",
        """
        ---
        layout: post
        title: Shell 小技巧
        ---
        ![截图]({{ site.baseurl }}/assets/img/shot.png)

        {% highlight bash %}
        echo "你好"
        {% endhighlight %}
        """,
    )
    write(blog / "_posts" / "notes.md", "---\ntitle: 不是文章\n---\n")  # no date in the name: not a post
    ran = cli("import", str(blog), "-w", str(ws.root), "--json")
    assert ran.returncode == 0, ran.stdout
    [entry] = json.loads(ran.stdout)["files"]
    text = (ws.root / "content" / "2014-05-06-shell-tips.md").read_text(encoding="utf-8")
    assert "published_on: '2014-05-06'" in text
    assert "![截图](media/2014-05-06-shell-tips/shot.png)" in text
    assert '```bash\necho "你好"\n```' in text
    assert {"im_baseurl", "im_codeblock"} <= {n["code"] for n in entry["notes"]}


def test_a_plain_folder_takes_the_title_from_its_heading(ws: WS, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    make_image(folder / "img" / "a.png", (800, 800))
    write(
        folder / "周报.md",
        "# 第一周周报\n\n本周完成：\n\n![](img/a.png)\n\n![远程](https://example.com/x.png)\n",
    )
    ran = cli("import", str(folder), "-w", str(ws.root), "--into", "blog", "--json")
    doc = json.loads(ran.stdout)
    assert doc["kind"] == "plain"
    [entry] = doc["files"]
    assert entry["path"] == "content/blog/周报.md" and entry["item"] == "blog/周报"
    text = (ws.root / "content" / "blog" / "周报.md").read_text(encoding="utf-8")
    assert "title: 第一周周报" in text and "# 第一周周报" not in text
    assert (
        "![](media/周报/a.png)" in text
        and (ws.root / "content" / "blog" / "media" / "周报" / "a.png").is_file()
    )
    assert "im_remote_image" in {n["code"] for n in entry["notes"]}


def test_unconvertible_tags_and_broken_files_are_reported_and_do_not_stop_the_others(
    ws: WS, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    make_image(folder / "p.png", (900, 383))
    write(folder / "a.md", "---\ntitle: 好的\n---\n正文\n\n![封面](p.png)\n")
    write(folder / "b.md", "---\ntitle: 视频\n---\n开头\n\n{% youtube abc123 %}\n")
    write(folder / "c.md", "---\ntitle: [没闭合\n---\n正文\n")
    (folder / "d.md").write_bytes(b"---\ntitle: x\n---\n\xff\xfe")
    (folder / "e.md").write_bytes(b"---\ntitle: x\n---\n" + "长".encode() * 400_000)
    ran = cli("import", str(folder), "-w", str(ws.root), "--json")
    assert ran.returncode == 1
    files = {f["source"]: f for f in json.loads(ran.stdout)["files"]}
    assert files["a.md"]["ok"] and files["a.md"]["outcome"] == "written"
    tag = next(n for n in files["b.md"]["notes"] if n["code"] == "im_unknown_tag")
    assert tag["line"] == 6 and tag["severity"] == "error" and "{% youtube abc123 %}" in tag["text"]
    assert files["b.md"]["check"]["errors"] >= 1  # check refuses the template code it kept
    problems = files["b.md"]["problems"]  # named by the item's own file, never its hidden staging name
    # in the import's language (Chinese unless --lang en)
    assert all(p.startswith("content/b.md:") for p in problems) and any("模板代码" in p for p in problems)
    assert files["c.md"]["outcome"] == "unreadable" and files["c.md"]["notes"][0]["code"] == "im_front_matter"
    assert files["d.md"]["outcome"] == "unreadable" and files["d.md"]["notes"][0]["code"] == "im_not_utf8"
    assert files["e.md"]["outcome"] == "unreadable" and files["e.md"]["notes"][0]["code"] == "im_too_big"
    assert not (ws.root / "content" / "e.md").exists()


def test_an_image_path_cannot_leave_the_blog_folder(ws: WS, tmp_path: Path) -> None:
    make_image(tmp_path / "secret.png", (100, 100))
    folder = tmp_path / "blog"
    write(folder / "a.md", "---\ntitle: 越界\n---\n![x](../secret.png)\n")
    ran = cli("import", str(folder), "-w", str(ws.root), "--json")
    [entry] = json.loads(ran.stdout)["files"]
    assert entry["images"] == [] and "im_image_missing" in {n["code"] for n in entry["notes"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no-such-folder",), "不是文件夹"),  # the workspace's language (zh)
        (("{blog}", "-p", "myspace"), "未知平台"),
        (("{blog}", "--into", "../out"), "--into："),
    ],
)
def test_usage_errors_exit_2(ws: WS, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    blog = hexo_blog(tmp_path / "blog")
    ran = cli("import", *(a.format(blog=blog) for a in args), "-w", str(ws.root))
    assert ran.returncode == 2 and message in ran.stderr


def test_an_empty_folder_says_so_and_exits_1(ws: WS, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    ran = cli("import", str(tmp_path / "empty"), "-w", str(ws.root))
    assert ran.returncode == 1 and "没有找到 Markdown 文章" in ran.stderr


def test_check_suggests_publish_at_and_published_on_for_a_blog_date(ws: WS) -> None:
    ws.item(
        "old.md",
        """
        ---
        title: 旧文
        date: 2015-03-02
        subtitle: 一段副标题
        published_on: 去年
        platforms: [wechat]
        ---
        正文
        """,
    )
    problems = {p.field: p for p in check_workspace(ws.open()).errors}
    assert (
        "publish_at: 2015-03-02" in problems["date"].hint
        and "published_on: 2015-03-02" in problems["date"].hint
    )
    assert problems["date"].line == 3
    assert "must be a date" in problems["published_on"].message and problems["published_on"].line == 5
    assert "description:" in problems["subtitle"].hint and "title" not in problems["subtitle"].hint


BLOGGY = st.lists(
    st.sampled_from(
        list("ab 中文\n\t`~#>-*![]()<>{}%|\"'/.=+")
        + [
            "{% asset_img a.png x %}",
            "{{< figure src=a.png >}}",
            "{% codeblock lang:c %}",
            "{% endcodeblock %}",
        ]
        + ["```", "{{ site.baseurl }}", "<!--more-->", "---\n", "+++\n", "\ntitle: x\n", "{{< /highlight >}}"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=examples(200))
@given(text=BLOGGY)
def test_any_post_text_converts_or_is_refused_with_a_line_never_a_traceback(text: str) -> None:
    site = Site("hexo", Path("/nonexistent-blog"), (), (Path("/nonexistent-blog/source"),))
    post = Path("/nonexistent-blog/source/_posts/p.md")
    media = MediaPlan(site, post, None, "media/p", Path("/nonexistent-content"))
    try:
        src = read_source(text)
    except SourceError as exc:
        assert exc.line >= 1 and exc.message
        return
    mapped = map_fields(src, post, site, {"wechat": 64}, media, "p")
    body = convert_body(src.body, src.body_line, media, drop_title=str(mapped.data["title"]))
    assert body.text.endswith("\n") and media.copies == {}  # nothing outside the blog is ever found
    assert all(n.line >= 0 for n in body.notes)
