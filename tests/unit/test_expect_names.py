"""The names module.toml may expect are the names a run can show: the loader's error names
(firmware/loader/loader.h, LOADER_STATUSES; tests/unit/test_loader_library.py checks that
loader_strerror() spells them so) and the fault names sim.faults can give."""

from __future__ import annotations

from sim.faults import CFSR_FAULT_BITS, HFSR_BITS
from sim.jobs import CALLEE_SAVED_FAULT, LOADER_ERRORS, fault_names, loader_statuses


def test_host_loader_errors_are_the_librarys() -> None:
    statuses = loader_statuses()
    assert statuses["ok"] == 0  # no error, so no expectation can name it
    assert list(statuses.values()) == list(range(0, -len(statuses), -1))  # dense, in order
    assert list(LOADER_ERRORS) == [name for name in statuses if name != "ok"]


def test_fault_names_cover_every_status_bit_and_the_abi_faults() -> None:
    names = set(fault_names())
    assert {f"{cls}.{bit}" for cls, bit in CFSR_FAULT_BITS.values()} <= names
    assert {f"HardFault.{bit}" for bit in HFSR_BITS.values()} <= names
    assert {"ABI.STACK", "ABI.SVC", CALLEE_SAVED_FAULT} <= names
    assert "UsageFault.BFARVALID" not in names and "BusFault.NOCP" not in names
