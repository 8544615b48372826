"""A cost that does not depend on the machine's load: function calls counted, not seconds.

Timed assertions have no place in the tests (``python -m bench`` times things); a growth in
work, such as a parse that turns quadratic, shows as a growth in calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def calls(fn: Callable[[], Any], *, warm: bool = False) -> int:
    """Python and builtin function calls made by ``fn()``. ``warm`` first calls it once
    uncounted, so caches are in the same state whatever ran before. Work inside one builtin
    call (a regex's matching) is not counted."""
    if warm:
        fn()
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count
