"""Host tools the suite needs, how to tell they are there, and how to install them.

`python -m sim setup` (run by tox before anything else) installs what is missing when it runs
as root; otherwise it stops with the one command that would install it. Every other command
only checks the tools it uses, and fails with the same command in its message: the suite's
(TOOLS) for everything that boots QEMU, clang, libFuzzer and setarch (HOSTFUZZ_TOOLS) for the
host-side fuzzer of the loader (sim/hostfuzz.py), the host's gcc and g++
(HOST_COMPILER_TOOLS) for the tests that run modules' sources on the host, and Chromium
(BROWSER_TOOLS) for the test that opens report.html in a real headless browser.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sim.errors import ToolMissingError

log = logging.getLogger(__name__)

GCC = "arm-none-eabi-gcc"
GXX = "arm-none-eabi-g++"  # C++ modules; Debian ships it in gcc-arm-none-eabi with gcc
QEMU = "qemu-system-arm"
CLANG = "clang"
SETARCH = "setarch"  # runs the fuzzer without address-space randomisation (sim/hostfuzz.py)
SYMBOLIZER = "llvm-symbolizer"  # names functions in the sanitizers' crash reports


def _on_path(command: str) -> Callable[[], bool]:
    return lambda: shutil.which(command) is not None


def _newlib_present() -> bool:
    """newlib-nano ships libc_nano.a and nano.specs; gcc prints a bare name when it has neither."""
    if shutil.which(GCC) is None:
        return False
    for name in ("libc_nano.a", "nano.specs"):
        found = subprocess.run([GCC, f"-print-file-name={name}"], capture_output=True, text=True)
        if found.returncode != 0 or os.sep not in found.stdout.strip():
            return False
    return True


def _fuzzer_runtime_present() -> bool:
    """libFuzzer ships as libclang_rt.fuzzer-<arch>.a in clang's resource folder (Debian:
    libclang-rt-14-dev, only recommended by clang, so --no-install-recommends leaves it out)."""
    if shutil.which(CLANG) is None:
        return False
    found = subprocess.run([CLANG, "-print-resource-dir"], capture_output=True, text=True)
    resources = Path(found.stdout.strip())
    return found.returncode == 0 and any(resources.glob("lib/**/libclang_rt.fuzzer*.a"))


@dataclass(frozen=True)
class Tool:
    what: str           # what the user sees in messages
    package: str        # the Debian package that provides it
    present: Callable[[], bool]


TOOLS = (
    Tool(QEMU, "qemu-system-arm", _on_path(QEMU)),
    Tool(GCC, "gcc-arm-none-eabi", _on_path(GCC)),
    Tool(GXX, "gcc-arm-none-eabi", _on_path(GXX)),
    Tool("newlib-nano for arm-none-eabi", "libnewlib-arm-none-eabi", _newlib_present),
)
HOSTFUZZ_TOOLS = (
    Tool(CLANG, "clang", _on_path(CLANG)),
    Tool("libFuzzer for clang", "libclang-rt-14-dev", _fuzzer_runtime_present),
    Tool(SETARCH, "util-linux", _on_path(SETARCH)),
    # Without it a crash report gives bare addresses (seen on a fresh Debian 12: binutils'
    # addr2line is there, yet the sanitizers' summary named no function).
    Tool(SYMBOLIZER, "llvm", _on_path(SYMBOLIZER)),
)


def missing_tools(tools: tuple[Tool, ...] = TOOLS) -> list[Tool]:
    return [tool for tool in tools if not tool.present()]


def install_command(packages: list[str], as_root: bool) -> str:
    """The apt-get line that installs packages. Without recommends: QEMU's GUI stack alone
    would be ~550 MB more, and nothing here needs it."""
    command = (f"apt-get update && env DEBIAN_FRONTEND=noninteractive apt-get install -y "
               f"--no-install-recommends {' '.join(dict.fromkeys(packages))}")
    if as_root:
        return command
    if shutil.which("sudo") is not None:
        return command.replace("apt-get update", "sudo apt-get update").replace(
            "&& env", "&& sudo env")
    return f"(as root) {command}"


def _is_root() -> bool:
    return os.geteuid() == 0


def check_tools(tools: tuple[Tool, ...] = TOOLS) -> None:
    """Raise ToolMissingError naming each missing tool and the command that installs it."""
    missing = missing_tools(tools)
    if missing:
        names = ", ".join(tool.what for tool in missing)
        command = install_command([tool.package for tool in missing], as_root=_is_root())
        raise ToolMissingError(f"missing {names}; install with: {command}")


# The host's own C and C++ compilers: the tests check modules whose expected values come from
# running the same source on the host (tests/unit/test_real_modules.py, test_cpp_host.py).
HOST_CC, HOST_CXX = "gcc", "g++"
HOST_COMPILER_TOOLS = (
    Tool(HOST_CC, "gcc", _on_path(HOST_CC)),
    Tool(HOST_CXX, "g++", _on_path(HOST_CXX)),
)


# A real browser: tests/sim/test_report_html_browser.py loads report.html in it, headless.
BROWSER = "chromium"
BROWSER_TOOLS = (Tool(BROWSER, "chromium", _on_path(BROWSER)),)


def install_missing_tools(tools: tuple[Tool, ...] = (TOOLS + HOSTFUZZ_TOOLS + HOST_COMPILER_TOOLS
                                                     + BROWSER_TOOLS)) -> list[str]:
    """Install missing tools (by default every tool any command uses) with apt-get when root.
    Returns the packages installed."""
    missing = missing_tools(tools)
    if not missing:
        return []
    packages = list(dict.fromkeys(tool.package for tool in missing))
    if not _is_root() or shutil.which("apt-get") is None:
        check_tools(tools)
    log.info("installing %s", " ".join(packages))
    command = install_command(packages, as_root=True)
    result = subprocess.run(["sh", "-c", command])
    if result.returncode != 0:
        raise ToolMissingError(f"'{command}' failed with status {result.returncode}")
    check_tools(tools)
    return packages
