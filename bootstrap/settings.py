"""Settings read from the environment (or `.env`), the composition root's only input."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.server import DEFAULT_TIMEOUT, server_base

DEV_SECRET = "dev-only-secret-change-me-in-production-0001"
Environment = Literal["development", "production"]
ENVIRONMENTS = get_args(Environment)
ModelBackend = Literal["offline", "openai"]
JobsMode = Literal["off", "serve"]
MIN_SECRET_CHARS = 32
DEV_PUBLIC_URL = "http://localhost:8000"
DEV_MAIL_FROM = "Billing Portal <billing@portal.localhost>"
OPERATOR_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+")  # who may see insights: any address a token can name
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")  # what the rate limiter's storage accepts


class Settings(BaseSettings):
    """Every knob of the product; names match SPEC section 4."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    portal_data_dir: Path = Path(".portal")
    portal_database_url: str | None = None
    # The simulated card gateway's own ledger (another system's records: never the portal's database
    # transaction). Default: its own SQLite file in the data dir; a PostgreSQL URL for several hosts.
    portal_gateway_url: str | None = None
    # When the simulated gateway settles a charge (a real processor: about a day). Shorter in a demo, to watch
    # the settlement job turn a processing invoice into a paid one.
    portal_gateway_settlement_delay: float = Field(default=24 * 3600, ge=0)  # seconds
    # A Chroma server (`chroma run`) shared by every worker; unset: the embedded store in the data dir.
    portal_chroma_url: str | None = None
    portal_chroma_timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)  # seconds per request to that server
    portal_llm: ModelBackend = "offline"
    portal_model: str = "gpt-4.1-mini"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    portal_secret_key: str = DEV_SECRET
    portal_env: Environment = "development"
    # Bearer tokens (service/auth.py): HS256 with PORTAL_SECRET_KEY, and RS256/ES256 from the portal's
    # identity provider when its JWKS is configured (then issuer and audience are required too).
    portal_token_issuer: str | None = None
    portal_token_audience: str | None = None
    portal_jwks_url: str | None = None  # https://idp.example/.well-known/jwks.json, or file:///path/jwks.json
    portal_token_email_claim: str = "sub"
    portal_token_max_lifetime_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)
    portal_today: dt.date | None = None
    portal_action_ttl_minutes: int = Field(default=15, ge=1)
    portal_token_budget: int = Field(default=6000, ge=1000)
    # The remote model's client (PORTAL_LLM=openai). Unset: hosted endpoints get 30 s and 2 retries, a
    # server on this machine (llama.cpp, Ollama, vLLM on 127.0.0.1) 120 s and none: a local server has one
    # slot, and a retried request would queue a second generation behind the first.
    portal_model_timeout: float | None = Field(default=None, gt=0)
    portal_model_retries: int | None = Field(default=None, ge=0, le=10)
    portal_model_max_tokens: int = Field(default=600, ge=16)
    portal_model_temperature: float = Field(default=0.0, ge=0, le=2)
    portal_turn_deadline: float | None = Field(default=None, gt=0)  # a whole turn; default 60 s / 240 s local
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None  # xapp-… app-level token, only for Socket Mode
    slack_trusted_team_ids: str = ""  # comma-separated workspaces whose verified e-mails link users
    # Operators: comma-separated e-mails whose tokens may see the insights (/insights, /v1/insights). An operator
    # need not be a portal user, and a portal user is no operator unless listed.
    portal_operator_emails: str = ""
    slack_api_url: str = "https://slack.com/api/"  # Web API base (GovSlack, a proxy, a local stub)
    # Slack turns and button decisions running at once per worker; the rest wait their turn. Every
    # runnable thread takes its share of the GIL, so unbounded bursts starve Slack's acks (BENCHMARKS.md).
    slack_max_concurrent_turns: int = Field(default=8, ge=1)
    # Absolute base of links posted outside the web app (Slack). Required in production when Slack is on:
    # a default would point every Slack link at localhost.
    portal_public_url: str | None = None
    # HTTP service (service/app.py): per-user token bucket, request body limit, widget origins.
    portal_rate_limit_per_minute: float = Field(default=60, gt=0)
    portal_rate_limit_burst: int = Field(default=20, ge=1)
    portal_max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    portal_max_header_bytes: int = Field(default=32 * 1024, ge=4096)
    # Requests that name no user, per client address and kind (bad tokens, links, health, Slack signatures).
    portal_client_rate_limit_per_minute: float = Field(default=60, gt=0)
    portal_client_rate_limit_burst: int = Field(default=30, ge=1)
    # Scale-out: with a Redis URL the two limits above hold across every worker and host (a moving window
    # in Redis, service/ratelimit_redis.py); unset, each worker keeps its own buckets. The prefix keeps
    # deployments (or test runs) that share one Redis apart.
    portal_redis_url: str | None = None
    portal_redis_prefix: str = Field(default="portal", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    # prometheus_client's multiprocess mode: every worker writes its metrics here and /metrics adds them up.
    # `serve --workers N` (N > 1) uses <data dir>/prometheus when unset. It must be in the process environment
    # before prometheus_client is imported, which `serve` sees to (service/metrics_multiproc.py).
    prometheus_multiproc_dir: Path | None = None
    portal_cors_origins: str = ""  # comma-separated origins allowed to call the API from a browser
    # Turns in flight per worker: a turn holds a thread for its whole model round trip (seconds), so
    # anyio's default of 40 threads (and asyncio's default executor, min(32, cores + 4)) would cap them.
    portal_worker_threads: int = Field(default=128, ge=4)
    portal_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Embeddings for the knowledge index: the offline MiniLM, or OpenAI's (needs OPENAI_API_KEY).
    portal_embeddings: Literal["local", "openai"] = "local"
    # The outbox relay (`portal-agent relay`): smtp://[user:password@]host[:port], smtp+starttls://… or
    # smtps://…; unset (development only) the mail is written to files in the data dir instead.
    portal_smtp_url: str | None = None
    portal_mail_from: str = DEV_MAIL_FROM  # the From of every mail; its domain ends every Message-ID
    portal_relay_interval: float = Field(default=10.0, gt=0)  # seconds between the relay's runs
    # Background jobs (service/jobs): `serve` runs them beside the HTTP service (one scheduler per `serve`,
    # whatever its --workers), `off` leaves them to `portal-agent worker`. On by default so the embedded
    # `make run` settles payments and delivers mail with nothing else started; any number of schedulers on
    # one PostgreSQL database still run each tick once.
    portal_jobs: JobsMode = "serve"
    portal_settle_interval: float = Field(default=60.0, gt=0)  # seconds between settlement runs
    portal_expire_interval: float = Field(default=60.0, gt=0)  # ... expiry of pending actions past their time
    portal_reconcile_interval: float = Field(default=60.0, gt=0)  # ... reconciliation of payments in progress
    portal_purge_interval: float = Field(default=24 * 3600.0, gt=0)  # ... the retention purge (daily)
    # Conversations (with their messages, turns and ratings) untouched for this many days are deleted by the
    # `purge` job (agent/retention.py); audit rows, pending actions and every billing record are kept. There is
    # no "keep forever" value: 0 reads as "delete everything" to some and "never delete" to others, so it is
    # refused; 36500 (a century) is as good as forever.
    portal_retention_days: int = Field(default=365, ge=1, le=36500)

    @field_validator("portal_log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("portal_jobs", mode="before")
    @classmethod
    def _jobs_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("portal_embeddings", mode="before")
    @classmethod
    def _embeddings_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("portal_chroma_url", mode="before")
    @classmethod
    def _chroma_url_or_unset(cls, value: object) -> object:
        """Empty means unset (embedded); anything else must be a server URL, checked now rather than at the first
        question."""
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            server_base(value)  # raises ValueError with what a URL looks like
        return value

    @field_validator("portal_operator_emails")
    @classmethod
    def _operators_are_addresses(cls, value: str) -> str:
        """A typo ("ops@", "ops acme.example") would quietly leave the operators out (403 on every visit)."""
        wrong = [e for e in _split(value) if not OPERATOR_EMAIL.fullmatch(e)]
        if wrong:
            raise ValueError(f"PORTAL_OPERATOR_EMAILS must be comma-separated e-mail addresses (not {wrong[0]!r})")
        return value

    @field_validator("portal_env", mode="before")
    @classmethod
    def _known_environment(cls, value: object) -> object:
        """Exactly one of two words: a typo ("prod", "Production ") must not quietly run as something else."""
        if value not in ENVIRONMENTS:
            raise ValueError(f"PORTAL_ENV must be exactly 'development' or 'production' (got {value!r})")
        return value

    @field_validator("portal_mail_from")
    @classmethod
    def _mail_from_is_an_address(cls, value: str) -> str:
        """Every mail's From and the domain of every Message-ID: a typo would only show at the mail server."""
        _, address = parseaddr(value)
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain or any(c in value for c in "\r\n"):
            raise ValueError(
                f"PORTAL_MAIL_FROM must be an e-mail address, e.g. 'Billing <billing@example.com>' (got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _production_mail_needs_a_real_sender(self) -> Settings:
        """Mail from the development sender would be refused or filed as spam by the customers' servers."""
        if not self.is_development and self.portal_smtp_url and self.portal_mail_from == DEV_MAIL_FROM:
            raise ValueError(
                "PORTAL_MAIL_FROM (the portal's own sender address) is required with PORTAL_SMTP_URL in production"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Settings:
        """Tokens and links signed with a published key would let anyone act as anyone."""
        if not self.is_development and (
            self.portal_secret_key == DEV_SECRET or len(self.portal_secret_key) < MIN_SECRET_CHARS
        ):
            raise ValueError(
                f"PORTAL_SECRET_KEY must be a random value of at least {MIN_SECRET_CHARS} characters "
                "(not the development secret) when PORTAL_ENV=production"
            )
        return self

    @field_validator("portal_redis_url", mode="before")
    @classmethod
    def _redis_url_is_a_redis_url(cls, value: object) -> object:
        """A typo must not start a deployment that quietly limits per worker."""
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.startswith(REDIS_SCHEMES):
            raise ValueError(f"PORTAL_REDIS_URL must start with one of {', '.join(REDIS_SCHEMES)}")
        return value

    @model_validator(mode="after")
    def _jwks_needs_issuer_and_audience(self) -> Settings:
        """Without both, a token the identity provider issued for another application would be accepted."""
        if self.portal_jwks_url and not (self.portal_token_issuer and self.portal_token_audience):
            raise ValueError("PORTAL_JWKS_URL needs PORTAL_TOKEN_ISSUER and PORTAL_TOKEN_AUDIENCE as well")
        return self

    @model_validator(mode="after")
    def _production_slack_needs_a_public_url(self) -> Settings:
        """Links the bot posts must point at this service, not at a developer's localhost."""
        if self.portal_public_url is not None and not self.portal_public_url.startswith(("https://", "http://")):
            raise ValueError("PORTAL_PUBLIC_URL must be an absolute http(s) URL, e.g. https://portal.example")
        if not self.is_development and self.slack_bot_token and not self.portal_public_url:
            raise ValueError(
                "PORTAL_PUBLIC_URL (e.g. https://portal.example) is required when PORTAL_ENV=production "
                "and Slack is configured: the links the bot posts are built on it"
            )
        return self

    @property
    def database_url(self) -> str:
        if self.portal_database_url:
            return self.portal_database_url
        return f"sqlite:///{(self.portal_data_dir / 'portal.db').resolve()}"

    @property
    def gateway_url(self) -> str:
        if self.portal_gateway_url:
            return self.portal_gateway_url
        return f"sqlite:///{(self.portal_data_dir / 'gateway.db').resolve()}"

    @property
    def chroma_dir(self) -> Path:
        return self.portal_data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        """What is computed once and kept between starts (the offline planner's article vectors)."""
        return cache_dir_of(self.portal_data_dir)

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.portal_cors_origins.split(",") if o.strip()]

    @property
    def slack_trusted_teams(self) -> frozenset[str]:
        return frozenset(_split(self.slack_trusted_team_ids))

    @property
    def operator_emails(self) -> frozenset[str]:
        """Lower-cased, as tokens' e-mails are (service/auth.py)."""
        return frozenset(e.lower() for e in _split(self.portal_operator_emails))

    @property
    def mail_dir(self) -> Path:
        """Where the relay writes mail when PORTAL_SMTP_URL is unset (development)."""
        return self.portal_data_dir / "mail"

    @property
    def mail_domain(self) -> str:
        return parseaddr(self.portal_mail_from)[1].rpartition("@")[2]

    @property
    def is_development(self) -> bool:
        return self.portal_env == "development"

    @property
    def public_url(self) -> str:
        return (self.portal_public_url or DEV_PUBLIC_URL).rstrip("/")

    @property
    def link_key(self) -> str:
        """The signed links' key, derived from PORTAL_SECRET_KEY under its own label: a link signature is
        never a valid bearer-token signature (tokens keep PORTAL_SECRET_KEY itself, which the embedding
        portal signs with)."""
        return hmac.new(self.portal_secret_key.encode(), b"portal-agent/signed-links/v1", hashlib.sha256).hexdigest()


def _split(items: str) -> list[str]:
    """The non-empty items of a comma-separated setting, stripped."""
    return [item.strip() for item in items.split(",") if item.strip()]


class InvalidSettings(Exception):
    """The environment (or `.env`) does not describe a deployment the service may start with."""


def readable(error: ValidationError) -> str:
    """One line per problem, in the settings' own words (no pydantic internals)."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())).upper()
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where and where not in message else message)
    return "Invalid settings:\n  " + "\n  ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise InvalidSettings(readable(error)) from None


def cache_dir_of(data_dir: Path) -> Path:
    """The cache directory of a data directory (`index build --data-dir` names one without settings)."""
    return data_dir / "cache"
