"""The local web dashboard (`publisher serve`): calendar, queue, previews, metrics, live updates."""

from publisher.web.app import check_bind, create_app, serve, start_background

__all__ = ["check_bind", "create_app", "serve", "start_background"]
