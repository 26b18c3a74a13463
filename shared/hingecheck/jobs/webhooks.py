"""Webhooks for third-party apps: ``job.succeeded`` / ``job.failed`` POSTed to the job's
callback URL, signed per Standard Webhooks (standardwebhooks.com):

    webhook-id: <message id>   webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

where key is the base64 part of the tenant's ``whsec_`` secret. Callback URLs that point
at any address that is not public (private, loopback, link-local, shared 100.64.0.0/10
where cloud metadata lives, reserved, multicast, and IPv6 forms that carry one of those:
IPv4-mapped, 6to4, Teredo) are refused unless their host is listed in
``HINGECHECK_WEBHOOK_ALLOW_HOSTS``: a service must not be made to call inside its own
network. The check holds at delivery too: the host is resolved again and the request
connects to the very address that was checked (TLS still verifies the host's name), so a
name that re-resolves to an inner address between submission and delivery gets nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from hingecheck import netcheck

log = logging.getLogger("hingecheck.webhooks")
RETRY_DELAYS_S = (0.0, 1.0, 4.0)


class CallbackRefused(ValueError):
    """The callback URL is not one hingecheck will call."""


@dataclass(frozen=True)
class Target:
    """Where a callback goes: the URL to connect to and the host it stands for."""

    url: str
    host: str
    pinned: bool  # url names the checked address, not the host


def resolve_callback(url: str, allow_hosts: set[str]) -> Target:
    """Check a callback URL and pin it to the public address it resolves to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("the callback URL must be http(s)://host/...")
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:
        raise CallbackRefused("the callback URL's port is not a port (1-65535)") from None
    if host in allow_hosts:
        return Target(url, host, pinned=False)
    try:
        addresses = sorted({str(info[4][0]).split("%", 1)[0]
                            for info in socket.getaddrinfo(host, port or None)})
    except (socket.gaierror, UnicodeError):
        raise CallbackRefused(f"the callback host {host!r} does not resolve") from None
    for address in addresses:
        if netcheck.is_inner(ipaddress.ip_address(address)):
            raise CallbackRefused(
                f"the callback host {host!r} is not a public address ({address})")
    address = addresses[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if port is None else f"{literal}:{port}"
    return Target(urlunsplit(parts._replace(netloc=netloc)), host, pinned=True)


def check_callback_url(url: str, allow_hosts: set[str]) -> None:
    resolve_callback(url, allow_hosts)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def deliver(url: str, secret: str, event: str, data: dict[str, object],
            allow_hosts: set[str] | None = None) -> bool:
    """POST the event, retrying with backoff; True once a 2xx came back. The URL is
    checked again before each attempt, and the request goes to the checked address."""
    message_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps({"type": event, "timestamp": int(time.time()), "data": data}).encode()
    for delay in RETRY_DELAYS_S:
        time.sleep(delay)
        try:
            target = resolve_callback(url, allow_hosts or set())
        except CallbackRefused as exc:
            log.error("webhook %s to %s refused at delivery: %s", message_id, url, exc)
            return False
        ts = int(time.time())
        headers = {"content-type": "application/json", "webhook-id": message_id,
                   "webhook-timestamp": str(ts),
                   "webhook-signature": sign(secret, message_id, ts, body)}
        extensions = {}
        if target.pinned:
            headers["host"] = urlsplit(url).netloc.rsplit("@", 1)[-1]
            extensions["sni_hostname"] = target.host
        try:
            with httpx.Client(timeout=10.0, follow_redirects=False) as client:
                request = client.build_request("POST", target.url, content=body,
                                               headers=headers, extensions=extensions)
                if client.send(request).is_success:
                    return True
        except httpx.HTTPError as exc:
            log.warning("webhook %s to %s: %s", message_id, url, exc)
    log.error("webhook %s to %s not delivered", message_id, url)
    return False
