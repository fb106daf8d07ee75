"""QEMU is a transport like any other (sim/transport.py), and the boot code reaches QEMU only
through that interface: the one name it takes from sim/qemu.py is the default transport."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import sim.boot
from sim.boards import load_boards
from sim.build import FirmwareImage
from sim.qemu import QemuSession, QemuTransport, qemu_argv, rerun_command
from sim.target import Target
from sim.transport import TargetSession, Transport


def _any_target() -> Target:
    board = load_boards()[0]
    return Target(board, FirmwareImage(board.name, Path("fw.elf"), Path("fw.map")))


def test_qemu_transport_has_the_interface() -> None:
    transport = QemuTransport()
    assert isinstance(transport, Transport)
    session = transport.session(_any_target(), Path("/boot"), ["firmware", "jobs.txt"], 1.0)
    assert isinstance(session, QemuSession) and isinstance(session, TargetSession)
    assert session.stderr_path == Path("/boot/stderr.log") and session.cwd == Path("/boot")


def test_qemu_transport_runs_the_argv_the_rerun_command_shows() -> None:
    target = _any_target()
    args = ["firmware", "jobs.txt"]
    argv = qemu_argv(target.board.qemu_machine, Path("fw.elf").resolve(), args)
    transport = QemuTransport()
    assert transport.session(target, Path("/boot"), args, 1.0).argv == argv
    assert transport.rerun_command(target, Path("/boot"), args) == \
        rerun_command(argv, Path("/boot"))


def test_the_boot_code_takes_only_the_default_transport_from_qemu() -> None:
    tree = ast.parse(inspect.getsource(sim.boot))
    from_qemu = {alias.name for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module == "sim.qemu"
                 for alias in node.names}
    assert from_qemu == {"QemuTransport"}
