"""The packer's first half: compile a module for a board and link it into one image at 0.

Steps for module M on board B (build/modules/B/M/):
 1. compile every source with B's target flags, overridden by M's [build] keys: C and
    assembly with gcc, C++ with g++ (README.md, "C++ modules");
 2. read the objects' symbols: what M defines, what it exports (its entry, module.toml's
    `exports`, MODULE_EXPORT markers) and what it needs from outside; what libgcc provides is
    linked in, the rest are imports from the firmware (or M's resident libraries), which must
    be functions (a data import is refused by name; __dso_handle is defined in M);
 3. write one 8-byte veneer per import (FORMAT.md), each in its own section, so calls stay in
    BL range and a veneer only dead code calls is dropped with it;
 4. link with firmware/loader/module.ld, --emit-relocs and --gc-sections from the exports and
    constructors (and once without --gc-sections, only to measure the text that drops);
 5. pack (sim/pack.py).
All five are cached by a digest of everything they read; a cache hit reads the module file
and its packed record back instead of packing again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import logging
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from sim import FIRMWARE_DIR
from sim.boards import Board
from sim import pack
from sim.build import compiler_version, file_lock
from sim.cores import target_flags
from sim.errors import BuildError
from sim.exports import Api, load_api
from sim.modules import CXX_SUFFIXES, Module
from sim.pack import (VENEER_THUMB2, Arch, MisplacedAddresses, PackedModule, PackError, VeneerForm,
                      data_uses, pack_elf, veneer_form)
from sim.toolchain import GCC, GXX

log = logging.getLogger(__name__)

MODULE_LINKER_SCRIPT = FIRMWARE_DIR / "loader" / "module.ld"
# module_export.h (MODULE_EXPORT), on every module's include path.
MODULE_INCLUDE_DIR = FIRMWARE_DIR / "loader" / "include"
MODULE_EXPORT_HEADER = MODULE_INCLUDE_DIR / "module_export.h"
# Where MODULE_EXPORT puts the names it marks (NUL-terminated; module.ld discards it).
EXPORT_MARKER_SECTION = ".module_exports"
# Symbols module.ld defines: a module may use them, and they are never imports.
LINKER_SCRIPT_SYMBOLS = frozenset({"__module_image_start", "__module_init_start",
                                   "__module_init_end"})
# Gaps module.ld leaves at the end of text and the start of data when they are defined.
GUARD_SYMBOLS = ("__module_text_guard", "__module_data_guard")
BASE_CFLAGS = ["-g", "-ffunction-sections", "-fdata-sections", "-fno-common",
               "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-Wall", "-Wextra"]
DEFAULT_OPTIMISATION = "-Os"
# C++ sources get these before the module's cflags (which may turn them back on, at their own
# risk): no exceptions and no RTTI, since the firmware has no unwinder and no type_info, and
# without them g++ needs nothing of libsupc++ but what the firmware exports; and no
# thread-safe guards for function-local statics (__cxa_guard_*): a job runs one thread.
CXX_FLAGS = ["-fno-exceptions", "-fno-rtti", "-fno-threadsafe-statics"]
# Data symbols g++ refers to that the packer defines in the module itself, as crtbegin.o does
# in a program: __dso_handle, the module's handle passed to __aeabi_atexit (only its address
# matters). Never imports: an import is a function behind a veneer.
MODULE_DEFINED_DATA = frozenset({"__dso_handle"})
# g++ refers to __cxa_pure_virtual weakly (the vtable slot of a pure function); left NULL, as an
# undefined weak otherwise is, a pure virtual call would jump to address 0 instead of trapping
# in the firmware's __cxa_pure_virtual. These are imported even when weak.
IMPORTED_EVEN_IF_WEAK = frozenset({"__cxa_pure_virtual", "__cxa_deleted_virtual"})


@dataclass(frozen=True)
class ModuleImage:
    """A built and packed module, ready to send to the target."""
    module: str
    board: str
    file: Path
    elf: Path
    packed: PackedModule

    def sizes(self) -> dict[str, int]:
        """Bytes of the file and its parts, and the counts of what the loader must process."""
        return {"file": len(self.packed.data), "text": self.packed.text_size,
                "text_before_gc": self.packed.text_before_gc,
                "data": self.packed.data_size, "bss": self.packed.bss_size,
                "fixups": len(self.packed.fixups), "imports": len(self.packed.imports)}


def module_arch(board: Board, module: Module) -> Arch:
    overrides = module.build
    return Arch(core=overrides.cpu or board.cpu.core, fpu=overrides.fpu or board.cpu.fpu,
                float_abi=overrides.float_abi or board.cpu.float_abi)


def arch_flags(arch: Arch) -> list[str]:
    return target_flags(arch.core, arch.fpu, arch.float_abi)


def board_defines(board: Board) -> list[str]:
    """-D for where flash starts and each of the board's [addresses] (README.md, "Adding a
    module"). They are part of the compile flags, so of the build's digest: a new address
    rebuilds the module."""
    return [f"-D{name}={value:#010x}u" for name, value in board.defines().items()]


def compile_flags(board: Board, module: Module, cxx: bool = False) -> list[str]:
    """Target flags, then the suite's (and C++'s for a C++ source), the board's addresses, then
    the module's own cflags (which win)."""
    prefix_map = f"-ffile-prefix-map={module.path}/="
    return [*arch_flags(module_arch(board, module)), *BASE_CFLAGS, prefix_map,
            f"-I{MODULE_INCLUDE_DIR}", *board_defines(board), DEFAULT_OPTIMISATION,
            *(CXX_FLAGS if cxx else []), *module.build.cflags]


def compile_command(board: Board, module: Module, source: Path, obj: Path) -> list[str]:
    """g++ for a C++ source (by suffix), gcc for C and assembly."""
    cxx = source.suffix in CXX_SUFFIXES
    return [GXX if cxx else GCC, *compile_flags(board, module, cxx), "-c", str(source),
            "-o", str(obj)]


def _run(command: list[str], what: str) -> None:
    # errors="replace": gcc echoes source lines, which need not be UTF-8; report them anyway.
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise BuildError(f"{what} failed:\n$ {' '.join(command)}\n{result.stderr.strip()}")


@lru_cache(maxsize=None)
def _libgcc_symbols(flags: tuple[str, ...]) -> frozenset[str]:
    """Global symbols libgcc defines for this multilib, from the archive's symbol index."""
    path = subprocess.run([GCC, *flags, "-print-libgcc-file-name"], capture_output=True,
                          text=True, check=True).stdout.strip()
    # Only the archive's first member, its symbol index, is read (not the 9.5 MB of objects):
    # the 8-byte magic, the member's 60-byte header (name "/", size in bytes 48-58), the index.
    with open(path, "rb") as archive:
        head = archive.read(68)
        if not head.startswith(b"!<arch>\n") or head[8:24].rstrip() != b"/":
            raise BuildError(f"{path}: no archive symbol index")
        data = archive.read(int(head[56:66].decode().strip()))
    count = int.from_bytes(data[:4], "big")
    names = data[4 + 4 * count:].split(b"\0")[:count]
    return frozenset(name.decode() for name in names)


def _object_symbols(objects: list[Path]) -> tuple[set[str], set[str]]:
    """(globals the objects define, globals they reference but do not define)."""
    defined: set[str] = set()
    referenced: set[str] = set()
    for obj in objects:
        with open(obj, "rb") as handle:
            table = ELFFile(handle).get_section_by_name(".symtab")
            if not isinstance(table, SymbolTableSection):
                continue
            for symbol in table.iter_symbols():
                bind = symbol["st_info"]["bind"]
                if not symbol.name or bind not in ("STB_GLOBAL", "STB_WEAK"):
                    continue
                if symbol["st_shndx"] != "SHN_UNDEF":
                    defined.add(symbol.name)
                elif bind == "STB_GLOBAL" or symbol.name in IMPORTED_EVEN_IF_WEAK:
                    referenced.add(symbol.name)  # any other undefined weak stays NULL
    return defined, referenced - defined


def veneer_source(imports: list[str], module_data: list[str] = (),
                  form: VeneerForm = VENEER_THUMB2) -> str:
    """Assembly for one veneer per import: the form's code then the slot the loader fills;
    and a hidden zeroed word for each of module_data (MODULE_DEFINED_DATA the module uses)."""
    lines = ["@ Generated by sim/modbuild.py: calls into the firmware (FORMAT.md, Imports).",
             ".syntax unified", ".thumb"]
    for name in imports:  # a section each: --gc-sections drops the veneers nothing calls
        lines += [f'.section .text.module_veneer.{name}, "ax", %progbits', ".balign 4",
                  f".global {name}", f".type {name}, %function", ".thumb_func", f"{name}:",
                  *(f"    {instruction}" for instruction in form.assembly), "    .word 0"]
    for name in module_data:  # hidden: the module's own, never one of its exports
        lines += [f'.section .bss.{name}, "aw", %nobits', ".balign 4", f".global {name}",
                  f".hidden {name}", f".type {name}, %object", f"{name}:", "    .space 4"]
    return "\n".join(lines) + "\n"


def _split_imports(objects: list[Path], needed: set[str],
                   api: Api) -> tuple[list[str], list[str]]:
    """(imports, module_data) of the names the module needs from outside. A name used only as
    data is module data if the packer defines it (MODULE_DEFINED_DATA), an import if the
    firmware exports it (a function whose address is taken), and refused otherwise."""
    data_only = data_uses(objects, needed)
    refused = sorted(set(data_only) - MODULE_DEFINED_DATA - set(api.names))
    if refused:
        uses = "\n  ".join(f"'{name}': {data_only[name]}" for name in refused)
        raise PackError("imports used as data, never called (only functions can be imported, "
                        "each through a call veneer: FORMAT.md, \"Imports\"; share state "
                        f"through functions, or define the object in the module):\n  {uses}")
    module_data = sorted(needed & MODULE_DEFINED_DATA)
    return sorted(needed - MODULE_DEFINED_DATA), module_data


def _digest(board: Board, module: Module, api: Api) -> str:
    digest = hashlib.sha256(_shared_inputs_digest(api.major, api.minor))
    digest.update("\0".join(compile_flags(board, module, cxx=True)).encode())
    for path in [*module.sources, module.path / "module.toml"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def _shared_inputs_digest(api_major: int, api_minor: int) -> bytes:
    """What every module's build reads besides its own files: read once per process, not once
    per module (they are the project's own files, which a run does not change)."""
    digest = hashlib.sha256(f"api {api_major}.{api_minor}".encode())
    digest.update(compiler_version().encode())
    for path in [MODULE_LINKER_SCRIPT, MODULE_EXPORT_HEADER, Path(__file__), Path(pack.__file__)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


@dataclass(frozen=True)
class LinkedModule:
    """What the link step hands the packer: out/module.elf and how it was made."""
    imports: list[str]          # veneers the kept code calls
    exports: list[str]          # export_names
    text_before_gc: int         # .text of the same link without --gc-sections
    inputs: list[Path]          # objects and veneers, to link again with guards
    target: list[str]           # arch_flags


def _compile_and_link(board: Board, module: Module, out: Path, api: Api) -> LinkedModule:
    objects = []
    for source in module.sources:
        obj = out / f"{source.name}.o"
        _run(compile_command(board, module, source, obj), f"compiling {module.name}/{source.name}")
        objects.append(obj)
    defined, needed = _object_symbols(objects)
    exports = export_names(module, defined, _marked_exports(objects))
    arch = module_arch(board, module)
    target = arch_flags(arch)
    imports, module_data = _split_imports(
        objects, needed - _libgcc_symbols(tuple(target)) - LINKER_SCRIPT_SYMBOLS, api)
    (out / "veneers.S").write_text(veneer_source(imports, module_data, veneer_form(arch.core)))
    _run([GCC, *target, "-c", str(out / "veneers.S"), "-o", str(out / "veneers.o")],
         f"assembling {module.name}'s veneers")
    inputs = [*objects, out / "veneers.o"]
    everything = _link(module, target, inputs, exports, out / "module_without_gc.elf", gc=False)
    linked = _link(module, target, inputs, exports, out / "module.elf", gc=True)
    kept = _defined_symbols(linked)
    return LinkedModule(imports=[name for name in imports if name in kept], exports=exports,
                        text_before_gc=_text_size(everything), inputs=inputs, target=target)


def _link(module: Module, target: list[str], inputs: list[Path], exports: list[str],
          elf: Path, gc: bool, guards: tuple[int, int] = (0, 0)) -> Path:
    """Link at 0 with module.ld; with gc, keep only what the exports and constructors reach;
    guards are the bytes of gap at the end of text and the start of data (module.ld)."""
    drop = ["-Wl,--gc-sections", f"-Wl,-Map={elf.with_suffix('.map')}"] if gc else []
    roots = [f"-Wl,--require-defined={name}" for name in exports]
    gaps = [f"-Wl,--defsym={symbol}={size}" for symbol, size in zip(GUARD_SYMBOLS, guards) if size]
    _run([GCC, *target, "-nostdlib", "-nostartfiles", f"-T{MODULE_LINKER_SCRIPT}",
          f"-Wl,--entry={entry_name(module)}", *roots, *drop, *gaps, "-Wl,--emit-relocs",
          "-Wl,--build-id=none", *map(str, inputs), "-lgcc", "-o", str(elf)],
         f"linking {module.name}")
    return elf


def _marked_exports(objects: list[Path]) -> set[str]:
    """The names MODULE_EXPORT put into the objects' .module_exports sections."""
    names: set[str] = set()
    for obj in objects:
        with open(obj, "rb") as handle:
            section = ELFFile(handle).get_section_by_name(EXPORT_MARKER_SECTION)
            if section is not None:
                names.update(n.decode(errors="replace") for n in section.data().split(b"\0") if n)
    return names


def export_names(module: Module, defined: set[str], marked: set[str]) -> list[str]:
    """What the module exports: its entry, module.toml's `exports` and what MODULE_EXPORT
    marks; each must be a global its sources define (a static is invisible to the link)."""
    globals_text = ", ".join(sorted(defined)) or "none"
    entry = entry_name(module)
    if entry not in defined:
        raise PackError(f"entry '{entry}' is not a global function of the module "
                        f"(its globals: {globals_text})")
    for name in module.exports:
        if name not in defined:
            raise PackError(f"{module.path / 'module.toml'}: key 'exports': '{name}' is not a "
                            f"global of the module's sources (its globals: {globals_text})")
    for name in sorted(marked - defined):
        raise PackError(f"MODULE_EXPORT({name}): '{name}' is not a global of the module's "
                        f"sources (its globals: {globals_text})")
    return sorted({entry, *module.exports, *marked})


def _defined_symbols(elf: Path) -> set[str]:
    """Every symbol the linked ELF still defines (one in a dropped section is gone)."""
    with open(elf, "rb") as handle:
        table = ELFFile(handle).get_section_by_name(".symtab")
        return {s.name for s in table.iter_symbols() if s.name and s["st_shndx"] != "SHN_UNDEF"}


def _text_size(elf: Path) -> int:
    with open(elf, "rb") as handle:
        return ELFFile(handle).get_section_by_name(".text")["sh_size"]


def _publish(path: Path, data: bytes) -> None:
    """Replace path with data in one step, and only if it changed: other processes (parallel
    runs, xdist workers) copy module files without taking the build lock, and must never see
    one half written."""
    if path.is_file() and path.read_bytes() == data:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


TEMS_ENTRY = "_start"


def entry_name(module: Module) -> str:
    """The function the loader calls: _start for a TEMS module, else module.toml's entry."""
    return TEMS_ENTRY if module.abi == "tems" else module.entry


def _check_abi(module: Module, imports: list[str]) -> None:
    if module.abi == "tems" and imports:
        raise PackError(f"abi = \"tems\": the module imports {', '.join(imports)}; a TEMS "
                        "module finds firmware functions by name in its ModuleInfo table")


def build_module(board: Board, module: Module, build_dir: Path,
                 api: Api | None = None) -> ModuleImage:
    """Compile, link and pack module for board under build_dir/modules/<board>/<module>/,
    stamped as built against api (default: firmware/src/exports.txt)."""
    api = api or load_api()
    out = build_dir / "modules" / board.name / module.name
    file = out / f"{module.name}.cmod"
    digest = _digest(board, module, api)
    packed = _cached(out, file, digest)
    if packed is None:
        out.mkdir(parents=True, exist_ok=True)
        with file_lock(out / ".lock"):
            packed = _cached(out, file, digest) or _build(board, module, out, file, digest, api)
    return ModuleImage(module.name, board.name, file, out / "module.elf", packed)


def _cached(out: Path, file: Path, digest: str) -> PackedModule | None:
    """The build in out if its stamp says it was made from digest, without taking the lock: a
    build replaces each file in one step and writes the stamp last (removing it first), so a
    stamp that reads the same before and after reading the files vouches for them."""
    stamp = out / "build.digest"
    try:
        if stamp.read_text() != digest:
            return None
        packed = _load_packed(out / "packed.json", file)
        return packed if stamp.read_text() == digest else None
    except (OSError, ValueError, KeyError):   # not built, half gone, or from an older suite
        return None


def _build(board: Board, module: Module, out: Path, file: Path, digest: str,
           api: Api) -> PackedModule:
    """Build, then publish the module file and its record, each in one step, and last the
    stamp that vouches for them. Call with the build lock held."""
    stamp = out / "build.digest"
    stamp.unlink(missing_ok=True)
    log.info("building module %s for %s", module.name, board.name)
    packed = _build_and_pack(board, module, out, api)
    _publish(file, packed.data)
    _publish(out / "packed.json", json.dumps(_packed_fields(packed)).encode())
    _publish(stamp, digest.encode())
    return packed


def _build_and_pack(board: Board, module: Module, out: Path, api: Api) -> PackedModule:
    linked = _compile_and_link(board, module, out, api)
    _check_abi(module, linked.imports)
    try:
        packed = _pack(board, module, out, api, linked)
    except MisplacedAddresses as error:  # link again with the gaps that fix them (module.ld)
        log.info("%s: linking again with guards (%s)", module.name, error)
        _link(module, linked.target, linked.inputs, linked.exports, out / "module.elf",
              gc=True, guards=(error.text_guard, error.data_guard))
        packed = _pack(board, module, out, api, linked)
    return dataclasses.replace(packed, text_before_gc=linked.text_before_gc)


def _pack(board: Board, module: Module, out: Path, api: Api,
          linked: LinkedModule) -> PackedModule:
    return pack_elf(out / "module.elf", entry_name(module), linked.imports, linked.exports,
                    module_arch(board, module), api)


def _packed_fields(packed: PackedModule) -> dict[str, object]:
    """Everything of a PackedModule but its bytes, which the module file holds."""
    fields = dataclasses.asdict(packed)
    del fields["data"]
    return fields


def _load_packed(record: Path, file: Path) -> PackedModule:
    fields = json.loads(record.read_text())
    return PackedModule(data=file.read_bytes(), text_size=fields["text_size"],
                        data_size=fields["data_size"], bss_size=fields["bss_size"],
                        entry=fields["entry"], fixups=tuple(fields["fixups"]),
                        imports=tuple(tuple(i) for i in fields["imports"]),
                        exports=tuple(tuple(e) for e in fields["exports"]),
                        text_before_gc=fields["text_before_gc"])
