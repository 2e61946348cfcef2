"""A separate relay process that dies by SIGKILL right after the SMTP server accepted its `kill_after`-th
mail, before recording it (`python relay_worker.py URL SMTP_URL NOW KILL_AFTER`). The hook wraps the
transport in this process only; the product has no fault switch."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys


def main(url: str, smtp_url: str, now: str, kill_after: str) -> None:
    from smtp_kit import DOMAIN, transport

    from billing.adapters.sql_uow import SqlUnitOfWorkFactory, make_engine
    from billing.clock import FixedClock
    from billing.entities import OutboxMail
    from billing.relay import OutboxRelay

    class KilledAfterSend:
        def __init__(self) -> None:
            self.inner, self.accepted = transport(smtp_url), 0

        def send(self, mail: OutboxMail) -> None:
            self.inner.send(mail)
            self.accepted += 1
            if self.accepted == int(kill_after):
                os.kill(os.getpid(), signal.SIGKILL)

        def close(self) -> None:
            self.inner.close()

    engine = make_engine(url)
    clock = FixedClock(dt.datetime.fromisoformat(now))
    OutboxRelay(SqlUnitOfWorkFactory(engine), clock, KilledAfterSend(), DOMAIN).run_once()
    raise SystemExit("the relay finished without being killed")


if __name__ == "__main__":
    main(*sys.argv[1:5])
