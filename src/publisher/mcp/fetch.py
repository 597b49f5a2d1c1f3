"""Download media an assistant names by https URL, with the SSRF guards of R30 (docs/reliability.md#security).

Every hop is checked before a byte is sent: https on port 443 only, an optional host allowlist, and every
address the host resolves to must be public (no private, loopback, link-local, reserved, multicast or
unspecified address; IPv4-mapped IPv6 is unwrapped first). The request then goes to the checked IP itself
(the TLS name stays the host's, so certificates are still verified), so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot redirect it. Redirects are never followed automatically:
each Location is checked like the first URL, at most `max_redirects` times. Size, total time and content
type are capped; the file lands under `content/media/mcp/<sha256 prefix>.<ext>`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from publisher.messages import Msg, msg

Kind = Literal["image", "video"]
Resolver = Callable[[str], Sequence[str]]

#: content type -> file extension, per kind; anything else is refused
TYPES: dict[Kind, dict[str, str]] = {
    "image": {
        "image/jpeg": "jpg",
        "image/jpg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
        "image/gif": "gif",
    },
    "video": {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"},
}


class FetchRefused(Exception):
    """A URL that will not be (or could not be) downloaded; the message says why, for the assistant:
    `said` words it in the workspace's language, `str(exc)` is the English."""

    def __init__(self, said: Msg | str) -> None:
        self.said = said if isinstance(said, Msg) else msg("usage.as_said", text=said)
        super().__init__(self.said.text("en"))


@dataclass(frozen=True)
class FetchLimits:
    """Caps per kind of download."""

    image_bytes: int = 20 * 1024 * 1024
    video_bytes: int = 50 * 1024 * 1024
    total_seconds: float = 30.0
    max_redirects: int = 3

    def max_bytes(self, kind: Kind) -> int:
        return self.video_bytes if kind == "video" else self.image_bytes


def system_resolver(host: str) -> list[str]:
    """Every address the host resolves to (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(msg("fetch.no_resolve", host=repr(host), why=str(exc))) from None
    return sorted({str(info[4][0]) for info in infos})


def refused_address(ip: str) -> Msg | None:
    """What kind of address may not be contacted ("a loopback address"), or None for a public unicast one."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return msg("fetch.addr.not_ip")
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    # Most specific first: 169.254.169.254 (cloud metadata) is private too, but link-local says more.
    for name, bad in (
        ("unspecified", addr.is_unspecified),
        ("loopback", addr.is_loopback),
        ("link-local", addr.is_link_local),
        ("multicast", addr.is_multicast),
        ("private", addr.is_private),
        ("reserved", addr.is_reserved),
    ):
        if bad:
            return msg(f"fetch.addr.{name}")
    if not addr.is_global:
        return msg("fetch.addr.not_public")
    return None


@dataclass
class Fetcher:
    """Guarded https downloads into `dest`. `resolver`, `transport` and `clock` are replaceable for tests."""

    dest: Path
    resolver: Resolver = system_resolver
    transport: httpx.BaseTransport | None = None
    limits: FetchLimits = field(default_factory=FetchLimits)
    allowed_hosts: frozenset[str] = frozenset()  # empty: any host with public addresses
    clock: Callable[[], float] = time.monotonic

    def fetch(self, url: str, kind: Kind) -> Path:
        """Download `url` (an image or a video) and return the saved file; FetchRefused says why not."""
        deadline = self.clock() + self.limits.total_seconds
        with httpx.Client(transport=self.transport, follow_redirects=False, trust_env=False) as client:
            current = url
            for _hop in range(self.limits.max_redirects + 1):
                host, ip = self._check(current)
                response = self._send(client, current, host, ip, deadline)
                try:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchRefused(msg("fetch.no_location", url=_short(current)))
                        current = urljoin(current, location)
                        continue
                    if response.status_code != 200:
                        raise FetchRefused(
                            msg("fetch.http_status", url=_short(current), status=response.status_code)
                        )
                    return self._save(response, kind, current, deadline)
                finally:
                    response.close()
        raise FetchRefused(msg("fetch.too_many_redirects", url=_short(url), n=self.limits.max_redirects))

    def _check(self, url: str) -> tuple[str, str]:
        """(host, the checked IP to connect to), or FetchRefused."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchRefused(msg("fetch.bad_url", url=_short(url), why=str(exc))) from None
        if parts.scheme.lower() != "https":
            raise FetchRefused(msg("fetch.https_only", url=_short(url)))
        if parts.username or parts.password:
            raise FetchRefused(msg("fetch.credentials_in_url", url=_short(url)))
        if port not in (None, 443):
            raise FetchRefused(msg("fetch.port", url=_short(url)))
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise FetchRefused(msg("fetch.no_host", url=_short(url)))
        if self.allowed_hosts and host not in self.allowed_hosts:
            raise FetchRefused(
                msg("fetch.host_not_allowed", host=host, hosts=tuple(sorted(self.allowed_hosts)))
            )
        try:
            ipaddress.ip_address(host)
            addresses: Iterable[str] = [host]
        except ValueError:
            addresses = self.resolver(host)
        addresses = list(addresses)
        if not addresses:
            raise FetchRefused(msg("fetch.no_address", host=host))
        for ip in addresses:
            why = refused_address(ip)
            if why:
                via = (
                    msg("fetch.resolves_to", host=host, ip=ip, why=why)
                    if ip != host
                    else msg("fetch.is_address", ip=ip, why=why)
                )
                raise FetchRefused(msg("fetch.private", url=_short(url), via=via))
        return host, addresses[0]

    def _send(self, client: httpx.Client, url: str, host: str, ip: str, deadline: float) -> httpx.Response:
        parts = urlsplit(url)
        literal = f"[{ip}]" if ":" in ip else ip
        pinned = urlunsplit(("https", literal, parts.path or "/", parts.query, ""))
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise FetchRefused(msg("fetch.too_slow", url=_short(url), s=f"{self.limits.total_seconds:g}"))
        request = client.build_request(
            "GET",
            pinned,
            headers={"Host": host, "Accept": "image/*, video/*"},
            extensions={"sni_hostname": host},
            timeout=httpx.Timeout(remaining),
        )
        try:
            return client.send(request, stream=True)
        except httpx.TimeoutException:
            raise FetchRefused(
                msg("fetch.too_slow", url=_short(url), s=f"{self.limits.total_seconds:g}")
            ) from None
        except httpx.HTTPError as exc:
            raise FetchRefused(msg("fetch.failed", url=_short(url), kind=type(exc).__name__)) from None

    def _save(self, response: httpx.Response, kind: Kind, url: str, deadline: float) -> Path:
        ctype = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        ext = TYPES[kind].get(ctype)
        if ext is None:
            raise FetchRefused(
                msg(
                    "fetch.wrong_type",
                    url=_short(url),
                    ctype=ctype or msg("fetch.no_type"),
                    kind=msg(f"fetch.kind.{kind}"),
                    types=tuple(sorted(TYPES[kind])),
                )
            )
        limit = self.limits.max_bytes(kind)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchRefused(
                msg(
                    "fetch.too_big_declared",
                    url=_short(url),
                    size=f"{int(declared):,}",
                    kind=msg(f"fetch.kind.{kind}"),
                    limit=f"{limit:,}",
                )
            )
        self.dest.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.dest, prefix=".download-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise FetchRefused(
                                msg(
                                    "fetch.too_big",
                                    url=_short(url),
                                    kind=msg(f"fetch.kind.{kind}"),
                                    limit=f"{limit:,}",
                                )
                            )
                        if self.clock() > deadline:
                            raise FetchRefused(
                                msg("fetch.too_slow", url=_short(url), s=f"{self.limits.total_seconds:g}")
                            )
                        digest.update(chunk)
                        out.write(chunk)
                except httpx.HTTPError as exc:
                    raise FetchRefused(
                        msg("fetch.failed", url=_short(url), kind=type(exc).__name__)
                    ) from None
            if not _sniff(tmp, ext):
                raise FetchRefused(msg("fetch.not_that_file", url=_short(url), ctype=ctype, ext=ext.upper()))
            final = self.dest / f"{digest.hexdigest()[:20]}.{ext}"
            os.replace(tmp, final)
            return final
        finally:
            tmp.unlink(missing_ok=True)


def _sniff(path: Path, ext: str) -> bool:
    """The first bytes match the declared type (a page of HTML served as image/png is refused)."""
    with path.open("rb") as fh:
        head = fh.read(16)
    return {
        "jpg": head.startswith(b"\xff\xd8\xff"),
        "png": head.startswith(b"\x89PNG\r\n\x1a\n"),
        "gif": head[:6] in (b"GIF87a", b"GIF89a"),
        "webp": head[:4] == b"RIFF" and head[8:12] == b"WEBP",
        "mp4": head[4:8] == b"ftyp",
        "mov": head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"),
        "webm": head.startswith(b"\x1a\x45\xdf\xa3"),
    }.get(ext, False)


def _short(url: str) -> str:
    """The URL without its query (a signed URL's query may hold a token: never repeat it)."""
    try:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))[:200]
    except ValueError:
        return "the URL"
