"""A bounded, thread-safe cache of pre-serialised response bodies (bytes), one per loaded build.

Everything a build serves is a pure function of the build and the request (the build never changes
once loaded; publishing a new build brings a new, empty cache), so a hot response is rendered
once and then served as bytes. Bytes are not tracked by the cyclic garbage collector, so a full
cache costs no collector time, unlike the same payloads kept as dicts and lists.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 8192


class BodyCache:
    """Least-recently-used map of key → bytes, bounded by total size and number of entries."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_entries: int = DEFAULT_MAX_ENTRIES):
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.size = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # one huge body must not evict everything else
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._items[key] = body
            self.size += len(body)
            while self._items and (self.size > self.max_bytes or len(self._items) > self.max_entries):
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)
