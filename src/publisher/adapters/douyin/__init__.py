"""Douyin (抖音): the OpenAPI adapter, its OAuth grant and the video upload/create flow."""
