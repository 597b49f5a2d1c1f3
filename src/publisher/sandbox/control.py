"""The control plane under /__fake: reset, state, clock, faults and config.

What each does: docs/platforms/README.md#the-sandbox.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from publisher.sandbox.core import World, deep_merge, iso, jsonable, parse_time
from publisher.sandbox.faults import FaultRule


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return await request.json()
    except ValueError:
        return None


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def state_of(world: World) -> dict[str, Any]:
    """The whole world as JSON: objects per platform, duplicates and the (redacted) call log; no secrets."""
    world.settle()
    state: dict[str, Any] = {"clock": iso(world.now), "seed": world.seed}
    for name, store in world.stores.items():
        state[name] = store.dump()
    state["duplicates"] = [asdict(d) for d in world.duplicates]
    state["calls"] = [asdict(c) for c in world.calls]
    return dict(jsonable(state))


def _redacted(config: dict[str, Any]) -> dict[str, Any]:
    """Config as shown back: tokens a test installed are listed by count, never echoed."""
    shown = {k: (dict(v) if isinstance(v, dict) else v) for k, v in config.items()}
    ph = shown.get("producthunt", {})
    for key in ("developer_tokens", "revoked_tokens"):
        if key in ph:
            ph[key] = ["***"] * len(ph[key])
    return shown


def control_routes(world: World) -> list[Route]:
    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "clock": iso(world.now)})

    async def reset(request: Request) -> JSONResponse:
        body = await _json(request)
        world.reset(keep_config=bool(isinstance(body, dict) and body.get("keep_config")))
        if isinstance(body, dict) and body.get("now"):
            world.set_now(parse_time(str(body["now"])))
        return JSONResponse({"ok": True, "clock": iso(world.now)})

    async def state(request: Request) -> JSONResponse:
        return JSONResponse(state_of(world))

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json(request)
            if not isinstance(body, dict):
                return _bad("body must be a JSON object")
            try:
                if "now" in body:
                    world.set_now(parse_time(str(body["now"])))
                if "advance_seconds" in body:
                    world.advance(float(body["advance_seconds"]))
            except (TypeError, ValueError) as exc:
                return _bad(f"bad clock value: {exc}")
            world.settle()
        return JSONResponse({"now": iso(world.now), "epoch": world.now.timestamp()})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            world.faults.clear()
        elif request.method == "POST":
            body = await _json(request)
            raw_rules = body.get("rules", [body]) if isinstance(body, dict) else body
            if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
                return _bad('expected a rule object, a list of rules, or {"rules": [...]}')
            try:
                parsed = [FaultRule.parse(r) for r in raw_rules]
            except (TypeError, ValueError) as exc:
                return _bad(f"bad fault rule: {exc}")
            if isinstance(body, dict) and body.get("replace"):
                world.faults.clear()
            world.faults.extend(parsed)
        return JSONResponse({"faults": [rule.describe() for rule in world.faults]})

    async def config(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json(request)
            if not isinstance(body, dict):
                return _bad("body must be a JSON object")
            deep_merge(world.config, body)
        return JSONResponse(_redacted(world.config))

    return [
        Route("/health", health, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/state", state, methods=["GET"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/config", config, methods=["GET", "POST"]),
    ]
