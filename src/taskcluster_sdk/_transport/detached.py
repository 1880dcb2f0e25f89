"""The `httpx.Response` of an aiohttp answer, made when `http_response()` asks for it.

In its own module so the aiohttp sender does not import httpx.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["DetachedResponse"]


class DetachedResponse(httpx.Response):
    """An httpx.Response built from an aiohttp answer.

    Building the `httpx.Request` costs as much as the rest of the conversion,
    so it is made only if someone asks for `response.request` / `.url`.
    """

    def __init__(
        self, status_code: int, headers: Any, content: bytes, method: str, url: str
    ) -> None:
        super().__init__(status_code, headers=headers, content=content)
        self._lazy_method = method
        self._lazy_url = url

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            self._request = httpx.Request(self._lazy_method, self._lazy_url)
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value
