"""A teacher's Python file imported under a unique, stable module name, its errors in one line.

>>> one_line(ValueError("bad value\\nmore detail"))
'ValueError: bad value'
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from solver.core.errors import TdError, UsageError
from solver.core.text import Text


def module_name(path) -> str:
    """A module name unique to this file (its absolute path hashed), stable between runs."""
    path = os.path.abspath(path)
    digest = hashlib.sha256(path.encode("utf-8")).hexdigest()[:12]
    stem = "".join(ch if ch.isalnum() else "_" for ch in Path(path).stem)
    return f"tdsolver_course_{digest}_{stem}"


def import_file(path):
    """Import a teacher's Python file under its unique name (cached in `sys.modules`); errors named."""
    name = module_name(path)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(Text(f"{path} : pas un module Python", f"{path}: not a Python module"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except TdError:
        del sys.modules[name]
        raise
    except BaseException as exc:  # the teacher's code, whatever it raises (SystemExit included)
        del sys.modules[name]
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UsageError(Text(f"{path} : l'import échoue : {one_line(exc)}",
                              f"{path}: import fails: {one_line(exc)}")) from None
    return module


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
