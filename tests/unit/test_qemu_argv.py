"""The QEMU command line is a pure function of its inputs, and printable for a person."""

from __future__ import annotations

import shlex
from pathlib import Path

from sim.qemu import ICOUNT, qemu_argv, rerun_command


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_machine_kernel_and_icount() -> None:
    argv = qemu_argv("netduinoplus2", Path("/fw/firmware.elf"), ["firmware", "jobs.txt"])
    assert argv[0] == "qemu-system-arm"
    assert _option(argv, "-M") == "netduinoplus2"
    assert _option(argv, "-kernel") == "/fw/firmware.elf"
    assert _option(argv, "-icount") == ICOUNT == "shift=6,align=off,sleep=off"
    assert "-nodefaults" in argv
    # A guest reset restarts the firmware in the same QEMU, which resumes its job list.
    assert "-no-reboot" not in argv


def test_semihosting_console_goes_to_a_stdio_chardev() -> None:
    argv = qemu_argv("stm32vldiscovery", Path("fw.elf"), ["firmware", "jobs.txt"])
    assert _option(argv, "-chardev") == "stdio,id=semihosting"
    assert _option(argv, "-semihosting-config") == (
        "enable=on,target=native,chardev=semihosting,arg=firmware,arg=jobs.txt")


def test_commas_in_arguments_are_doubled() -> None:
    argv = qemu_argv("stm32vldiscovery", Path("fw.elf"), ["a,b"])
    assert _option(argv, "-semihosting-config").endswith(",arg=a,,b")


def test_same_inputs_same_argv() -> None:
    one = qemu_argv("netduinoplus2", Path("fw.elf"), ["x"], icount="shift=2")
    two = qemu_argv("netduinoplus2", Path("fw.elf"), ["x"], icount="shift=2")
    assert one == two and _option(one, "-icount") == "shift=2"


def test_rerun_command_round_trips_through_the_shell() -> None:
    argv = qemu_argv("netduinoplus2", Path("/a dir/fw.elf"), ["firmware", "jobs.txt"])
    line = rerun_command(argv, Path("/logs/my boot"))
    cd_part, command_part = line.split(" && ", 1)
    assert shlex.split(cd_part) == ["cd", "/logs/my boot"]
    assert shlex.split(command_part) == argv
