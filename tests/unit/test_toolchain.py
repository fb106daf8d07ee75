"""Missing host tools end in a setup error that gives the one command to install them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import toolchain
from sim.errors import ToolMissingError


@pytest.fixture
def empty_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No tool on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path))


def test_all_missing_names_each_package(empty_path: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each package once, though gcc and g++ both come in gcc-arm-none-eabi."""
    monkeypatch.setattr(toolchain.os, "geteuid", lambda: 1000)
    with pytest.raises(ToolMissingError) as caught:
        toolchain.check_tools()
    message = str(caught.value)
    assert message.startswith("missing qemu-system-arm, arm-none-eabi-gcc, arm-none-eabi-g++, "
                              "newlib-nano")
    assert message.endswith("install with: (as root) apt-get update && env "
                            "DEBIAN_FRONTEND=noninteractive apt-get install -y "
                            "--no-install-recommends qemu-system-arm gcc-arm-none-eabi "
                            "libnewlib-arm-none-eabi")


def test_with_sudo_the_command_uses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sudo = tmp_path / "sudo"
    sudo.write_text("#!/bin/sh\n")
    sudo.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert toolchain.install_command(["qemu-system-arm"], as_root=False) == (
        "sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "
        "--no-install-recommends qemu-system-arm")


def test_without_root_setup_installs_nothing(empty_path: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchain.os, "geteuid", lambda: 1000)
    ran: list[object] = []
    monkeypatch.setattr(toolchain.subprocess, "run", lambda *a, **k: ran.append(a))
    with pytest.raises(ToolMissingError, match=r"\(as root\) apt-get update"):
        toolchain.install_missing_tools()
    assert ran == []


def test_root_command_has_no_sudo() -> None:
    assert toolchain.install_command(["qemu-system-arm"], as_root=True) == (
        "apt-get update && env DEBIAN_FRONTEND=noninteractive apt-get install -y "
        "--no-install-recommends qemu-system-arm")


def test_setup_installs_the_host_fuzzers_tools_too(empty_path: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Only python -m sim hostfuzz checks for clang (and only a test for chromium), but setup
    installs what every command and test uses."""
    monkeypatch.setattr(toolchain.os, "geteuid", lambda: 1000)
    with pytest.raises(ToolMissingError) as caught:
        toolchain.install_missing_tools()
    assert str(caught.value).endswith("--no-install-recommends qemu-system-arm gcc-arm-none-eabi "
                                      "libnewlib-arm-none-eabi clang libclang-rt-14-dev util-linux "
                                      "llvm gcc g++ chromium")
