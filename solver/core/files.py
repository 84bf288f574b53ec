"""Files as a user expects them: created with the user's umask, like any other program's."""

from __future__ import annotations

import os


def umask_mode(executable: bool = False) -> int:
    """The mode a new file gets under the current umask (0o644 under umask 022).

    >>> old = os.umask(0o022); mode = umask_mode(); _ = os.umask(old); oct(mode)
    '0o644'
    """
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if executable else 0o666) & ~mask


def match_umask(path: str) -> None:
    """Give a file made by `tempfile.mkstemp` (always 0600) the mode a plain `open` would have given."""
    os.chmod(path, umask_mode())
