"""The packer against real arm-none-eabi-gcc output: the file it writes, and what it refuses."""

from __future__ import annotations

import dataclasses
import struct
import zlib
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from sim.boards import Board, board_names
from sim.elfinfo import ElfInfo
from sim.errors import BuildError
from sim.exports import load_api
from sim.modbuild import CXX_FLAGS, ModuleImage, _digest, build_module, compile_command
from sim.modules import Module, load_module, load_order
from sim.cores import CORE_TABLE
from sim.faults import undefined_on_v6m
from sim.module_format import MAGIC
from sim.pack import VENEER_THUMB1, VENEER_THUMB2, PackError, veneer_form
from sim.toolchain import GCC, GXX

BOARDS = board_names()


def _header(data: bytes) -> dict[str, int]:
    """The header's fields by FORMAT.md's names, read from its offsets in FORMAT.md's table
    (not through sim/module_format.py, whose layout this checks)."""
    layout = {"magic": (0, "I"), "version": (4, "H"), "header_size": (6, "H"), "core": (8, "B"),
              "fpu": (9, "B"), "float_abi": (10, "B"), "api_major": (12, "H"),
              "api_minor": (14, "H"), "text": (16, "I"), "data": (20, "I"), "bss": (24, "I"),
              "entry": (28, "I"), "init_offset": (32, "I"), "init_count": (36, "H"),
              "fixups": (38, "H"), "imports": (40, "H"), "exports": (42, "H"),
              "strings": (44, "I"), "crc": (48, "I")}
    return {name: struct.unpack_from("<" + code, data, at)[0]
            for name, (at, code) in layout.items()}


@pytest.fixture
def m3(cortex_m3_board: Board) -> Board:
    """The packer's cases are built for a Cortex-M3 (the header stamps core 3, no FPU)."""
    return cortex_m3_board


def _build(board: Board, module: Module, build_dir: Path) -> ModuleImage:
    return build_module(board, module, build_dir)


def test_header_crc_and_sizes(m3: Board, catalogue: dict[str, Module], build_dir: Path) -> None:
    image = _build(m3, catalogue["data_and_bss"], build_dir)
    data = image.file.read_bytes()
    header = _header(data)
    assert (header["magic"], header["version"], header["header_size"]) == (MAGIC, 1, 56)
    assert (header["core"], header["fpu"], header["float_abi"]) == (3, 0, 0)
    api = load_api()  # exports.txt's version, stamped by the packer
    assert (header["api_major"], header["api_minor"]) == (api.major, api.minor)
    assert len(data) == (56 + header["text"] + header["data"] + 4 * header["fixups"] +
                         12 * (header["imports"] + header["exports"]) + header["strings"])
    zeroed = data[:48] + b"\0\0\0\0" + data[52:]
    assert zlib.crc32(zeroed) == header["crc"]
    assert header["data"] > 0 and header["bss"] > 0


def test_entry_is_found_by_name_not_at_offset_0(m3: Board, catalogue: dict[str, Module],
                                                build_dir: Path) -> None:
    image = _build(m3, catalogue["entry_not_first"], build_dir)
    entry = _header(image.file.read_bytes())["entry"]
    assert entry & 1 and entry & ~1 != 0
    assert ElfInfo(image.elf).symbol(entry & ~1) == "addition"
    assert ElfInfo(image.elf).symbol(0) == "helper"


def test_pointers_in_data_and_rodata_get_fixups(m3: Board, catalogue: dict[str, Module],
                                                build_dir: Path) -> None:
    image = _build(m3, catalogue["function_pointer_tables"], build_dir)
    packed = image.packed
    in_data = [o for o in packed.fixups if o >= packed.text_size]
    assert in_data, "the table in .data needs fix-ups"
    body = image.file.read_bytes()[56:]
    for offset in packed.fixups:
        (word,) = struct.unpack_from("<I", body, offset)
        assert word < packed.text_size + packed.data_size + packed.bss_size, hex(offset)


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_imports_get_veneers(board: str, boards: dict[str, Board], catalogue: dict[str, Module],
                             build_dir: Path) -> None:
    """Every import's slot follows the veneer of the form its core runs (FORMAT.md, "Imports"),
    and starts zero: the loader fills it."""
    target = boards[board]
    image = _build(target, catalogue["heap_malloc"], build_dir)
    names = [name for name, _ in image.packed.imports]
    assert names == sorted(names) and {"malloc", "free", "realloc", "calloc"} <= set(names)
    form = veneer_form(target.cpu.core)
    body = image.file.read_bytes()[56:]
    for _, slot in image.packed.imports:
        assert body[slot - len(form.code):slot] == form.code and body[slot:slot + 4] == b"\0" * 4
        assert slot % 4 == 0  # the loader refuses a slot that is not word aligned


def _halfwords(code: bytes) -> list[int]:
    return [int.from_bytes(code[i:i + 2], "little") for i in range(0, len(code), 2)]


def test_the_thumb1_veneer_is_thumb1_and_reaches_its_slot() -> None:
    """ARMv6-M executes no 32-bit encoding but BL, MSR, MRS and the barriers: the veneer must be
    16-bit instructions ARMv6-M defines, and its pc-relative load must read the slot after it."""
    code = VENEER_THUMB1.code
    assert all(h >> 11 not in (0b11101, 0b11110, 0b11111) for h in _halfwords(code))
    assert not any(undefined_on_v6m(code[i:i + 2]) for i in range(0, len(code), 2))
    load_at = VENEER_THUMB1.assembly.index("ldr r0, [pc, #4]") * 2
    assert (load_at + 4) // 4 * 4 + 4 == len(code)  # Align(pc, 4) + 4 is the slot
    assert len(code) % 4 == 0  # so a word-aligned veneer has a word-aligned slot


def test_each_core_gets_the_veneer_it_can_run() -> None:
    for core in CORE_TABLE:
        wanted = VENEER_THUMB1 if core.architecture == "ARMv6-M" else VENEER_THUMB2
        assert veneer_form(core.name) == wanted, core.name


def test_libgcc_is_linked_in_not_imported(m3: Board, catalogue: dict[str, Module],
                                          build_dir: Path) -> None:
    image = _build(m3, catalogue["compiler_runtime"], build_dir)
    assert image.packed.imports == ()
    assert any(f.name.startswith("__aeabi_") for f in ElfInfo(image.elf).functions)


def test_hard_float_module_carries_its_arch(m3: Board, catalogue: dict[str, Module],
                                            build_dir: Path) -> None:
    header = _header(_build(m3, catalogue["hard_float_m4f"], build_dir).file.read_bytes())
    assert (header["core"], header["fpu"], header["float_abi"]) == (4, 1, 2)


def _probe(tmp_path: Path, source: str, toml: str = "", name: str = "probe") -> Module:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "module.c").write_text(source)
    (folder / "module.toml").write_text(toml)
    return load_module(folder, BOARDS)


def test_pic_code_is_refused_naming_type_section_and_symbol(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "int counter;\nint module_main(void) { return ++counter; }\n",
                    '[build]\ncflags = ["-fPIC"]\n')
    with pytest.raises(PackError) as caught:
        _build(m3, module, tmp_path / "build")
    message = str(caught.value)
    assert "R_ARM_GOT_BREL in section .text" in message and "'counter'" in message


def test_absolute_movw_movt_is_refused(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "int counter;\nint module_main(void) { return ++counter; }\n",
                    '[build]\ncflags = ["-mslow-flash-data"]\n')
    with pytest.raises(PackError, match=r"R_ARM_THM_MOVW_ABS_NC in section .text .*'counter'"):
        _build(m3, module, tmp_path / "build")


def test_sections_outside_the_image_are_refused(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, '__attribute__((section(".ramfunc"))) int fast(void) { return 1; }\n'
                              "int module_main(void) { return fast(); }\n",
                    'exports = ["fast"]\n')  # exported, so the link keeps it
    with pytest.raises(PackError, match=r"section \.ramfunc .* is not supported"):
        _build(m3, module, tmp_path / "build")


def test_missing_entry_lists_the_globals(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "int start(void) { return 1; }\n", 'entry = "main_entry"\n')
    with pytest.raises(PackError, match=r"entry 'main_entry' is not a global function of the "
                                        r"module \(its globals: start\)"):
        _build(m3, module, tmp_path / "build")


def test_compile_errors_carry_the_compiler_output(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "int module_main(void) { return undeclared; }\n")
    with pytest.raises(BuildError, match=r"(?s)compiling probe/module.c failed.*'undeclared' undeclared"):
        _build(m3, module, tmp_path / "build")


def test_tems_module_may_not_import(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "#include <string.h>\n"
                              "int _start(void *info, int action) { return (int)strlen(info) + action; }\n",
                    'abi = "tems"\n')
    with pytest.raises(PackError, match=r'abi = "tems": the module imports strlen; a TEMS module '
                                        r"finds firmware functions by name"):
        _build(m3, module, tmp_path / "build")


def test_tems_entry_is_start(m3: Board, catalogue: dict[str, Module], build_dir: Path) -> None:
    image = _build(m3, catalogue["tems_protocol"], build_dir)
    assert ElfInfo(image.elf).symbol(image.packed.entry & ~1) == "_start"


def test_pc_relative_reference_across_segments_is_refused(m3: Board, tmp_path: Path) -> None:
    """The loader puts data on its own MPU segment, so text cannot reach it PC-relatively."""
    folder = tmp_path / "cross"
    folder.mkdir()
    (folder / "cross.S").write_text(
        ".syntax unified\n.thumb\n.data\ncounter: .word 7\n.text\n.global module_main\n"
        ".type module_main, %function\n.thumb_func\nmodule_main:\n movs r0, #0\n bx lr\n"
        ".balign 4\n.word counter - .\n")
    (folder / "module.toml").write_text("")
    module = load_module(folder, BOARDS)
    with pytest.raises(PackError, match=r"R_ARM_REL32 in section .text at 0x\w+ reaches symbol "
                                        r"'.*' in the other segment"):
        _build(m3, module, tmp_path / "build")


def test_a_cache_hit_gives_the_packed_module_a_fresh_build_gives(
        m3: Board, catalogue: dict[str, Module], tmp_path: Path) -> None:
    module = catalogue["heap_malloc"]
    fresh = build_module(m3, module, tmp_path)
    assert (tmp_path / "modules" / m3.name / module.name / "packed.json").is_file()
    cached = build_module(m3, module, tmp_path)
    assert cached.packed == fresh.packed


def _cpp_probe(tmp_path: Path, files: dict[str, str], toml: str = "") -> Module:
    folder = tmp_path / "cpp_probe"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "module.toml").write_text(toml)
    return load_module(folder, BOARDS)


def test_cpp_sources_use_gxx_with_its_flags_and_the_modules_cflags_last(
        m3: Board, tmp_path: Path) -> None:
    module = _cpp_probe(tmp_path, {"a.cc": "", "b.c": ""}, '[build]\ncflags = ["-frtti"]\n')
    cxx = compile_command(m3, module, module.path / "a.cc", tmp_path / "a.o")
    c = compile_command(m3, module, module.path / "b.c", tmp_path / "b.o")
    assert cxx[0] == GXX and c[0] == GCC
    assert set(CXX_FLAGS) <= set(cxx) and not set(CXX_FLAGS) & set(c)
    assert cxx.index("-frtti") > cxx.index("-fno-rtti")  # the module's cflags win


def test_a_data_import_is_refused_naming_it_and_where(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "extern int firmware_counter;\n"
                              "int module_main(void) { return firmware_counter; }\n")
    with pytest.raises(PackError) as caught:
        _build(m3, module, tmp_path / "build")
    message = str(caught.value)
    assert "imports used as data" in message
    assert "'firmware_counter': R_ARM_ABS32 in .text.module_main of module.c" in message


def test_a_firmware_function_whose_address_is_taken_is_imported(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "#include <stdio.h>\nint (*volatile say)(const char *) = puts;\n"
                              "int module_main(void) { return say(\"hi\"); }\n")
    image = _build(m3, module, tmp_path / "build")
    assert [name for name, _ in image.packed.imports] == ["puts"]


def test_cpp_globals_import_atexit_and_define_dso_handle_in_the_module(
        m3: Board, tmp_path: Path) -> None:
    """g++ passes &__dso_handle to __aeabi_atexit: a data symbol, defined by the packer in the
    module's bss (hidden: not an export), never an import behind a call veneer. The weakly
    referenced __cxa_pure_virtual of an abstract class's vtable is imported all the same."""
    module = _cpp_probe(tmp_path, {"globals.cpp": (
        "struct Base { virtual int f() = 0; virtual ~Base() {} };\n"
        "struct Held : Base { int v; Held() : v(3) {} int f() override { return v; } };\n"
        "Held held;\n"
        'extern "C" int module_main(void) { Base *b = &held; return b->f(); }\n')},
        '[build]\ncflags = ["-O0"]\n')  # keeps Base's constructor, which stores its vtable
    image = _build(m3, module, tmp_path / "build")
    imports = {name for name, _ in image.packed.imports}
    assert {"__aeabi_atexit", "__cxa_pure_virtual"} <= imports
    assert "__dso_handle" not in imports | {name for name, _ in image.packed.exports}
    with open(image.elf, "rb") as handle:
        elf = ELFFile(handle)
        [dso] = elf.get_section_by_name(".symtab").get_symbol_by_name("__dso_handle")
        assert elf.get_section(dso["st_shndx"]).name == ".bss"
        assert dso["st_other"]["visibility"] == "STV_HIDDEN"


# Alignment (FORMAT.md, "Alignment"): data and bss move together at run time, so each must start
# at a multiple of its own alignment at link time too, whatever the text's size.
EIGHT_BYTE_STATE = ("static long long total;\n"   # 8-byte aligned .bss
                    "int counter = 1;\n"          # 4-byte .data, so .bss must be padded after it
                    "int module_main(int a) { total += a; return (int)total + counter++; }\n")


@pytest.mark.parametrize("padding", range(4))
def test_eight_byte_bss_after_text_of_any_size(m3: Board, tmp_path: Path, padding: int) -> None:
    """Text of 4 mod 8 bytes used to put .bss 4 bytes past data's end, and the pack failed."""
    extra = "".join(f"int extra{i}(int a) {{ return a * {i + 3}; }}\n" for i in range(padding))
    exported = ", ".join(f'"extra{i}"' for i in range(padding))
    module = _probe(tmp_path, EIGHT_BYTE_STATE + extra, f"exports = [{exported}]\n")
    packed = _build(m3, module, tmp_path / "build").packed
    symbol = _symbol_value(tmp_path / "build", m3, "total")
    assert packed.text_size % 8 == 0 and (symbol - packed.text_size) % 8 == 0
    assert symbol == packed.text_size + packed.data_size  # bss right after data


def _symbol_value(build_dir: Path, board: Board, name: str) -> int:
    [elf] = (build_dir / "modules" / board.name).glob("*/module.elf")
    with open(elf, "rb") as handle:
        [symbol] = ELFFile(handle).get_section_by_name(".symtab").get_symbol_by_name(name)
        return symbol["st_value"]


def test_alignment_above_the_loaders_is_refused_naming_the_rule(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "__attribute__((aligned(16))) int table[4] = {1, 2, 3, 4};\n"
                              "int module_main(int a) { return table[a & 3]; }\n")
    with pytest.raises(PackError, match=r"section \.data needs 16-byte alignment; the loader "
                                        r"places text and data on 8-byte boundaries"):
        _build(m3, module, tmp_path / "build")


# Exports (README, "Adding a module"): the entry, module.toml's exports, MODULE_EXPORT.
DEAD_CODE = ("#include <string.h>\n#include <module_export.h>\n"
             "int kept(int a) { return a + 1; }\n"
             "int marked(int a) { return a * 2; }\nMODULE_EXPORT(marked);\n"
             "int unused(const char *s) { return strstr(s, \"xy\") != 0; }\n"  # an import only here
             "int module_main(int a) { return kept(a); }\n")


def _export_names(image: ModuleImage) -> set[str]:
    return {name for name, _ in image.packed.exports}


def test_without_exports_only_the_entry_is_exported_and_dead_code_drops(
        m3: Board, tmp_path: Path) -> None:
    image = _build(m3, _probe(tmp_path, DEAD_CODE.replace("MODULE_EXPORT(marked);", "")),
                   tmp_path / "build")
    assert _export_names(image) == {"module_main"}
    assert image.packed.imports == ()  # strstr was called only from dropped code
    functions = {f.name for f in ElfInfo(image.elf).functions}
    assert "module_main" in functions and not {"unused", "marked", "strstr"} & functions
    assert image.packed.text_before_gc > image.packed.text_size
    assert image.sizes()["text_before_gc"] == image.packed.text_before_gc


def test_exports_key_and_marker_are_exported_and_kept(m3: Board, tmp_path: Path) -> None:
    image = _build(m3, _probe(tmp_path, DEAD_CODE, 'exports = ["unused"]\n'), tmp_path / "build")
    assert _export_names(image) == {"module_main", "marked", "unused"}
    assert [name for name, _ in image.packed.imports] == ["strstr"]
    functions = {f.name for f in ElfInfo(image.elf).functions}
    assert {"module_main", "marked", "unused", "strstr"} <= functions


def test_an_export_the_sources_lack_is_named(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, DEAD_CODE, 'exports = ["kept", "frame"]\n')
    with pytest.raises(PackError, match=r"module.toml: key 'exports': 'frame' is not a global of "
                                        r"the module's sources \(its globals: kept, marked, "):
        _build(m3, module, tmp_path / "build")


def test_a_marked_static_is_named(m3: Board, tmp_path: Path) -> None:
    module = _probe(tmp_path, "#include <module_export.h>\nstatic int hidden(void) { return 1; }\n"
                              "MODULE_EXPORT(hidden);\nint module_main(void) { return hidden(); }\n")
    with pytest.raises(PackError, match=r"MODULE_EXPORT\(hidden\): 'hidden' is not a global"):
        _build(m3, module, tmp_path / "build")


def test_resident_libraries_export_what_their_dependants_import(
        m3: Board, catalogue: dict[str, Module], build_dir: Path) -> None:
    """Every import of a catalogue module that the firmware does not export is exported by one
    of the libraries it depends on (else the target would report it unresolved)."""
    firmware = set(load_api().names_for(m3.name))
    everything = list(catalogue.values())
    for module in everything:
        libraries = load_order(module, everything)
        if not libraries:
            continue
        offered = set().union(*(_export_names(_build(m3, lib, build_dir)) for lib in libraries))
        imports = {name for name, _ in _build(m3, module, build_dir).packed.imports}
        assert imports - firmware <= offered, module.name


def test_an_address_just_before_data_gets_a_guard(m3: Board, tmp_path: Path) -> None:
    """At -O2 gcc walks a bss array with pre-increment stores from `buffer - 1`: a word below
    the text's end, which the loader would move with the text (FORMAT.md, "Fix-ups"). The link
    is redone with a gap at the start of data, so the word lies in data where it belongs."""
    module = _probe(tmp_path, "static unsigned char buffer[600];\n"
                              "int module_main(void) {\n"
                              "  for (unsigned i = 0; i < sizeof buffer; i++) buffer[i] = i * 7u;\n"
                              "  unsigned sum = 0;\n"
                              "  for (unsigned i = 0; i < sizeof buffer; i++) sum += buffer[i];\n"
                              "  return (int)sum; }\n", '[build]\ncflags = ["-O2"]\n')
    packed = _build(m3, module, tmp_path / "build").packed
    body = packed.data[56:]
    words = [struct.unpack_from("<I", body, offset)[0] for offset in packed.fixups]
    buffer = _symbol_value(tmp_path / "build", m3, "buffer")
    assert buffer - 1 in words and buffer - 1 >= packed.text_size
    assert packed.data_size == buffer - packed.text_size == 8  # the guard, all of .data
    assert body[packed.text_size:packed.text_size + packed.data_size] == bytes(8)


def test_the_boards_addresses_are_defines_and_part_of_the_build_key(
        m3: Board, tmp_path: Path) -> None:
    """A module gets the board file's [addresses] as -D (README, "Adding a module"); another
    address is another build, never a stale one from the cache."""
    module = _cpp_probe(tmp_path, {"a.c": ""})
    past = m3.addresses.past_flash
    command = compile_command(m3, module, module.path / "a.c", tmp_path / "a.o")
    assert f"-DBOARD_PAST_FLASH_ADDRESS={past:#010x}u" in command
    moved = dataclasses.replace(m3, addresses=dataclasses.replace(m3.addresses,
                                                                  past_flash=past + 0x1000))
    assert _digest(m3, module, load_api()) != _digest(moved, module, load_api())
