"""Where the server listens. ``solara run`` binds to localhost unless given ``--host`` (or
a $HOST / $SOLARA_HOST environment variable, which is easy to have set by accident); the
app has no log-in, so it says so loudly when it is reachable from other machines."""

import ipaddress
import os
import sys

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str | None = None) -> bool:
    """Print a warning if the server listens beyond this machine; returns True if it does.
    ``solara run`` records the host it binds in $SERVER_NAME."""
    host = host if host is not None else os.environ.get("SERVER_NAME", "localhost")
    if is_loopback(host):
        return False
    print(f"collabsim: listening on {host}: anyone who can reach this machine can use the app "
          "(it has no log-in). Serve it only on a network you trust; see README, 'Web app'.", file=sys.stderr)
    return True
