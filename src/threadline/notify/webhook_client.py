"""Outgoing webhook requests: the signature, the address checks and one POST.

Only http and https URLs. Unless private receivers are allowed, the host's every address
must be public (not loopback, private, link-local, multicast, reserved …): a webhook must not
reach into the server's own network. The check runs when the request is sent, and the
request then goes to the very address that was checked (the Host header and TLS server name
stay the URL's), so a DNS answer that changes between check and connect (DNS rebinding)
cannot redirect it. Redirects are never followed; every phase of the request has the
timeout; no proxy from the environment is used.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2

Resolver = Callable[[str, int], list[str]]
MAX_ERROR = 300


class WebhookAddressError(ValueError):
    """The URL may not be used: the message says why."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Threadline-Signature` header: t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<raw body>" keyed with the webhook's secret>."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a usable webhook URL, or WebhookAddressError."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise WebhookAddressError("the URL is not valid") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookAddressError("a webhook URL starts with http:// or https://")
    if not parts.hostname:
        raise WebhookAddressError("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookAddressError("put no user name or password in the URL; sign with the secret")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookAddressError(
            f"the host {host!r} cannot be resolved ({exc.strerror})"
        ) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_checked(url: str, allow_private: bool, resolver: Resolver = system_resolver) -> str:
    """The address to send to: the host's first address, every one of them public unless
    private receivers are allowed."""
    _, host, port = check_url(url)
    addresses = resolver(host, port)
    if not addresses:
        raise WebhookAddressError(f"the host {host!r} has no address")
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise WebhookAddressError(
                f"{host} resolves to a non-public address ({refused[0]}); set "
                "webhook_allow_private_addresses to send to private networks"
            )
    return addresses[0]


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int | None  # the receiver's HTTP status; None: no answer
    error: str | None  # why it did not count as delivered; None when it did (2xx)

    @property
    def delivered(self) -> bool:
        return self.error is None


def trust_with(ca_file: str) -> ssl.SSLContext:
    """A TLS context trusting the system's authorities and those in `ca_file` (PEM)."""
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"webhook CA file {ca_file} cannot be used: {exc}") from exc
    return context


class WebhookClient:
    """Sends webhook POSTs; thread-safe, connections kept alive between calls."""

    def __init__(
        self,
        timeout_s: float,
        allow_private: bool,
        user_agent: str,
        resolver: Resolver = system_resolver,
        ca_file: str | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("webhooks need a timeout above 0")
        # The system's trust store unless the newsroom's own CA is added; loaded now, so a
        # bad file stops the start instead of failing every delivery.
        self._verify: ssl.SSLContext | bool = trust_with(ca_file) if ca_file else True
        self.timeout_s = timeout_s
        self.allow_private = allow_private
        self.user_agent = user_agent
        self._resolver = resolver
        self._made: httpx2.Client | None = None
        self._making = threading.Lock()

    @property
    def _client(self) -> httpx2.Client:
        # Made at the first request: building one loads the TLS trust store (≈ 30 ms), which
        # every app built (each test's, each command's) would pay for nothing otherwise.
        with self._making:
            if self._made is None:
                self._made = httpx2.Client(
                    timeout=httpx2.Timeout(self.timeout_s),
                    trust_env=False,
                    follow_redirects=False,
                    verify=self._verify,
                )
            return self._made

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> PostResult:
        """POST `body` to `url`; a 2xx answer is delivered, anything else says why not."""
        try:
            address = resolve_checked(url, self.allow_private, self._resolver)
        except WebhookAddressError as exc:
            return PostResult(None, f"refused: {exc}")
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        literal = f"[{address}]" if ":" in address else address
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        pinned = urlunsplit(parts._replace(netloc=netloc, fragment=""))
        sent = {
            **headers,
            "Host": parts.netloc.rpartition("@")[2],
            "User-Agent": self.user_agent,
            "Content-Type": "application/json",
        }
        extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            request = self._client.build_request(
                "POST", pinned, content=body, headers=sent, extensions=extensions
            )
            response = self._client.send(request, stream=True)
            try:
                status = response.status_code
                location = response.headers.get("location", "")
            finally:
                response.close()  # the answer's body is not read: only its status counts
        except httpx2.TimeoutException:
            return PostResult(None, f"no answer within {self.timeout_s * 1000:.0f} ms")
        except httpx2.HTTPError as exc:
            return PostResult(None, f"could not connect ({type(exc).__name__}: {exc})"[:MAX_ERROR])
        if 200 <= status < 300:
            return PostResult(status, None)
        if 300 <= status < 400:
            where = f" to {location}" if location else ""
            return PostResult(status, f"HTTP {status}: redirect{where} not followed"[:MAX_ERROR])
        return PostResult(status, f"HTTP {status}")

    def close(self) -> None:
        with self._making:
            if self._made is not None:
                self._made.close()
                self._made = None
