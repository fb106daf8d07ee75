"""Reading the project's text inputs (board files, module.toml) with a message, not a
traceback, when one is not what it must be."""

from __future__ import annotations

import codecs
from pathlib import Path

from sim.errors import SetupError


def read_toml_text(path: Path) -> str:
    """The text of a TOML file, or a SetupError naming the file and why it is not UTF-8 text."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SetupError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise SetupError(f"{path}: cannot read: {error.strerror}") from None
    if raw.startswith(codecs.BOM_UTF8):
        raise SetupError(f"{path}: starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); "
                         "TOML files have none: save it as UTF-8 without a BOM")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise SetupError(f"{path}: not UTF-8 text (byte {raw[error.start]:#04x} on line {line}); "
                         "TOML files are UTF-8") from None
