"""Webhooks for third-party apps: ``job.succeeded`` / ``job.failed`` POSTed to the job's
callback URL, signed per Standard Webhooks (standardwebhooks.com):

    webhook-id: <message id>   webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

where key is the base64 part of the tenant's ``whsec_`` secret. Callback URLs that point
at private, loopback or link-local addresses are refused unless their host is listed in
``HINGECHECK_WEBHOOK_ALLOW_HOSTS`` (a service must not be made to call inside its own
network).
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
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("hingecheck.webhooks")
RETRY_DELAYS_S = (0.0, 1.0, 4.0)


class CallbackRefused(ValueError):
    """The callback URL is not one hingecheck will call."""


def check_callback_url(url: str, allow_hosts: set[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("the callback URL must be http(s)://host/...")
    host = parts.hostname
    if host in allow_hosts:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        raise CallbackRefused(f"the callback host {host!r} does not resolve") from None
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved \
                or ip.is_multicast or ip.is_unspecified:
            raise CallbackRefused(f"the callback host {host!r} is a private address ({ip})")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def deliver(url: str, secret: str, event: str, data: dict[str, object]) -> bool:
    """POST the event, retrying with backoff; True once a 2xx came back."""
    message_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps({"type": event, "timestamp": int(time.time()), "data": data}).encode()
    for delay in RETRY_DELAYS_S:
        time.sleep(delay)
        ts = int(time.time())
        headers = {"content-type": "application/json", "webhook-id": message_id,
                   "webhook-timestamp": str(ts),
                   "webhook-signature": sign(secret, message_id, ts, body)}
        try:
            if httpx.post(url, content=body, headers=headers, timeout=10.0).is_success:
                return True
        except httpx.HTTPError as exc:
            log.warning("webhook %s to %s: %s", message_id, url, exc)
    log.error("webhook %s to %s not delivered", message_id, url)
    return False
