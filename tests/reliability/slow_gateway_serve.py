"""Test launcher: `portal-agent serve` (one worker, in this process) with a payment gateway that
pauses *after* charging the card, before the payment is committed: the most dangerous moment for a
crash. Used only by the crash tests: `python slow_gateway_serve.py PORT`.

PORTAL_TEST_CHARGE_LOG: file that gets one line per charge (the idempotency key), written when the
charge is made; PORTAL_TEST_CHARGE_DELAY: seconds to pause after it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from billing.adapters.gateway import SimulatedGateway  # noqa: E402

_charge = SimulatedGateway.charge


def slow_charge(self, token, amount, currency, idempotency_key):  # type: ignore[no-untyped-def]
    charge = _charge(self, token, amount, currency, idempotency_key)
    with open(os.environ["PORTAL_TEST_CHARGE_LOG"], "a", encoding="utf-8") as fh:
        fh.write(idempotency_key + "\n")
    time.sleep(float(os.environ.get("PORTAL_TEST_CHARGE_DELAY", "0")))
    return charge


SimulatedGateway.charge = slow_charge  # type: ignore[method-assign]

if __name__ == "__main__":
    import uvicorn

    from service.logging import configure_logging

    configure_logging("WARNING")
    uvicorn.run(
        "service.app:create_served_app",
        factory=True,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_config=None,
        access_log=False,
        log_level="warning",
    )
