"""Shared test plumbing, kept generic: each test folder owns its own fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture
def clear_service_caches():
    """`get_settings` and `get_container` are lru_cached per process; clear them around a test
    that changes the environment (e.g. PORTAL_DATA_DIR) so it builds its own container."""
    from bootstrap.container import get_container
    from bootstrap.settings import get_settings

    get_settings.cache_clear()
    get_container.cache_clear()
    yield
    get_settings.cache_clear()
    get_container.cache_clear()


# --- network guard ----------------------------------------------------------------------------
# Tests never touch the network. A connection to anything but this machine is refused AND
# recorded, and the test that tried it fails even if a client swallowed the error and retried
# (an OpenAI client would otherwise turn it into a quiet fallback).
import ipaddress  # noqa: E402
import socket  # noqa: E402

NETWORK_VIOLATIONS: list[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address: object) -> None:
    host = address[0] if isinstance(address, tuple) else None  # AF_UNIX paths are local
    if host is not None and not _is_local(host):
        NETWORK_VIOLATIONS.append(str(address))
        raise ConnectionRefusedError(f"tests must not use the network (tried {address})")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    if isinstance(host, bytes):
        host = host.decode()
    if host is not None and not _is_local(host):
        NETWORK_VIOLATIONS.append(f"resolve {host}")
        raise socket.gaierror(f"tests must not use the network (tried to resolve {host})")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _no_network_calls():
    before = len(NETWORK_VIOLATIONS)
    yield
    tried = NETWORK_VIOLATIONS[before:]
    if tried:
        pytest.fail(f"unmocked network call(s): {tried}")
