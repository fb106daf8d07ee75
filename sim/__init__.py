"""QEMU-backed simulation and regression suite for run-time loadable Cortex-M code modules.

Layout (one module per stage): boards -> toolchain/build -> jobs -> qemu (argv + session) ->
protocol -> faults -> runner -> results -> report, driven by cli.

Every path the suite uses comes from here. Two layouts are supported (README.md, "Installing
the package"):
- a checkout: boards/, firmware/, modules/ and reports/ beside this package, build/ made there;
- an installed package (pip install, a wheel): boards/ and firmware/ are package data under
  sim/data/ (pyproject.toml maps them there), and what the suite reads from or writes for the
  user (modules/, reports/, build/) is relative to the current folder, never site-packages.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
# Only a wheel or `pip install .` puts the firmware sources inside the package.
INSTALLED = (PACKAGE_DIR / "data" / "firmware").is_dir()
# Where boards/ and firmware/ live: read only, the same files in either layout.
DATA_ROOT = PACKAGE_DIR / "data" if INSTALLED else REPO_ROOT
# Where the user's modules, reports and builds are: relative paths, so they follow the folder
# the command runs in, when installed.
WORK_ROOT = Path() if INSTALLED else REPO_ROOT
BOARDS_DIR = DATA_ROOT / "boards"
FIRMWARE_DIR = DATA_ROOT / "firmware"
MODULES_DIR = WORK_ROOT / "modules"
REPORTS_DIR = WORK_ROOT / "reports"
BUILD_DIR = WORK_ROOT / "build"
