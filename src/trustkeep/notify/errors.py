"""The one error every alert output raises when a delivery does not go through."""

from __future__ import annotations

from trustkeep.errors import EnvironmentProblem


class DeliveryFailed(EnvironmentProblem):
    """A delivery failed; `reason` is safe to store and show (no URL, query string or secret).

    `retry` is False when trying again cannot help (a refused address, a 4xx answer),
    so the outbox fails the delivery at once instead of backing off.
    """

    code = "delivery"

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
