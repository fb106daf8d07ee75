"""The names module.toml may expect are the names a run can show: the loader's error names
(firmware/src/loader_status.c) and the fault names sim.faults can give."""

from __future__ import annotations

import re

from sim import FIRMWARE_DIR
from sim.faults import CFSR_FAULT_BITS, HFSR_BITS
from sim.jobs import CALLEE_SAVED_FAULT, LOADER_ERRORS, fault_names

LOADER_STATUS_C = FIRMWARE_DIR / "src" / "loader_status.c"


def _firmware_status_names() -> list[str]:
    """The strings of loader_status.c's status_names[] table, in order."""
    table = re.search(r"status_names\[\]\s*=\s*\{(?P<body>.*?)\};", LOADER_STATUS_C.read_text(),
                      re.DOTALL)
    assert table is not None, f"{LOADER_STATUS_C}: no status_names[] table"
    return re.findall(r'"([^"]*)"', table["body"])


def test_host_loader_errors_are_the_firmwares() -> None:
    names = _firmware_status_names()
    assert names[0] == "ok"  # status 0: no error, so no expectation can name it
    assert list(LOADER_ERRORS) == names[1:]


def test_fault_names_cover_every_status_bit_and_the_abi_faults() -> None:
    names = set(fault_names())
    assert {f"{cls}.{bit}" for cls, bit in CFSR_FAULT_BITS.values()} <= names
    assert {f"HardFault.{bit}" for bit in HFSR_BITS.values()} <= names
    assert {"ABI.STACK", "ABI.SVC", CALLEE_SAVED_FAULT} <= names
    assert "UsageFault.BFARVALID" not in names and "BusFault.NOCP" not in names
