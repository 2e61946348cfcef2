"""`portal-agent worker` in a process of its own that dies by SIGKILL at a chosen point of a job:
`python jobs_worker.py POINT worker --jobs settle` (settings from the environment, as the real command).

Points:
- `settle-before-commit`: in the settlement transaction, the first payment settled, nothing committed yet;
- `settle-after-commit`: settlement committed, the run not yet recorded in `job_runs`;
- `settle-hang`: like `settle-before-commit`, but it writes the file named by JOBS_WORKER_MARK and waits there
  for the test to kill it from outside;
- `relay-before-send:N`: as the relay is about to send its N-th mail (those before it sent and recorded);
- `relay-after-send:N`: right after the SMTP server accepted the N-th mail, before the relay recorded it.

The hooks wrap this process's code only; the product has no fault switch. A worker that never reaches its
point exits with status 3 after a minute instead of running forever.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str) -> None:
    import billing.service
    import billing.settlement
    import service.mail.smtp

    name, _, number = point.partition(":")
    if name in ("settle-before-commit", "settle-hang"):
        settle = billing.settlement._settle

        def settle_then_die(*args: Any) -> None:
            settle(*args)
            if name == "settle-hang":
                Path(os.environ["JOBS_WORKER_MARK"]).write_text(str(os.getpid()))
                time.sleep(120)
            die()

        billing.settlement._settle = settle_then_die
    elif name == "settle-after-commit":
        run = billing.service.BillingService.settle

        def run_then_die(self: Any, **kwargs: Any) -> Any:
            report = run(self, **kwargs)
            if report.settled:
                die()
            return report

        billing.service.BillingService.settle = run_then_die  # type: ignore[method-assign]
    elif name in ("relay-before-send", "relay-after-send"):
        send, sends = service.mail.smtp.SmtpTransport.send, [0]

        def counted_send(self: Any, mail: Any) -> None:
            sends[0] += 1
            if name == "relay-before-send" and sends[0] == int(number):
                die()
            send(self, mail)
            if name == "relay-after-send" and sends[0] == int(number):
                die()

        service.mail.smtp.SmtpTransport.send = counted_send  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown kill point {point}")


if __name__ == "__main__":
    install(sys.argv[1])
    timer = threading.Timer(60, lambda: os._exit(3))
    timer.daemon = True
    timer.start()
    sys.argv = ["portal-agent", *sys.argv[2:]]
    from service.cli import main

    main()
