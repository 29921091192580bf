"""Stop at once, with one line, when worker processes would be started from a script's
top level without an ``if __name__ == "__main__":`` guard.

Worker processes are started with "spawn" (forking a process that runs numba or BLAS
threads can deadlock); a spawned worker imports the parent's script again, so a script
that calls ``sim.compare.run`` or a sweep at its top level makes every worker run the
whole script once more, and the pool dies with BrokenProcessPool and a long traceback that
does not say why. Python's multiprocessing documentation names the cure: the guard.
"""

import ast
import sys
from functools import lru_cache


def require_main_guard(what: str) -> None:
    """Raise SystemExit with one line when ``what`` (e.g. "sim.compare.run") is being
    called while the main script's top-level code runs outside a ``__main__`` guard."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        return  # interactive, a notebook, or ``python -m``: no script to re-import
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is main.__dict__:
            break
        frame = frame.f_back
    if frame is None:
        return  # the script's top level has finished (called from an event loop, say)
    if not _guarded(path, frame.f_lineno):
        raise SystemExit(f"collabsim: {what} starts worker processes, which import {path} again; put the code "
                         "that calls it under `if __name__ == \"__main__\":` (or use one worker)")


@lru_cache(maxsize=8)
def _guard_lines(path: str) -> tuple[tuple[int, int], ...] | None:
    """Line ranges of ``if __name__ == "__main__":`` blocks in the script; None when the
    script cannot be read or parsed (then nothing is refused)."""
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    ranges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test):
            ranges.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
    return tuple(ranges)


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def _guarded(path: str, line: int) -> bool:
    ranges = _guard_lines(path)
    return ranges is None or any(lo <= line <= hi for lo, hi in ranges)
