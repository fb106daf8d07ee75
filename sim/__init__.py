"""QEMU-backed simulation and regression suite for run-time loadable Cortex-M code modules.

Layout (one module per stage): boards -> toolchain/build -> jobs -> qemu (argv + session) ->
protocol -> faults -> runner -> results -> report, driven by cli.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BOARDS_DIR = REPO_ROOT / "boards"
FIRMWARE_DIR = REPO_ROOT / "firmware"
MODULES_DIR = REPO_ROOT / "modules"
REPORTS_DIR = REPO_ROOT / "reports"
