"""State that lasts for a browser session, on every page.

Why: Solara keeps a component's state only while it is on screen, and a module-level reactive
only for one browser tab. A trainer who looks at the live page and comes back to the
workshop, or a policy analyst who saves settings on ``/`` and opens ``/compare`` in a new
tab, expects to find things as they left them. Solara gives every browser a session id
(a cookie shared by its tabs), so the state lives in a server-side dict per session id;
the reactive variables only tell the page to redraw.

Nothing is written to disk, and the oldest sessions are dropped beyond ``MAX_SESSIONS``.
"""

import threading
from collections import OrderedDict
from typing import Any, Callable, TypeVar

import solara

T = TypeVar("T")
MAX_SESSIONS = 200
_stores: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def _session_id() -> str:
    try:
        return solara.get_session_id()
    except Exception:  # rendered outside a server (tests, notebooks): one session
        return "local"


def store() -> dict[str, Any]:
    """This browser session's state."""
    sid = _session_id()
    with _lock:
        box = _stores.pop(sid, None)
        _stores[sid] = box if box is not None else {}
        while len(_stores) > MAX_SESSIONS:
            _stores.popitem(last=False)
        return _stores[sid]


def kept(key: str, make: Callable[[], T]) -> T:
    """The session's object under ``key``, made once (a live run, a match, a population)."""
    box = store()
    if key not in box:
        box[key] = make()
    return box[key]


def use_kept(key: str, default: T) -> solara.Reactive[T]:
    """Like ``solara.use_reactive``, but the value outlives the page: it starts from what this
    browser session last set under ``key``."""
    box = store()
    box.setdefault(key, default)
    return solara.use_reactive(box[key], on_change=lambda v: box.__setitem__(key, v))


def clear() -> None:
    """Forget this session's state (tests)."""
    store().clear()
