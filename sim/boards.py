"""Boards are data: one TOML file per board in boards/, loaded into frozen, validated dataclasses.

A bad board file is a BoardError whose message names the file and the key. See README.md,
"Adding a board", for the keys.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import BOARDS_DIR
from sim.cores import CORE_FACTS, CORES, FLOAT_ABIS, FPU_PRECISION, FPUS, target_flags
from sim.errors import BoardError
from sim.textfiles import read_toml_text
from sim.timing import MIN_CLOCK_HZ, NS_PER_INSTRUCTION

# [addresses.peripherals]: a clock-control register, a GPIO output register, a UART data
# register (README, "Adding a board").
PERIPHERAL_KINDS = ("clock", "gpio", "uart")
PERIPHERAL_SYMBOL_PREFIX = "__board_peripheral_"

# The smallest flash window PMSAv7 gets, whatever the flash's size (firmware/src/mpu.h).
MPU_FLASH_WINDOW_MIN_BYTES = 0x200000

ACCESS_MODES = ("rx", "rw", "rwx")


@dataclass(frozen=True)
class Cpu:
    core: str
    fpu: str
    float_abi: str
    clock_hz: int

    @property
    def has_fpu(self) -> bool:
        return self.fpu != "none"

    def gcc_flags(self) -> list[str]:
        """Target flags for arm-none-eabi-gcc."""
        return target_flags(self.core, self.fpu, self.float_abi)


@dataclass(frozen=True)
class MemoryRegion:
    name: str
    origin: int
    length: int
    access: str

    @property
    def end(self) -> int:
        return self.origin + self.length


@dataclass(frozen=True)
class Addresses:
    """Addresses the catalogue and the diagnostics fault on ([addresses], README.md "Adding a
    board"): where nothing answers a load, a store or an instruction fetch in QEMU."""
    unmapped: int | None    # privileged loads and stores fault here; None: QEMU reports no
                            # bus error on this machine
    past_flash: int         # past the end of flash, where module code may read and execute
                            # by the MPU, so the bus (not the MPU) answers
    past_flash_faults: bool  # a load or fetch at past_flash faults; false: it reads 0 in QEMU
    # [addresses.peripherals]: a register of each kind the hostile catalogue pokes at
    # (PERIPHERAL_KINDS), reaching the firmware as the absolute symbol __board_peripheral_<kind>
    peripherals: tuple[tuple[str, int], ...] = ()

    def linker_symbols(self) -> dict[str, int]:
        """Symbols the firmware is linked with, so tests find the board's addresses in its ELF."""
        return {f"{PERIPHERAL_SYMBOL_PREFIX}{kind}": address for kind, address in self.peripherals}

    def defines(self) -> dict[str, int]:
        """The C macros modules and the firmware are built with (README, "Adding a module")."""
        found = {"BOARD_PAST_FLASH_ADDRESS": self.past_flash}
        if self.unmapped is not None:
            found["BOARD_UNMAPPED_ADDRESS"] = self.unmapped
        return found


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    mcu: str
    cpu: Cpu
    memory: tuple[MemoryRegion, ...]
    firmware_ram: str
    stack_bytes: int
    job_stack_bytes: int
    module_arena_bytes: int
    qemu_machine: str
    qemu_differences: str
    path: Path
    linker_script: Path
    addresses: Addresses

    @property
    def capabilities(self) -> dict[str, object]:
        """The facts a module's expectation may be keyed by (module.toml `[[when]]`; README,
        "Adding a module", lists each and its values)."""
        core = CORE_FACTS[self.cpu.core]
        return {"core": self.cpu.core, "architecture": core.architecture, "mpu": core.mpu,
                "fpu": self.cpu.fpu, "fpu_precision": FPU_PRECISION[self.cpu.fpu],
                "module_arena_bytes": self.module_arena_bytes,
                "faults_on_unmapped": self.addresses.unmapped is not None,
                "faults_past_flash": self.addresses.past_flash_faults,
                "mpu_guards_past_flash": self.mpu_guards_past_flash}

    @property
    def mpu_flash_window(self) -> tuple[int, int]:
        """(base, bytes) of the PMSAv7 region over flash (firmware/src/mpu.h): the flash
        rounded out to one power-of-two region, aligned to its size, of at least
        MPU_FLASH_WINDOW_MIN_BYTES. The firmware is built with it (defines)."""
        flash = self.region("flash")
        size = max(MPU_FLASH_WINDOW_MIN_BYTES, 1 << (flash.length - 1).bit_length())
        while (flash.origin & ~(size - 1)) + size < flash.end:
            size <<= 1   # flash straddles a boundary of this size: the next size up holds it
        return flash.origin & ~(size - 1), size

    @property
    def mpu_guards_past_flash(self) -> bool:
        """Whether the MPU's window over flash ends where flash does, so module code reaching
        past flash meets the MPU (MemManage) before the bus: under PMSAv7 where flash fills
        its window, under PMSAv8 always (the region is the flash); without an MPU, never."""
        kind = CORE_FACTS[self.cpu.core].mpu
        if kind != "pmsav7":
            return kind != "none"
        base, size = self.mpu_flash_window
        return base + size == self.region("flash").end

    def defines(self) -> dict[str, int]:
        """The C macros modules and the firmware are built with (README, "Adding a module"):
        where the board's flash starts and its size, and its [addresses]."""
        flash = self.region("flash")
        window_base, window_bytes = self.mpu_flash_window
        return {"BOARD_FLASH_ORIGIN": flash.origin, "BOARD_FLASH_BYTES": flash.length,
                "BOARD_MPU_FLASH_WINDOW_BASE": window_base,
                "BOARD_MPU_FLASH_WINDOW_BYTES": window_bytes, **self.addresses.defines()}

    def region(self, name: str) -> MemoryRegion:
        for region in self.memory:
            if region.name == name:
                return region
        raise KeyError(name)


class _Table:
    """Reads one TOML table, remembering which keys were used so unknown ones are errors."""

    def __init__(self, path: Path, data: Any, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix
        if not isinstance(data, dict):
            raise BoardError(f"{path}: key '{prefix.rstrip('.') or '<top>'}': expected a table")
        self.data = data
        self.used: set[str] = set()

    def fail(self, key: str, problem: str) -> BoardError:
        return BoardError(f"{self.path}: key '{self.prefix}{key}': {problem}")

    def get(self, key: str, kind: type, choices: tuple[str, ...] | None = None) -> Any:
        self.used.add(key)
        if key not in self.data:
            raise self.fail(key, "missing")
        value = self.data[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(key, f"expected an integer, got {value!r}")
        if kind is not int and not isinstance(value, kind):
            raise self.fail(key, f"expected {kind.__name__}, got {value!r}")
        if choices is not None and value not in choices:
            raise self.fail(key, f"expected one of {', '.join(choices)}; got {value!r}")
        return value

    def table(self, key: str) -> "_Table":
        self.used.add(key)
        if key not in self.data:
            raise self.fail(key, "missing table")
        return _Table(self.path, self.data[key], f"{self.prefix}{key}.")

    def check_unknown(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], "unknown key")


def _positive(table: _Table, key: str) -> int:
    value = table.get(key, int)
    if value <= 0:
        raise table.fail(key, f"must be positive, got {value}")
    return value


def _load_cpu(table: _Table) -> Cpu:
    cpu = Cpu(
        core=table.get("core", str, CORES),
        fpu=table.get("fpu", str, FPUS),
        float_abi=table.get("float_abi", str, FLOAT_ABIS),
        clock_hz=_positive(table, "clock_hz"),
    )
    table.check_unknown()
    if cpu.clock_hz < MIN_CLOCK_HZ:
        raise table.fail("clock_hz", f"{cpu.clock_hz} Hz is below {MIN_CLOCK_HZ:,} Hz: QEMU "
                         f"runs an instruction every {NS_PER_INSTRUCTION} ns, and a SysTick tick "
                         "longer than that cannot time instructions exactly")
    if cpu.float_abi != "soft" and not cpu.has_fpu:
        raise table.fail("float_abi", f"'{cpu.float_abi}' needs an FPU, but fpu = 'none'")
    allowed = CORE_FACTS[cpu.core].fpus
    if cpu.fpu not in allowed:
        raise table.fail("fpu", f"a {cpu.core} is built with {' or '.join(allowed)}, "
                                f"not {cpu.fpu!r}")
    return cpu


def _load_memory(path: Path, entries: Any) -> tuple[MemoryRegion, ...]:
    if not isinstance(entries, list) or not entries:
        raise BoardError(f"{path}: key 'memory': expected one or more [[memory]] tables")
    regions = []
    for index, entry in enumerate(entries):
        table = _Table(path, entry, f"memory[{index}].")
        region = MemoryRegion(
            name=table.get("name", str),
            origin=table.get("origin", int),
            length=_positive(table, "length"),
            access=table.get("access", str, ACCESS_MODES),
        )
        table.check_unknown()
        if region.origin < 0 or region.end > 1 << 32:
            raise table.fail("origin", "region lies outside the 32-bit address space")
        regions.append(region)
    names = [r.name for r in regions]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise BoardError(f"{path}: key 'memory': region '{duplicate}' is defined twice")
    return tuple(regions)


# Sample: "  RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 0x20000"
_LD_REGION = re.compile(
    r"^\s*(?P<name>\w+)\s*\([rwx]+\)\s*:\s*ORIGIN\s*=\s*(?P<origin>0x[0-9A-Fa-f]+|\d+)\s*,"
    r"\s*LENGTH\s*=\s*(?P<length>0x[0-9A-Fa-f]+|\d+)",
    re.MULTILINE,
)


def _origin_length(origin: int, length: int) -> str:
    return f"ORIGIN = {origin:#010x}, LENGTH = {length:#x}"


def _check_linker_script(path: Path, script: Path, flash: MemoryRegion, ram: MemoryRegion) -> None:
    """The board's .ld must describe the same FLASH and RAM as its .toml."""
    if not script.is_file():
        raise BoardError(f"{path}: key 'linker_script': no such file {script}")
    text = script.read_text()
    found = {m["name"]: (int(m["origin"], 0), int(m["length"], 0)) for m in _LD_REGION.finditer(text)}
    for ld_name, region in (("FLASH", flash), ("RAM", ram)):
        wanted = (region.origin, region.length)
        if found.get(ld_name) != wanted:
            have = "missing" if ld_name not in found else _origin_length(*found[ld_name])
            raise BoardError(f"{script}: MEMORY region {ld_name} is {have}, but {path.name} "
                             f"says memory '{region.name}' is {_origin_length(*wanted)}")
    if "INCLUDE sections.ld" not in text:
        raise BoardError(f"{script}: must 'INCLUDE sections.ld' (the shared SECTIONS)")


def _load_firmware_layout(path: Path, table: _Table, memory: tuple[MemoryRegion, ...]):
    ram_name = table.get("ram", str)
    stack = _positive(table, "stack_bytes")
    job_stack = _positive(table, "job_stack_bytes")
    if job_stack < 256 or job_stack & (job_stack - 1):
        raise table.fail("job_stack_bytes", f"must be a power of two of at least 256 (an MPU "
                         f"region), got {job_stack}")
    arena = _positive(table, "module_arena_bytes")
    if arena < 256 or arena & (arena - 1):
        raise table.fail("module_arena_bytes", f"must be a power of two of at least 256 (one MPU "
                         f"region of 8 subregions), got {arena}")
    table.check_unknown()
    ram = next((r for r in memory if r.name == ram_name), None)
    if ram is None:
        raise table.fail("ram", f"no [[memory]] region named '{ram_name}'")
    if ram.access != "rwx":
        raise table.fail("ram", f"region '{ram_name}' must be rwx: modules execute from it")
    if stack + job_stack + arena >= ram.length:
        raise table.fail("module_arena_bytes", f"stacks + arena ({stack + job_stack + arena} "
                         f"bytes) do not fit in '{ram_name}' ({ram.length} bytes)")
    return ram_name, stack, job_stack, arena


ADDRESS_KEYS = ("unmapped", "past_flash")


def _load_addresses(path: Path, data: Any, memory: tuple[MemoryRegion, ...]) -> Addresses:
    """[addresses]: optional, as is each key; past_flash defaults to the end of flash,
    past_flash_faults to true. Each address must be outside every [[memory]] region."""
    table = _Table(path, data if data is not None else {}, "addresses.")
    found = {key: table.get(key, int) for key in ADDRESS_KEYS if key in table.data}
    faults = table.get("past_flash_faults", bool) if "past_flash_faults" in table.data else True
    peripherals = _load_peripherals(table.table("peripherals")) \
        if "peripherals" in table.data else ()
    table.used.update(ADDRESS_KEYS)
    table.check_unknown()
    flash = next(r for r in memory if r.name == "flash")
    addresses = Addresses(unmapped=found.get("unmapped"),
                          past_flash=found.get("past_flash", flash.end), past_flash_faults=faults,
                          peripherals=peripherals)
    for key in ADDRESS_KEYS:
        address = getattr(addresses, key)
        if address is not None:
            _check_nothing_behind(table, key, address, memory, given=key in found)
    return addresses


def _load_peripherals(table: _Table) -> tuple[tuple[str, int], ...]:
    found = []
    for kind in PERIPHERAL_KINDS:
        if kind in table.data:
            address = table.get(kind, int)
            if not 0 <= address < 1 << 32:
                raise table.fail(kind, f"{address:#x} lies outside the 32-bit address space")
            found.append((kind, address))
    table.check_unknown()
    return tuple(found)


def _check_nothing_behind(table: _Table, key: str, address: int,
                          memory: tuple[MemoryRegion, ...], given: bool) -> None:
    default = "" if given else " (the default: the end of flash; set it to an address past " \
                               "flash with nothing behind it)"
    if not 0 <= address < 1 << 32:
        raise table.fail(key, f"{address:#x} lies outside the 32-bit address space{default}")
    inside = next((r for r in memory if r.origin <= address < r.end), None)
    if inside is not None:
        raise table.fail(key, f"{address:#010x} is inside memory '{inside.name}' "
                         f"({_origin_length(inside.origin, inside.length)}){default}; it must "
                         "be an address with nothing behind it")


def load_board(path: Path) -> Board:
    """Load and validate one board file."""
    try:
        data = tomllib.loads(read_toml_text(path))
    except tomllib.TOMLDecodeError as error:
        raise BoardError(f"{path}: not valid TOML: {error}") from error
    top = _Table(path, data)
    name = top.get("name", str)
    if name != path.stem:
        raise top.fail("name", f"must match the file name '{path.stem}', got {name!r}")
    description = top.get("description", str)
    mcu = top.get("mcu", str)
    # Absolute: the firmware is linked in its build folder, not where the board file was named.
    script = path.parent.absolute() / top.get("linker_script", str)
    cpu = _load_cpu(top.table("cpu"))
    top.used.add("memory")
    memory = _load_memory(path, data.get("memory"))
    ram_name, stack, job_stack, arena = _load_firmware_layout(path, top.table("firmware"), memory)
    qemu = top.table("qemu")
    machine, differences = qemu.get("machine", str), qemu.get("differences", str)
    qemu.check_unknown()
    top.used.add("addresses")
    top.check_unknown()
    flash = next((r for r in memory if r.name == "flash"), None)
    if flash is None:
        raise BoardError(f"{path}: key 'memory': no region named 'flash'")
    addresses = _load_addresses(path, data.get("addresses"), memory)
    board = Board(name, description, mcu, cpu, memory, ram_name, stack, job_stack, arena, machine,
                  differences, path, script, addresses)
    _check_linker_script(path, script, flash, board.region(ram_name))
    return board


def board_paths(directory: Path = BOARDS_DIR) -> list[Path]:
    return sorted(directory.glob("*.toml"))


def board_names(directory: Path = BOARDS_DIR) -> set[str]:
    """The boards the directory offers, by file name, without reading the files: what a
    module's [expect.<board>] may name. A broken board file stops only the runs that use it."""
    return {path.stem for path in board_paths(directory)}


def expectation_board_names(directory: Path = BOARDS_DIR) -> set[str]:
    """The boards a module's (or a diagnostic's) [expect.<board>] may name: those of the
    folder the run uses and the project's own boards/. A catalogue written for the project's
    boards stays usable with a boards folder of one's own; its tables for boards that folder
    lacks just apply nowhere, and a name that is no board at all is still refused."""
    return board_names(directory) | board_names(BOARDS_DIR)


def load_boards(names: list[str] | None = None, directory: Path = BOARDS_DIR) -> list[Board]:
    """Load the named boards (default: every board in the directory), in name order."""
    available = {p.stem: p for p in board_paths(directory)}
    if not available:
        raise BoardError(f"{directory}: no board files (*.toml)")
    wanted = names or sorted(available)
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise BoardError(f"unknown board {unknown[0]!r}: boards in {directory} are "
                         f"{', '.join(sorted(available))}")
    return [load_board(available[n]) for n in dict.fromkeys(wanted)]
