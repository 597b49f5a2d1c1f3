"""Product Hunt in the shared fixtures: assisted launch kits (no launch API), so nothing is written."""

from support.platforms import PlatformFixture

FIXTURE = PlatformFixture(
    name="producthunt",
    title="tagline",
    write=None,  # assisted: a launch kit, no launch API (docs/platforms/producthunt.md)
    fields='{name: "WeeklyPilot {n}", tagline: "Weekly reports in 3 steps", description: "Drafts reports."}',
    remote=lambda state: list(state.get("posts", [])),
)
