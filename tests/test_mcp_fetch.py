"""Guarded URL downloads (R30) with an injected resolver and httpx transport: never the network."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from publisher.calendar.load import Calendar
from publisher.mcp.fetch import Fetcher, FetchLimits, FetchRefused, refused_address
from publisher.mcp.items import ItemService, Payload
from publisher.mcp.media import MEDIA_SUBDIR, MediaResolver, ToolProblem
from publisher.queue.overview import post_views
from publisher.store.db import store_for

PUBLIC = "93.184.216.34"
DNS = {
    "cdn.example.com": [PUBLIC],
    "internal.example.com": ["10.0.0.1"],
    "localhost": ["127.0.0.1"],
    "mixed.example.com": [PUBLIC, "192.168.1.5"],
    "v6.example.com": ["2606:2800:220:1:248:1893:25c8:1946"],
}


def png_bytes(size: tuple[int, int] = (1080, 1440)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#ff2442").save(out, format="PNG")
    return out.getvalue()


PNG = png_bytes()


def resolver(host: str) -> list[str]:
    if host not in DNS:
        raise FetchRefused(f"cannot resolve host {host!r}")
    return DNS[host]


class Server:
    """A fake web: path -> handler; records every request that reached the transport."""

    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        handler = self.routes.get(request.url.path)
        return handler(request) if handler else httpx.Response(404)


def image(content: bytes = PNG, ctype: str = "image/png") -> Callable[[httpx.Request], httpx.Response]:
    return lambda _r: httpx.Response(200, headers={"content-type": ctype}, content=content)


def redirect(to: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _r: httpx.Response(302, headers={"location": to})


def fetcher(tmp_path: Path, server: Server, **kw: Any) -> Fetcher:
    return Fetcher(tmp_path / "media", resolver=resolver, transport=httpx.MockTransport(server), **kw)


@pytest.mark.parametrize(
    "url, why",
    [
        ("https://127.0.0.1/a.png", "127.0.0.1 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://[::1]/a.png", "::1 is a loopback address"),
        ("https://[::ffff:127.0.0.1]/a.png", "::ffff:127.0.0.1 is a loopback address"),
        (
            "https://internal.example.com/a.png",
            "internal.example.com resolves to 10.0.0.1, a private address",
        ),
        ("https://mixed.example.com/a.png", "192.168.1.5, a private address"),
        ("https://0.0.0.0/a.png", "unspecified"),
        ("https://224.0.0.1/a.png", "multicast"),
        ("http://cdn.example.com/a.png", "only https"),
        ("https://cdn.example.com:8443/a.png", "port 443"),
        ("https://user:pw@cdn.example.com/a.png", "user names or passwords"),
        ("file:///etc/passwd", "only https"),
    ],
)
def test_refused_before_any_request_leaves(tmp_path: Path, url: str, why: str) -> None:
    server = Server({"/a.png": image()})
    with pytest.raises(FetchRefused) as caught:
        fetcher(tmp_path, server).fetch(url, "image")
    assert why in str(caught.value)
    assert server.seen == []  # the guard acts before the connection, not after
    assert "pw" not in str(caught.value)


def test_a_redirect_to_localhost_is_checked_and_refused(tmp_path: Path) -> None:
    server = Server({"/a.png": redirect("https://localhost/admin"), "/admin": image()})
    with pytest.raises(FetchRefused, match="localhost resolves to 127.0.0.1, a loopback address"):
        fetcher(tmp_path, server).fetch("https://cdn.example.com/a.png", "image")
    assert [r.url.path for r in server.seen] == ["/a.png"]  # the second hop never left


def test_success_connects_to_the_checked_ip_with_the_hosts_name_for_tls(tmp_path: Path) -> None:
    server = Server({"/p.png": image()})
    saved = fetcher(tmp_path, server).fetch("https://cdn.example.com/p.png?sig=abc", "image")
    request = server.seen[0]
    assert request.url.host == PUBLIC and request.url.query == b"sig=abc"
    assert request.headers["host"] == "cdn.example.com"
    assert request.extensions["sni_hostname"] == "cdn.example.com"
    assert saved.parent == tmp_path / "media" and saved.suffix == ".png" and saved.read_bytes() == PNG
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no temporary file left


def test_ipv6_hosts_are_bracketed(tmp_path: Path) -> None:
    server = Server({"/p.png": image()})
    fetcher(tmp_path, server).fetch("https://v6.example.com/p.png", "image")
    assert server.seen[0].url.host == "2606:2800:220:1:248:1893:25c8:1946"


def test_redirects_are_followed_only_up_to_the_limit(tmp_path: Path) -> None:
    routes = {
        "/0": redirect("/1"),
        "/1": redirect("https://cdn.example.com/2"),
        "/2": redirect("/3"),
        "/3": image(),
        "/4": redirect("/0"),
    }
    assert fetcher(tmp_path, Server(routes)).fetch("https://cdn.example.com/0", "image").is_file()
    with pytest.raises(FetchRefused, match="more than 3 redirects"):
        fetcher(tmp_path, Server(routes)).fetch("https://cdn.example.com/4", "image")


def test_size_caps_declared_and_streamed(tmp_path: Path) -> None:
    limits = FetchLimits(image_bytes=1000)
    server = Server({"/big.png": image(PNG + b"\0" * 2000)})
    with pytest.raises(FetchRefused, match="the image limit is 1,000"):
        fetcher(tmp_path, server, limits=limits).fetch("https://cdn.example.com/big.png", "image")

    def chunks() -> Iterator[bytes]:
        yield PNG[:16]
        for _ in range(100):
            yield b"\0" * 100

    server = Server(
        {"/big.png": lambda _r: httpx.Response(200, headers={"content-type": "image/png"}, content=chunks())}
    )
    with pytest.raises(FetchRefused, match="larger than the image limit of 1,000 bytes"):
        fetcher(tmp_path, server, limits=limits).fetch("https://cdn.example.com/big.png", "image")
    assert list((tmp_path / "media").iterdir()) == []  # the partial download is gone


def test_total_time_cap(tmp_path: Path) -> None:
    ticks = iter(range(0, 1000, 10))
    server = Server({"/0": redirect("/1"), "/1": redirect("/2"), "/2": redirect("/3"), "/3": image()})
    with pytest.raises(FetchRefused, match="took longer than 25 s"):
        fetcher(tmp_path, server, limits=FetchLimits(total_seconds=25), clock=lambda: next(ticks)).fetch(
            "https://cdn.example.com/0", "image"
        )


@pytest.mark.parametrize(
    "content, ctype, kind, why",
    [
        (b"<html>hi</html>", "text/html", "image", "is text/html, not an image"),
        (PNG, "image/jpeg", "image", "its bytes are not a JPG file"),
        (PNG, "image/png", "video", "is image/png, not an video"),
    ],
    ids=["html", "png-as-jpeg", "image-as-video"],
)
def test_content_type_and_bytes_must_match(
    tmp_path: Path, content: bytes, ctype: str, kind: str, why: str
) -> None:
    server = Server({"/x": image(content, ctype)})
    with pytest.raises(FetchRefused, match=why):
        fetcher(tmp_path, server).fetch("https://cdn.example.com/x", kind)  # type: ignore[arg-type]


def test_errors_never_repeat_the_query_string(tmp_path: Path) -> None:
    server = Server({})
    with pytest.raises(FetchRefused) as caught:
        fetcher(tmp_path, server).fetch("https://cdn.example.com/x.png?token=SECRET123", "image")
    assert "HTTP 404" in str(caught.value) and "SECRET123" not in str(caught.value)


def test_allowed_hosts(tmp_path: Path) -> None:
    server = Server({"/p.png": image()})
    with pytest.raises(FetchRefused, match="not in the allowed hosts"):
        fetcher(tmp_path, server, allowed_hosts=frozenset({"img.example.org"})).fetch(
            "https://cdn.example.com/p.png", "image"
        )
    assert refused_address("8.8.8.8") is None and refused_address("100.64.0.1")


# -- downloads feeding an item ------------------------------------------------------------------------------


def test_publish_with_url_media_writes_the_download_into_the_item(ws: Any) -> None:
    workspace = ws.open()
    server = Server({"/p.png": image(), "/cover.png": image(png_bytes((1800, 766)))})
    dest = workspace.content_dir / MEDIA_SUBDIR
    media = MediaResolver(
        workspace.root,
        workspace.content_dir,
        Fetcher(dest, resolver=resolver, transport=httpx.MockTransport(server)),
    )
    now = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    service = ItemService(workspace, store_for(workspace), media, clock=lambda: now)
    receipt = service.publish(
        "batch_publish",
        [
            Payload(
                "xiaohongshu", title="下载的图", body="正文", images=("https://cdn.example.com/p.png?x=1",)
            ),
            Payload(
                "wechat",
                title="文章",
                body='<p>看图</p><img src="https://cdn.example.com/cover.png" alt="封面">',
            ),
        ],
    )
    checked = Calendar(workspace).check_file(workspace.root / receipt["path"])
    assert checked.item is not None and not checked.errors, checked.problems
    refs = checked.item.fields["platforms"]["xiaohongshu"]["images"]
    assert len(refs) == 1 and refs[0].startswith("media/mcp/") and (workspace.content_dir / refs[0]).is_file()
    cover = checked.item.fields["platforms"]["wechat"]["cover"]
    assert cover.startswith("media/mcp/") and f"![封面]({cover})" in checked.item.body
    assert {p.state for p in post_views(service.store)} == {"queued"}
    with pytest.raises(ToolProblem, match=r"^images\[0\]: .*loopback"):
        service.publish(
            "batch_publish",
            [Payload("xiaohongshu", title="t", body="b", images=("https://localhost/p.png",))],
        )
    off = MediaResolver(workspace.root, workspace.content_dir, None)
    with pytest.raises(ToolProblem, match="switched off"):
        off.ref("https://cdn.example.com/p.png", "images[0]", "image")
