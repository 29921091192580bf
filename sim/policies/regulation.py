"""Regulation regimes (MODEL.md section 3). The core model ships the `none` regime."""


class NoRegulation:
    """No regulator action: organisations are never fined or put into special measures."""

    name = "none"

    def apply(self, model) -> None:
        return None
