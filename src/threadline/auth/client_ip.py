"""The client's address, believing X-Forwarded-For only from configured trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


class ClientAddressResolver:
    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self._trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self._trusted)

    def resolve(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """Walk X-Forwarded-For from the right, skipping trusted proxies; the first untrusted
        hop is the client. Without a trusted peer the header is ignored (anyone can send it)."""
        if peer is None or not forwarded_for or not self._is_trusted(peer):
            return peer
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return peer
        return hops[0] if hops else peer
