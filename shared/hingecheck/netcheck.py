"""Which addresses a service must never be made to call: everything that is not a public
unicast address, seen through every IPv6 form that carries an IPv4 address.

An IPv6 address can stand for an IPv4 one in several ways, and on a network with NAT64,
SIIT or a 6to4/Teredo relay a packet to it reaches that IPv4 address. So
``[::127.0.0.1]`` or ``[64:ff9b::a9fe:a9fe]`` reach loopback or the cloud's metadata
service as surely as ``127.0.0.1`` and ``169.254.169.254``. The forms looked through:

- IPv4-mapped ``::ffff:0:0/96`` and IPv4-compatible ``::/96`` (RFC 4291, deprecated);
- NAT64, the well-known prefix ``64:ff9b::/96`` (RFC 6052) and the local-use prefix
  ``64:ff9b:1::/48`` (RFC 8215, the IPv4 address in the last 32 bits);
- 6to4 ``2002::/16`` (RFC 3056) and Teredo ``2001::/32`` (RFC 4380, its client address).

Pure: no I/O, no name resolution (the caller resolves).
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def carried_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (none for a plain IPv6 one)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # the server and the client
    last32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves, not IPv4
        found.append(last32)
    if any(ip in net for net in _NAT64):
        found.append(last32)
    return found


def is_inner(ip: Address) -> bool:
    """True for every address that is not a public unicast one (private, loopback,
    link-local, shared, reserved, multicast, unspecified), looking through the IPv6
    forms that carry an IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return True
        if any(is_inner(v4) for v4 in carried_ipv4(ip)):
            return True
        if any(ip in net for net in _NAT64) or ip in _COMPATIBLE:
            return not carried_ipv4(ip)
    return not ip.is_global or ip.is_multicast


def is_inner_text(address: str) -> bool:
    """``is_inner`` of an address as text (a zone index, ``%eth0``, makes it inner);
    True for text that is not an address at all."""
    if "%" in address:
        return True
    try:
        return is_inner(ipaddress.ip_address(address))
    except ValueError:
        return True
