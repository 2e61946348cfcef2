"""Composition root: builds the domain service and its adapters from settings, once per process."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine

from billing.adapters.gateway import SimulatedGateway
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import SystemClock
from billing.service import BillingService
from service.db import create_engine_for, upgrade
from service.settings import Settings, get_settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    billing: BillingService


def build_container(settings: Settings, *, migrate: bool = True) -> Container:
    engine = create_engine_for(settings.database_url)
    if migrate:
        upgrade(engine)
    billing = BillingService(SqlUnitOfWorkFactory(engine), SystemClock(settings.portal_today), SimulatedGateway(),
                             dt.timedelta(minutes=settings.portal_action_ttl_minutes))
    return Container(settings, engine, billing)


@lru_cache(maxsize=1)
def get_container() -> Container:
    return build_container(get_settings())
