"""The firmware API list and the export table generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.boards import board_names
from sim.errors import BuildError
from sim.exports import export_table_source, load_api, name_hash

# The names README.md ("Adding a module") promises every module can import.
PROMISED_NAMES = ("puts putchar printf memcpy memmove memset memcmp strlen strcmp strncmp strcpy "
                  "strchr malloc calloc realloc free qsort abs").split()
# The C++ run time README.md ("C++ modules") promises: new/delete, pure virtual calls, global
# destructors. 1.1 added them.
PROMISED_CXX_NAMES = ("_Znwj _Znaj _ZdlPv _ZdaPv _ZdlPvj _ZdaPvj __cxa_pure_virtual "
                      "__cxa_deleted_virtual __aeabi_atexit __cxa_atexit").split()


def test_fnv1a_reference_values() -> None:
    # FNV-1a 32-bit test vectors (Fowler/Noll/Vo reference: "" and "a", "foobar").
    assert name_hash("") == 0x811C9DC5
    assert name_hash("a") == 0xE40C292C
    assert name_hash("foobar") == 0xBF9CF968


def test_api_holds_the_whole_contract_list() -> None:
    api = load_api()
    assert (api.major, api.minor) == (1, 1)
    assert set(PROMISED_NAMES + PROMISED_CXX_NAMES) <= set(api.names)
    assert not api.only_on.keys() & set(PROMISED_CXX_NAMES)  # on every board


@pytest.mark.parametrize("board", sorted(board_names()))
def test_generated_table_is_sorted_by_hash(board: str) -> None:
    source = export_table_source(load_api(), board)
    hashes = [int(h, 16) for h in re.findall(r"\{0x([0-9a-f]{8})u, \"", source)]
    assert hashes == sorted(hashes)
    assert len(hashes) == len(load_api().names_for(board))
    assert ".checksum = (uint32_t)(uintptr_t)__exports_checksum" in source


@pytest.mark.parametrize("text, problem", [
    ("puts\n", "no 'api MAJOR.MINOR' line"),
    ("api 1.0\nputs\nputs\n", "expected 'api MAJOR.MINOR' or one new C name"),
    ("api 1.0\n2fast\n", "expected 'api MAJOR.MINOR' or one new C name"),
    ("api 1.0\nputs board=x\n", "expected 'api MAJOR.MINOR' or one new C name"),
])
def test_bad_api_file_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "exports.txt"
    path.write_text(text)
    with pytest.raises(BuildError, match=re.escape(problem)):
        load_api(path)


def test_board_only_names(tmp_path: Path) -> None:
    path = tmp_path / "exports.txt"
    path.write_text("api 1.2\nputs\nmemchr boards=board_a\n")  # made-up boards
    api = load_api(path)
    assert api.names_for("board_a") == ("puts", "memchr")
    assert api.names_for("board_b") == ("puts",)
