"""Product Hunt: assisted launch kits and the GraphQL metrics reader."""

from publisher.adapters.producthunt.adapter import producthunt_factory
from publisher.adapters.producthunt.codes import CODES
from publisher.adapters.spec import Metric, PlatformSpec

SPEC = PlatformSpec(
    name="producthunt",
    label_zh="Product Hunt",
    label_en="Product Hunt",
    colour="#da552f",
    assisted_kind="launch",
    console="www.producthunt.com/my/products",
    capabilities=frozenset({"assisted", "metrics"}),  # no launch API: assisted in every mode
    error_codes=CODES,
    metrics=(Metric("votes", "votesCount", 400, "投票", "votes"), Metric("comments", "commentsCount", 50)),
    factory=producthunt_factory,
    handles_assisted=True,
    seed_title="WeeklyPilot",
)

__all__ = ["SPEC"]
