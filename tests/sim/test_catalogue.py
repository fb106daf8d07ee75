"""Every module of the catalogue on every board, each in its own QEMU boot (xdist spreads them
over the cores), against the expectation in its module.toml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim import MODULES_DIR
from sim.boards import board_names
from sim.exports import load_api
from sim.plan import module_job
from sim.modbuild import build_module
from sim.faults import has_fault_status
from sim.modules import Module, load_order
from sim.results import RunResult
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu
BOARDS = sorted(board_names())
CATALOGUE = sorted(p.parent.name for p in MODULES_DIR.glob("*/module.toml"))


def run_module(target: Target, module: Module, build_dir: Path, out: Path,
               everything: list[Module] | None = None) -> RunResult:
    """Build, pack and run one module (after the dependencies it names, found among
    everything) on one board; its one result."""
    deps = [build_module(target.board, d, build_dir)
            for d in load_order(module, everything or [module])]
    image = build_module(target.board, module, build_dir)
    job = module_job(module, target.board, image, deps)
    [(_, result)] = run_batch(target, [job], out / "logs", RunSettings(out_dir=out))
    return result


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("name", CATALOGUE)
def test_module_meets_its_expectation(name: str, board: str, targets: dict[str, Target],
                                      catalogue: dict[str, Module], build_dir: Path,
                                      tmp_path: Path) -> None:
    result = run_module(targets[board], catalogue[name], build_dir, tmp_path,
                        list(catalogue.values()))
    assert result.ok, f"{result.mismatches}; log: {tmp_path / str(result.log)}"
    # No catalogue module takes a million ticks in any phase; a phase read just after SysTick
    # restarted once came out as a whole 2^24-tick period.
    assert all(v is None or v < 1_000_000 for v in result.timing.values() if not isinstance(v, str))


def test_entry_not_at_offset_0_returns_11(board: str, targets: dict[str, Target],
                                          catalogue: dict[str, Module], build_dir: Path,
                                          tmp_path: Path) -> None:
    """The seeds' case: a jump to offset 0 would run the helper and give 5 + 3 = 8."""
    result = run_module(targets[board], catalogue["entry_not_first"], build_dir, tmp_path)
    assert (result.status, result.return_value) == ("ok", 11)


def test_every_unresolved_import_is_named(board: str, targets: dict[str, Target],
                                          catalogue: dict[str, Module], build_dir: Path,
                                          tmp_path: Path) -> None:
    result = run_module(targets[board], catalogue["missing_imports"], build_dir, tmp_path)
    assert (result.status, result.error) == ("rejected", "unresolved")
    assert result.unresolved == ["firmware_lacks_this", "nor_this_one"]


def test_firmware_calls_back_into_the_module(board: str, targets: dict[str, Target],
                                             catalogue: dict[str, Module], build_dir: Path,
                                             tmp_path: Path) -> None:
    """qsort lives in the firmware's flash and calls the module's comparator in SRAM."""
    result = run_module(targets[board], catalogue["qsort_callback"], build_dir, tmp_path)
    assert result.ok and result.return_value == catalogue["qsort_callback"].expect["return"]


def test_phases_are_timed(board: str, targets: dict[str, Target], catalogue: dict[str, Module],
                          build_dir: Path, tmp_path: Path) -> None:
    result = run_module(targets[board], catalogue["data_and_bss"], build_dir, tmp_path)
    assert all(result.timing[phase] is not None for phase in ("load", "link", "init", "run"))
    assert result.timing["load"] > result.timing["link"] > 0


@pytest.mark.parametrize("board", BOARDS)
def test_a_board_only_export_resolves_there_and_is_named_elsewhere(
        board: str, targets: dict[str, Target], catalogue: dict[str, Module], build_dir: Path,
        tmp_path: Path) -> None:
    """board_only_imports imports names exports.txt gives only some boards: on a board that
    exports them all it runs; elsewhere it is refused naming exactly the ones the board lacks."""
    module = catalogue["board_only_imports"]
    imports = {name for name, _ in build_module(targets[board].board, module,
                                                build_dir).packed.imports}
    assert imports & set(load_api().only_on), "it must import a board-only export"
    lacking = sorted(imports - set(load_api().names_for(board)))
    result = run_module(targets[board], module, build_dir, tmp_path)
    if lacking:
        assert (result.status, result.error, result.unresolved) == ("rejected", "unresolved",
                                                                    lacking)
    else:
        assert (result.status, result.unresolved) == ("ok", [])


@pytest.mark.parametrize("board", BOARDS)
def test_timing_counts_instructions_exactly(board: str, targets: dict[str, Target],
                                            catalogue: dict[str, Module], build_dir: Path,
                                            tmp_path: Path) -> None:
    """counted_loop runs 2 instructions a pass: 2000 more passes, exactly 4000 more."""
    loop = catalogue["counted_loop"]
    runs = [run_module(targets[board], dataclasses.replace(loop, args=(passes,)), build_dir,
                       tmp_path / str(passes)) for passes in (1000, 3000)]
    assert runs[1].timing["run"] - runs[0].timing["run"] == 4000


@pytest.mark.parametrize("board", BOARDS)
def test_the_address_past_flash_comes_from_the_board_file(
        board: str, targets: dict[str, Target], catalogue: dict[str, Module], build_dir: Path,
        tmp_path: Path) -> None:
    """fault_unmapped_read loads from BOARD_PAST_FLASH_ADDRESS, built from the board's
    [addresses]: where that faults (on the bus, or at the MPU where its flash window ends with
    flash), the fault address is that one, where the core records one (ARMv6-M does not)."""
    target = targets[board]
    capabilities = target.board.capabilities
    if not (capabilities["faults_past_flash"] or capabilities["mpu_guards_past_flash"]):
        pytest.skip(f"{board}: QEMU reads 0 past flash there (faults_past_flash = false)")
    if not has_fault_status(target.board.cpu.core):
        pytest.skip(f"{board}: {target.board.cpu.core} records no fault address")
    module = catalogue["fault_unmapped_read"]
    result = run_module(target, module, build_dir, tmp_path)
    assert result.fault is not None
    assert result.fault.name == module.expectation(board, capabilities).fault
    assert result.fault.address == target.board.addresses.past_flash
