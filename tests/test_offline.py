"""Every command runs on the real package with no network, and none opens a socket other than loopback (issue 12)."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess

import pytest
from conftest import CLI, copy_package

from rhil7 import cli


def _commands(package, tmp_path) -> list[list[str]]:
    clean = copy_package(tmp_path / "clean")
    return [
        ["validate", str(package)],
        ["build", str(package)],
        ["reproduce", str(package)],
        ["quality", str(package)],
        ["release", str(package), "--out", str(tmp_path / "dist")],
        ["diff", str(clean), str(package)],
        ["audit", str(package)],
    ]


def _loopback(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX: a path, not the network
        return True
    try:
        return ipaddress.ip_address(address[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def socket_guard(monkeypatch):
    """Records, and refuses, every connection to a non-loopback address and every name lookup."""
    attempts = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(original):
        def call(self, address):
            if not _loopback(address):
                attempts.append(address)
                raise OSError(f"test: no network ({address})")
            return original(self, address)

        return call

    def lookup(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror(f"test: no name lookup ({host})")

    monkeypatch.setattr(socket.socket, "connect", guarded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket, "gethostbyname", lookup)
    return attempts


def test_every_command_in_process_opens_no_socket(tmp_path, socket_guard, monkeypatch):
    package = copy_package(tmp_path / "package")
    monkeypatch.delenv("RHIL7_BUILD", raising=False)
    for args in _commands(package, tmp_path):
        assert cli.main(args) == 0, args
    assert socket_guard == []


def _unshare() -> list[str] | None:
    tool = shutil.which("unshare")
    for prefix in ([tool, "-n"], [tool, "-rn"]) if tool else ():
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


def test_every_command_succeeds_without_a_network_namespace(tmp_path):
    prefix = _unshare()
    if prefix is None:
        pytest.skip("unshare -n is not available here (needs util-linux and user or root namespaces)")
    package = copy_package(tmp_path / "package")
    env = {k: v for k, v in os.environ.items() if k != "RHIL7_BUILD"}
    for args in _commands(package, tmp_path):
        done = subprocess.run([*prefix, CLI, *args], capture_output=True, text=True, timeout=600, env=env)
        assert done.returncode == 0, (args, done.stderr)
