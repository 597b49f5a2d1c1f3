"""WeChat (公众号) in the shared fixtures: a verified account; the queue polls its publish job."""

from support.platforms import PlatformFixture

FIXTURE = PlatformFixture(
    name="wechat",
    title="title",
    write="/cgi-bin/draft/add",
    fields='{author: 运营, digest: "一篇讲清楚", cover: media/cover.png}',
    account={"verified": True},
    credentials={"appid": "wx0123456789abcdef"},
    fake_config={"publish_delay_seconds": 0},
    remote=lambda state: list(state.get("articles", [])),
)
