"""Local fakes of the platforms, one package per platform, as strict as the real ones.

Stands apart: imports nothing of the product (an import contract enforces it), so it can be run as a
separate process (`publisher sandbox`) and trusted as a stand-in that was not written around the adapters."""

from publisher.sandbox.app import create_app
from publisher.sandbox.server import running, serve

__all__ = ["create_app", "running", "serve"]
