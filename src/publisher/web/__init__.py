"""The local web dashboard (`publisher serve`): calendar, queue, previews, metrics, live updates.

A face: calls the services of the packages below (queue actions, calendar, reports); no SQL of its own."""

from publisher.web.app import check_bind, create_app, serve, start_background

__all__ = ["check_bind", "create_app", "serve", "start_background"]
