"""Background jobs (settlement, expiry, reconciliation, the outbox relay, the daily retention purge) run on a
schedule, each tick of each job once across every worker and host on the same database.

Two guards, both in the database the workers share:
- on PostgreSQL a session advisory lock per job (`locks.py`) is held while the job runs: a worker whose tick
  comes while another runs the job skips it, and a worker that dies (kill -9) loses its connection and with
  it the lock, so the next tick runs elsewhere;
- a row per job in `job_runs` (`ticks.py`) records the last tick claimed: a worker whose tick was already
  run elsewhere (it woke a moment later, or its clock is behind) skips it.
SQLite is one host: the scheduler runs in one process (`serve` or `portal-agent worker`), and the tick row
still keeps a second process on the same file from running a tick twice.
"""
