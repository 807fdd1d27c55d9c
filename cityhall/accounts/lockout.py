"""Login throttling (等保2.0 三级 身份鉴别: 登录失败处理).

Every login attempt is counted *before* its password is checked, in one locked update per key; an attempt
that would go past a limit is refused without a password check. So N parallel wrong guesses get at most
the limit of password checks, whatever N. A successful login gives its own count back.

Three keys are counted, each with its own limit in the lockout window:

- (account, client address): CITYHALL_LOCKOUT_ATTEMPTS (5). A guesser at one address locks only that
  pair: the mayor at another address still signs in. This is the CAPTCHA-free answer to "anyone can lock
  the mayor out".
- account, from every address: CITYHALL_LOCKOUT_ACCOUNT_ATTEMPTS (50), a higher cap that still bounds
  guessing spread over many addresses. Reaching it does lock the account; ``cityhall unlock`` lifts it.
- client address, whatever the accounts: CITYHALL_LOGIN_IP_ATTEMPTS (20), against password spraying.

The client address is REMOTE_ADDR, or the right-most untrusted X-Forwarded-For hop when REMOTE_ADDR is one
of CITYHALL_TRUSTED_PROXIES. An IPv6 client counts by its /64, which one subscriber usually holds whole.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import LoginFailure, LoginThrottle

Scope = LoginThrottle.Scope
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def attempts() -> int:
    return int(getattr(settings, "CITYHALL_LOCKOUT_ATTEMPTS", 5))


def window() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "CITYHALL_LOCKOUT_MINUTES", 15)))


@dataclass(frozen=True)
class Limit:
    scope: str
    key: str
    attempts: int


@dataclass(frozen=True)
class Refusal:
    scope: str
    until: dt.datetime

    @property
    def message(self) -> str:
        at = f"{timezone.localtime(self.until):%H:%M}"
        minutes = int(window().total_seconds() // 60)
        if self.scope == Scope.IP:
            return f"您所在的网络地址登录失败次数过多，已暂停从该地址登录，请于 {at} 后再试。"
        if self.scope == Scope.ACCOUNT:
            return (
                f"该账号登录失败次数过多，已暂停登录{minutes}分钟，请于 {at} 后再试；急需登录请联系市政府办公室解锁。"
            )
        return f"该账号连续{attempts()}次登录失败，已锁定{minutes}分钟，请于 {at} 后再试。"


@dataclass(frozen=True)
class Reservation:
    """One counted attempt, to give back if its password turns out right."""

    limits: tuple[Limit, ...]
    at: dt.datetime


# -- the client address -------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"CITYHALL_TRUSTED_PROXIES 中的“{entry}”不是有效的 IP 地址或网段（如 10.0.0.5 或 10.0.0.0/24）。"
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[IpNetwork, ...]:
    return _networks(tuple(getattr(settings, "CITYHALL_TRUSTED_PROXIES", ())))


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_ip_from(remote_addr: str | None, forwarded_for: str | None, proxies: tuple[IpNetwork, ...]) -> str | None:
    """The address that reached our first trusted proxy. Hops are read right to left because each proxy
    appends what it saw; everything left of the first untrusted hop may be written by the client."""
    current = _address(remote_addr)
    if current is None:
        return None
    if not forwarded_for:
        return str(current)
    for hop in reversed(forwarded_for.split(",")):
        if not any(current in net for net in proxies):
            return str(current)
        address = _address(hop)
        if address is None:
            # A trusted proxy passed on something that is no address: stop at the last hop we know.
            return str(current)
        current = address
    return str(current)


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    meta = request.META
    return client_ip_from(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), trusted_proxies())


def _ip_key(ip: str) -> str:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _account_key(username: str) -> str:
    return username.strip().casefold()[:150]


def limits_for(username: str, ip: str | None) -> tuple[Limit, ...]:
    account = _account_key(username)
    limits = [Limit(Scope.ACCOUNT, account, int(getattr(settings, "CITYHALL_LOCKOUT_ACCOUNT_ATTEMPTS", 50)))]
    if ip:
        where = _ip_key(ip)
        limits.append(Limit(Scope.PAIR, f"{account}|{where}", attempts()))
        limits.append(Limit(Scope.IP, where, int(getattr(settings, "CITYHALL_LOGIN_IP_ATTEMPTS", 20))))
    # One order for every transaction, so that two attempts never wait on each other's rows (no deadlock).
    return tuple(sorted(limits, key=lambda limit: (limit.scope, limit.key)))


def _locked_rows(limits: tuple[Limit, ...], now: dt.datetime) -> dict[tuple[str, str], LoginThrottle]:
    # Insert the missing rows first: the row lock below then serialises every attempt on a key,
    # and on SQLite the write takes the database's write lock at once.
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(scope=lim.scope, key=lim.key, window_start=now) for lim in limits], ignore_conflicts=True
    )
    match = Q()
    for lim in limits:
        match |= Q(scope=lim.scope, key=lim.key)
    rows = LoginThrottle.objects.select_for_update().filter(match).order_by("scope", "key")
    return {(row.scope, row.key): row for row in rows}


# -- counting -----------------------------------------------------------------------------------


def reserve(username: str, ip: str | None, now: dt.datetime | None = None) -> Reservation | Refusal:
    """Count one attempt before its password is checked, or refuse it (counting nothing) while a key is locked."""
    now = now or timezone.now()
    limits = limits_for(username, ip)
    with transaction.atomic():
        rows = _locked_rows(limits, now)
        refusals = [
            Refusal(lim.scope, row.locked_until)
            for lim in limits
            if (row := rows[(lim.scope, lim.key)]).locked_until is not None and row.locked_until > now
        ]
        if refusals:
            return max(refusals, key=lambda r: r.until)
        for lim in limits:
            row = rows[(lim.scope, lim.key)]
            if row.window_start + window() <= now or row.locked_until is not None:
                row.failures, row.window_start, row.locked_until = 0, now, None
            row.failures += 1
            if row.failures >= lim.attempts:
                row.locked_until = now + window()
            row.save(update_fields=["failures", "window_start", "locked_until"])
    return Reservation(limits, now)


def succeeded(reservation: Reservation) -> None:
    """The password was right: the pair starts afresh, and the account and address get their count back."""
    with transaction.atomic():
        rows = _locked_rows(reservation.limits, reservation.at)
        for lim in reservation.limits:
            row = rows[(lim.scope, lim.key)]
            if lim.scope == Scope.PAIR:
                row.failures, row.locked_until = 0, None
            elif row.window_start <= reservation.at and row.failures > 0:
                row.failures -= 1
                if row.failures < lim.attempts:
                    row.locked_until = None
            row.save(update_fields=["failures", "locked_until"])


def locked_until(username: str, ip: str | None = None, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a login for ``username`` from ``ip`` would be accepted again, or None if it would be now."""
    now = now or timezone.now()
    limits = limits_for(username, ip)
    match = Q()
    for lim in limits:
        match |= Q(scope=lim.scope, key=lim.key)
    rows = LoginThrottle.objects.filter(match, locked_until__gt=now).values_list("locked_until", flat=True)
    until = [u for u in rows if u is not None]
    return max(until) if until else None


def unlock(username: str | None = None, ip: str | None = None) -> int:
    """Lift the locks on an account (from every address) and/or on a client address. Returns rows cleared."""
    match = Q(pk__in=[])
    if username:
        account = _account_key(username)
        match |= Q(scope=Scope.ACCOUNT, key=account) | Q(scope=Scope.PAIR, key__startswith=f"{account}|")
    if ip:
        where = _ip_key(ip)
        match |= Q(scope=Scope.IP, key=where) | Q(scope=Scope.PAIR, key__endswith=f"|{where}")
    with transaction.atomic():
        cleared, _ = LoginThrottle.objects.filter(match).delete()
        if username:
            LoginFailure.objects.filter(username__iexact=username).delete()
    return cleared
