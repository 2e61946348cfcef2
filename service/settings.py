"""Settings read from the environment (or `.env`), the composition root's only input."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


DEV_SECRET = "dev-only-secret-change-me-in-production-0001"


class Settings(BaseSettings):
    """Every knob of the product; names match SPEC section 4."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    portal_data_dir: Path = Path(".portal")
    portal_database_url: str | None = None
    # The simulated card gateway's own ledger (another system's records: never the portal's database
    # transaction). Default: its own SQLite file in the data dir; a PostgreSQL URL for several hosts.
    portal_gateway_url: str | None = None
    portal_chroma_url: str | None = None
    portal_llm: str = "offline"
    portal_model: str = "gpt-4.1-mini"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    portal_secret_key: str = DEV_SECRET
    portal_env: str = "development"
    portal_today: dt.date | None = None
    portal_action_ttl_minutes: int = Field(default=15, ge=1)
    portal_token_budget: int = Field(default=6000, ge=1000)
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None  # xapp-… app-level token, only for Socket Mode
    slack_trusted_team_ids: str = ""  # comma-separated workspaces whose verified e-mails link users
    slack_api_url: str = "https://slack.com/api/"  # Web API base (GovSlack, a proxy, a local stub)
    # Slack turns and button decisions running at once per worker; the rest wait their turn. Every
    # runnable thread takes its share of the GIL, so unbounded bursts starve Slack's acks (BENCHMARKS.md).
    slack_max_concurrent_turns: int = Field(default=8, ge=1)
    portal_public_url: str = "http://localhost:8000"  # absolute base of links posted outside the web app
    # HTTP service (service/app.py): per-user token bucket, request body limit, widget origins.
    portal_rate_limit_per_minute: float = Field(default=60, gt=0)
    portal_rate_limit_burst: int = Field(default=20, ge=1)
    portal_max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    portal_cors_origins: str = ""  # comma-separated origins allowed to call the API from a browser
    # Turns in flight per worker: a turn holds a thread for its whole model round trip (seconds), so
    # anyio's default of 40 threads (and asyncio's default executor, min(32, cores + 4)) would cap them.
    portal_worker_threads: int = Field(default=128, ge=4)

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> "Settings":
        """Tokens and links signed with a published key would let anyone act as anyone."""
        if self.portal_env == "production" and (self.portal_secret_key == DEV_SECRET
                                                or len(self.portal_secret_key) < 32):
            raise ValueError("PORTAL_SECRET_KEY must be a random value of at least 32 characters in production")
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
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.portal_cors_origins.split(",") if o.strip()]

    @property
    def slack_trusted_teams(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.slack_trusted_team_ids.split(",") if t.strip())

    @property
    def is_development(self) -> bool:
        return self.portal_env == "development"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
