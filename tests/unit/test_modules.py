"""module.toml: the catalogue loads, and every mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import MODULES_DIR
from sim.boards import board_names, load_boards
from sim.errors import SetupError
from sim.modules import (SOURCE_SUFFIXES, WHEN_KEYS, DependencyError, ModuleProblem,
                         benchmark_modules, check_dependency_cycles, discover,
                         discover_modules, load_module, load_order)

# The boards the hand-written module.toml files below may name: made up, so they hold whatever
# boards/ has.
BOARDS = {"m4f_board", "m3_board"}


def test_catalogue_loads_with_one_feature_per_module() -> None:
    modules = discover_modules([MODULES_DIR], board_names())
    assert len(modules) >= 12
    for module in modules:
        assert module.description, module.name
        assert module.sources and all(p.suffix in SOURCE_SUFFIXES for p in module.sources)


M3 = {"core": "cortex-m3", "architecture": "ARMv7-M", "mpu": "pmsav7", "fpu": "none",
      "fpu_precision": "none", "module_arena_bytes": 4096, "faults_on_unmapped": True,
      "faults_past_flash": True, "mpu_guards_past_flash": False}
M4F = {"core": "cortex-m4", "architecture": "ARMv7E-M", "mpu": "pmsav7", "fpu": "fpv4-sp-d16",
       "fpu_precision": "single", "module_arena_bytes": 65536, "faults_on_unmapped": True,
       "faults_past_flash": True, "mpu_guards_past_flash": False}


def test_every_capability_a_board_has_can_key_a_when_table() -> None:
    """Board.capabilities and WHEN_KEYS name the same facts (module_arena_bytes as a bound)."""
    keys = {key.removesuffix("_below") for key in WHEN_KEYS}
    assert all(set(board.capabilities) == keys for board in load_boards())
    assert set(M3) == set(M4F) == keys


def test_architecture_mpu_and_faults_on_unmapped_key_expectations(tmp_path: Path) -> None:
    folder = _module(tmp_path, "[expect]\nreturn = 1\n"
                     "[[when]]\narchitecture = \"ARMv7-M\"\nexpect = { return = 2 }\n"
                     "[[when]]\nmpu = \"pmsav8\"\nexpect = { return = 3 }\n"
                     "[[when]]\nfaults_on_unmapped = false\nexpect = { return = 4 }\n")
    module = load_module(folder, BOARDS)
    assert module.expectation("x", M4F).return_value == 1
    assert module.expectation("x", M3).return_value == 2
    assert module.expectation("x", {**M4F, "mpu": "pmsav8"}).return_value == 3
    assert module.expectation("x", {**M3, "faults_on_unmapped": False}).return_value == 4


def test_capability_expectation_merges_and_drops_what_no_longer_applies() -> None:
    """hard_float_m4f is refused wherever there is no FPU ([[when]] fpu_precision = "none"):
    rejected, so no return value; on a board with one it returns its value."""
    module = load_module(MODULES_DIR / "hard_float_m4f", board_names())
    assert not module.expect_boards, "it names no board: the reason is a capability"
    refused = module.expectation("any_board", M3)
    assert (refused.status, refused.error, refused.return_value) == ("rejected", "bad_arch", None)
    runs = module.expectation("any_board", M4F)
    assert (runs.status, runs.return_value is not None) == ("ok", True)


def test_when_tables_apply_in_order_and_a_board_table_wins(tmp_path: Path) -> None:
    folder = _module(tmp_path, "[expect]\nreturn = 1\n"
                     "[[when]]\nfpu = \"none\"\nexpect = { return = 2 }\n"
                     "[[when]]\nmodule_arena_bytes_below = 8192\nexpect = { return = 3 }\n"
                     "[expect.m4f_board]\nreturn = 4\n")
    module = load_module(folder, BOARDS)
    assert module.expectation("x", M4F).return_value == 1
    assert module.expectation("x", M3).return_value == 3          # both match: the later wins
    assert module.expectation("x", {**M3, "module_arena_bytes": 8192}).return_value == 2
    assert module.expectation("m4f_board", M3).return_value == 4  # the board's own table last


def test_a_when_table_keyed_by_mpu_kind(tmp_path: Path) -> None:
    """mpu is the core's MPU kind (sim/cores.py): none on the Cortex-M0."""
    folder = _module(tmp_path, '[expect]\nstatus = "fault"\nfault = "MemManage.IACCVIOL"\n'
                     '[[when]]\nmpu = "none"\nexpect = { status = "ok" }\n')
    module = load_module(folder, BOARDS)
    assert module.expectation("x", M3).status == "fault"
    assert module.expectation("x", {**M3, "mpu": "none"}).status == "ok"


@pytest.mark.parametrize("when, problem", [
    ('[[when]]\nmpu = "pmsav6"\nexpect = { return = 2 }\n', "expected one of none, pmsav7"),
    ('[[when]]\nexpect = { return = 2 }\n', "names no capability"),
    ('[[when]]\nfpu = "fpv9"\nexpect = { return = 2 }\n', "expected one of none, fpv4"),
    ('[[when]]\ncolour = "red"\n', "unknown key"),
    ('[[when]]\nmodule_arena_bytes_below = -1\n', "expected a whole number of bytes"),
    ('[[when]]\nfaults_on_unmapped = 1\n', "expected true or false"),
    ('[[when]]\narchitecture = "ARMv9-M"\n', "expected one of ARMv6-M, ARMv7-M"),
    ('[[when]]\nmpu = "pmsav6"\n', "expected one of none, pmsav7, pmsav8"),
    ('[[when]]\nfpu = "none"\nexpect = { status = "rejected", return = 2 }\n',
     "cannot show"),
])
def test_bad_when_tables_are_refused_naming_the_key(tmp_path: Path, when: str,
                                                    problem: str) -> None:
    folder = _module(tmp_path, when)
    with pytest.raises(SetupError, match="key 'when") as caught:
        load_module(folder, BOARDS)
    assert problem in str(caught.value)


# [expect] names every key; each board but one overrides the status, and keeps of [expect]
# only what its status can show (README.md, "Adding a module").
EVERY_KEY = '[expect]\nreturn = 7\nstdout = "hi\\n"\nerror = "unresolved"\nfault = "UsageFault.NOCP"\n'
KEPT = {"ok": {"return": 7, "stdout": "hi\n"}, "rejected": {"error": "unresolved"},
        "fault": {"fault": "UsageFault.NOCP", "stdout": "hi\n"}, "timeout": {"stdout": "hi\n"},
        "lockup": {}, "reset": {}}


@pytest.mark.parametrize("status", sorted(KEPT))
def test_a_board_overriding_the_status_keeps_only_what_applies(tmp_path: Path,
                                                               status: str) -> None:
    boards = {"plain", "faulting", "refusing", "probe_board"}
    toml = EVERY_KEY + ('[expect.faulting]\nstatus = "fault"\n'
                        '[expect.refusing]\nstatus = "rejected"\n'
                        f'[expect.probe_board]\nstatus = "{status}"\n')
    module = load_module(_module(tmp_path, toml), boards)
    assert module.expectation("probe_board").as_dict() == {"status": status, **KEPT[status]}
    assert module.expectation("plain").as_dict() == {"status": "ok", **KEPT["ok"]}
    assert module.expectation("refusing").as_dict() == {"status": "rejected", **KEPT["rejected"]}


@pytest.mark.parametrize("toml, key, status", [
    ('[expect.m3_board]\nstatus = "rejected"\nerror = "bad_arch"\nstdout = "x"\n',
     "expect.m3_board.stdout", "rejected"),
    ('[expect]\nstatus = "timeout"\n[expect.m4f_board]\nreturn = 3\n',
     "expect.m4f_board.return", "timeout"),
    ('[expect]\nstatus = "rejected"\nerror = "bad_arch"\nreturn = 3\n', "expect.return",
     "rejected"),
])
def test_a_key_no_run_can_show_is_refused(tmp_path: Path, toml: str, key: str,
                                          status: str) -> None:
    folder = _module(tmp_path, toml)
    with pytest.raises(SetupError) as caught:
        load_module(folder, BOARDS)
    assert str(caught.value).startswith(f"{folder / 'module.toml'}: key '{key}': never checked: "
                                        f"a run with status '{status}' cannot show"), caught.value


def test_defaults(tmp_path: Path) -> None:
    folder = _module(tmp_path, 'description = "d"\n')
    module = load_module(folder, BOARDS)
    assert (module.entry, module.args, module.depends, module.abi) == ("module_main", (), (), None)
    assert module.exports == ()
    assert module.expectation("m4f_board").as_dict() == {"status": "ok"}


def test_unsigned_return_is_the_same_bits_as_int32(tmp_path: Path) -> None:
    folder = _module(tmp_path, "[expect]\nreturn = 0xDEADBEEF\n")
    assert load_module(folder, BOARDS).expectation("x").return_value == 0xDEADBEEF - (1 << 32)


@pytest.mark.parametrize("budget", [1, 50_000_000, 4_294_967_295])
def test_budget_range_is_inclusive(tmp_path: Path, budget: int) -> None:
    folder = _module(tmp_path, f"budget = {budget}\n")
    assert load_module(folder, BOARDS).budget == budget


def test_an_application_starts_at_reset_handler_unless_named(tmp_path: Path) -> None:
    """kind = "application": the entry (the gc root the packer keeps, as CMSIS names it) is
    Reset_Handler by default; a module's stays module_main."""
    assert load_module(_module(tmp_path, ""), BOARDS).kind == "module"
    application = load_module(_module(tmp_path, 'kind = "application"\n'), BOARDS)
    assert (application.kind, application.entry) == ("application", "Reset_Handler")
    named = load_module(_module(tmp_path, 'kind = "application"\nentry = "start"\n'), BOARDS)
    assert named.entry == "start"


def _module(tmp_path: Path, toml: str) -> Path:
    folder = tmp_path / "probe"
    folder.mkdir(exist_ok=True)
    (folder / "module.c").write_text("int module_main(void) { return 0; }\n")
    (folder / "module.toml").write_text(toml)
    return folder


@pytest.mark.parametrize("toml, key, problem", [
    ('colour = "red"\n', "colour", "unknown key"),
    ("args = [1, 2, 3, 4, 5]\n", "args", "up to 4 integers"),
    ('args = ["one"]\n', "args", "32-bit integer"),
    ("args = [4294967296]\n", "args", "32-bit integer"),
    ("entry = 5\n", "entry", "expected a string"),
    ('abi = "posix"\n', "abi", "expected one of tems"),
    ("budget = 0\n", "budget", "from 1 to 4,294,967,295, got 0"),
    ("budget = 4294967296\n", "budget", "a whole number of instructions from 1 to 4,294,967,295"),
    ("budget = -5\n", "budget", "instructions from 1 to 4,294,967,295, got -5"),
    ("budget = 1.5\n", "budget", "instructions from 1 to 4,294,967,295, got 1.5"),
    ('budget = "lots"\n', "budget", "instructions from 1 to 4,294,967,295, got 'lots'"),
    ("budget = true\n", "budget", "instructions from 1 to 4,294,967,295, got True"),
    ('depends = "libfoo"\n', "depends", "list of strings"),
    ('[build]\ncpu = "cortex-a9"\n', "build.cpu", "expected one of"),
    ('[build]\ncflags = "-O2"\n', "build.cflags", "list of strings"),
    ('[build]\noptimise = true\n', "build.optimise", "unknown key"),
    ('[expect]\nstatus = "crashed"\n', "expect.status", "expected one of ok, rejected, fault, "
                                                     "timeout, lockup, reset"),
    ('[expect]\nreturn = "eleven"\n', "expect.return", "32-bit integer"),
    ('[expect]\noutput = "x"\n', "expect.output", "unknown key"),
    ('[expect.stm32f4discovery]\nstatus = "ok"\n', "expect.stm32f4discovery", "no board named"),
    ('[expect.m4f_board]\nfault = 3\n', "expect.m4f_board.fault", "expected a string"),
    ('[expect]\nstatus = "rejected"\nerror = "bad_magik"\n', "expect.error",
     "expected one of bad_magic, bad_version, "),
    ('[expect]\nstatus = "fault"\nfault = "UsageFault.NOPE"\n', "expect.fault",
     "expected one of ABI.CALLEE_SAVED, ABI.STACK, ABI.SVC, BusFault.IBUSERR"),
    ('[expect.m3_board]\nfault = "MemManage.PRECISERR"\n', "expect.m3_board.fault",
     "got 'MemManage.PRECISERR'"),
    ('entry = "two words"\n', "entry", "expected a C function name, got 'two words'"),
    ('exports = "frame"\n', "exports", "expected a list of strings"),
    ('exports = ["frame", "not-a-name"]\n', "exports", "expected symbol names, got 'not-a-name'"),
    ('kind = "bootloader"\n', "kind", "expected one of module, application"),
    ('kind = "application"\nargs = [1]\n', "args", 'not for kind = "application"'),
    ('kind = "application"\ndepends = ["lib"]\n', "depends", 'not for kind = "application"'),
    ('kind = "application"\nabi = "tems"\n', "abi", 'not for kind = "application"'),
    ('[expect]\nstatus = "rejected"\nerror = "app_bad_stack"\n', "expect.error",
     "app_no_vtor, app_too_small, app_misaligned, app_bad_sp, app_bad_reset"),
])
def test_bad_key_is_named(tmp_path: Path, toml: str, key: str, problem: str) -> None:
    folder = _module(tmp_path, toml)
    with pytest.raises(SetupError) as caught:
        load_module(folder, BOARDS)
    message = str(caught.value)
    assert message.startswith(f"{folder / 'module.toml'}: key '{key}'"), message
    assert problem in message


def test_invalid_toml_and_missing_sources_are_named(tmp_path: Path) -> None:
    folder = _module(tmp_path, "description = \n")
    with pytest.raises(SetupError, match="module.toml: not valid TOML"):
        load_module(folder, BOARDS)
    (folder / "module.toml").write_text("")
    (folder / "module.c").unlink()
    (folder / "notes.txt").write_text("not a source\n")
    with pytest.raises(SetupError, match=r"probe: no C, C\+\+ or assembly sources \(files "
                                         r"ending in \.c, \.S, \.cpp, \.cc, \.cxx\)"):
        load_module(folder, BOARDS)


@pytest.mark.parametrize("suffix", [".cpp", ".cc", ".cxx"])
def test_cpp_sources_alone_or_beside_c_are_sources(tmp_path: Path, suffix: str) -> None:
    folder = _module(tmp_path, "")
    (folder / "module.c").unlink()
    (folder / f"shapes{suffix}").write_text("extern \"C\" int module_main(void) { return 1; }\n")
    assert [p.name for p in load_module(folder, BOARDS).sources] == [f"shapes{suffix}"]
    (folder / "helper.c").write_text("int helper(void) { return 2; }\n")
    assert [p.name for p in load_module(folder, BOARDS).sources] == ["helper.c", f"shapes{suffix}"]


def test_same_name_in_two_folders_is_refused(tmp_path: Path) -> None:
    for parent in ("a", "b"):
        (tmp_path / parent).mkdir()
        _module(tmp_path / parent, "")
    with pytest.raises(SetupError, match="module 'probe' is in both"):
        discover_modules([tmp_path / "a", tmp_path / "b"], BOARDS)


def test_a_module_toml_that_cannot_be_used_is_a_problem_of_its_own(tmp_path: Path) -> None:
    """discover keeps it (named after its folder) for an error run; the others load;
    discover_modules, for callers that need every module, refuses it."""
    broken = _module(tmp_path, "description = \n")
    good = tmp_path / "good"
    good.mkdir()
    (good / "good.c").write_text("int module_main(void) { return 0; }\n")
    (good / "module.toml").write_text("")
    found = discover([tmp_path], BOARDS)
    assert [type(entry).__name__ for entry in found] == ["Module", "ModuleProblem"]
    problem = found[1]
    assert isinstance(problem, ModuleProblem) and (problem.name, problem.path) == ("probe", broken)
    assert problem.message.startswith(f"{broken / 'module.toml'}: not valid TOML")
    with pytest.raises(SetupError, match="not valid TOML"):
        discover_modules([tmp_path], BOARDS)
    (good / "module.toml").write_text('depends = ["probe"]\n')
    with pytest.raises(DependencyError, match="the dependency 'probe' cannot be used: .*not valid"):
        load_order(discover([tmp_path], BOARDS)[0], found)


def test_what_no_run_can_report_stays_a_setup_error(tmp_path: Path) -> None:
    """A broken module.toml does not hide a duplicate name or a diagnostic's name."""
    for parent in ("a", "b"):
        (tmp_path / parent).mkdir()
        _module(tmp_path / parent, "description = \n" if parent == "a" else "")
    with pytest.raises(SetupError, match="module 'probe' is in both"):
        discover([tmp_path / "a", tmp_path / "b"], BOARDS)
    (tmp_path / "a" / "probe").rename(tmp_path / "a" / "diag:probe")
    with pytest.raises(SetupError, match="would pass for one of the firmware's diagnostics"):
        discover([tmp_path / "a"], BOARDS)


def _with_depends(tmp_path: Path, graph: dict[str, list[str]]) -> list:
    for name, depends in graph.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "module.c").write_text("int module_main(void) { return 0; }\n")
        (folder / "module.toml").write_text(f"depends = {depends!r}\n".replace("'", '"'))
    return discover_modules([tmp_path], BOARDS)


def test_load_order_is_transitive_and_dependencies_first(tmp_path: Path) -> None:
    modules = _with_depends(tmp_path, {"app": ["framing", "checksum"], "framing": ["checksum"],
                                       "checksum": []})
    app = next(m for m in modules if m.name == "app")
    assert [m.name for m in load_order(app, modules)] == ["checksum", "framing"]


def test_missing_dependency_names_the_module(tmp_path: Path) -> None:
    modules = _with_depends(tmp_path, {"app": ["libnothere"]})
    with pytest.raises(DependencyError, match=r"app/module.toml: key 'depends': no module "
                                              r"'libnothere' in "):
        load_order(modules[0], modules)


def test_cycle_is_refused_naming_it(tmp_path: Path) -> None:
    modules = _with_depends(tmp_path, {"a": ["b"], "b": ["c"], "c": ["a"]})
    with pytest.raises(SetupError, match=r"key 'depends': dependency cycle a -> b -> c -> a"):
        check_dependency_cycles(modules)


def test_at_most_four_dependencies(tmp_path: Path) -> None:
    modules = _with_depends(tmp_path, {"app": ["l1", "l2", "l3", "l4", "l5"], "l1": [], "l2": [],
                                       "l3": [], "l4": [], "l5": []})
    app = next(m for m in modules if m.name == "app")
    with pytest.raises(DependencyError, match="5 modules to load first; the firmware takes at "
                                              "most 4"):
        load_order(app, modules)


@pytest.mark.parametrize("table, key, problem", [
    ('[benchmark]\nphase = "boot"\n', "benchmark.phase", "expected one of"),
    ("[benchmark]\n", "benchmark.phase", "missing"),
    ('[benchmark]\nphase = "link"\nper = "fixups"\n', "benchmark.per", "needs against"),
    ('[benchmark]\nphase = "link"\ntitle = "x"\n', "benchmark.per", "missing"),
    ('[benchmark]\nphase = "link"\nper = "bytes"\nagainst = "a"\ntitle = "t"\n',
     "benchmark.per", "expected one of"),
    ('[benchmark]\nphase = "run"\ncolour = "red"\n', "benchmark.colour", "unknown"),
])
def test_a_bad_benchmark_table_is_named(tmp_path: Path, table: str, key: str,
                                        problem: str) -> None:
    folder = _module(tmp_path, table + "[expect]\nreturn = 0\n")
    with pytest.raises(SetupError) as caught:
        load_module(folder, BOARDS)
    assert f"'{key}'" in str(caught.value) and problem in str(caught.value), str(caught.value)


def test_the_catalogue_declares_its_benchmarks() -> None:
    """The trend chart and the on-target figures follow module.toml [benchmark]; each cost
    per unit is measured against a run the catalogue or the diagnostics has."""
    modules = discover_modules([MODULES_DIR], board_names())
    declared = benchmark_modules(modules)
    assert declared, "no module declares a [benchmark]"
    names = {m.name for m in modules}
    for module in declared:
        assert module.benchmark is not None
        against = module.benchmark.against
        assert against is None or against in names or against.startswith("diag:"), module.name
