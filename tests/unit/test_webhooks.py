"""Callback URLs: which addresses are refused, and that delivery checks again and connects
to the address it checked. Name resolution is replaced in two tests (these machines reach
no public host); the HTTP receiver is real, on loopback."""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from hingecheck import netcheck
from hingecheck.jobs.webhooks import CallbackRefused, check_callback_url, deliver

SECRET = "whsec_" + "a" * 44


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
    "100.100.100.200",       # shared address space (a cloud's metadata service)
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
    "2002:7f00:1::",         # 6to4 carrying 127.0.0.1
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo carrying 10.0.0.1
    "::7f00:1", "::127.0.0.1",  # IPv4-compatible, carrying loopback
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",  # NAT64: loopback, the metadata service
    "64:ff9b:1::a00:1",      # NAT64 local-use prefix carrying 10.0.0.1
])
def test_inner_addresses_are_refused(address: str) -> None:
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(CallbackRefused, match="not a public address"):
        check_callback_url(f"http://{literal}/hook", set())


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert not netcheck.is_inner(ipaddress.ip_address(address))


def test_allowed_hosts_and_schemes() -> None:
    check_callback_url("http://127.0.0.1:9/hook", {"127.0.0.1"})
    for url in ("ftp://example.com/x", "file:///etc/passwd", "http:///nohost"):
        with pytest.raises(CallbackRefused):
            check_callback_url(url, set())


class _Receiver:
    def __init__(self) -> None:
        self.hosts: list[str] = []
        hosts = self.hosts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                hosts.append(self.headers["host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> None:
    """hooks.example.test resolves to each of ``answers`` in turn (the last one stays)."""
    real = socket.getaddrinfo

    def fake(host: str | None, port: int | None, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_delivery_connects_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = _Receiver()
    _resolving(monkeypatch, ["127.0.0.1"])
    # Loopback stands in for a public address here: the check is told to pass it.
    monkeypatch.setattr(netcheck, "is_inner", lambda ip: False)
    url = f"http://hooks.example.test:{receiver.port}/hook"
    assert deliver(url, SECRET, "job.succeeded", {"id": "j"})
    assert receiver.hosts == [f"hooks.example.test:{receiver.port}"]
    receiver.server.shutdown()


def test_a_host_that_re_resolves_inside_gets_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = _Receiver()
    # Public at submission, loopback by the time the job ends (DNS rebinding).
    _resolving(monkeypatch, ["93.184.215.14", "127.0.0.1"])
    url = f"http://hooks.example.test:{receiver.port}/hook"
    check_callback_url(url, set())
    assert not deliver(url, SECRET, "job.succeeded", {"id": "j"})
    assert receiver.hosts == []
    receiver.server.shutdown()
