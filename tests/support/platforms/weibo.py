"""Weibo in the shared fixtures: a status linking to the app's secure domain, after a sandbox OAuth grant."""

from support.platforms import PlatformFixture

FIXTURE = PlatformFixture(
    name="weibo",
    title="text",
    write="/2/statuses/share.json",
    fields='{link: "https://example.com/weekly/{n}"}',  # statuses/share needs a link on the secure domain
    options={"secure_domains": ["example.com"]},
    credentials={"redirect_uri": "http://127.0.0.1/tests"},
    # the developer's own grant (years, not the 7-day default): module-wide harnesses move the clock on days
    fake_config={"token_ttl": 365 * 86400},
    remote=lambda state: list(state.get("statuses", [])),
)
