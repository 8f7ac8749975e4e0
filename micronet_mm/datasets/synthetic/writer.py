"""What both synthetic-data generators share: markers, versions, overwrite
rules and atomic JSON.

A generated set is a directory holding the generator's outputs and two
marker files described by a :class:`SetFormat`:

* the **summary** (generation settings, statistics and the generator
  version), written last and atomically: its presence means the set is
  finished;
* the **progress marker**, written before anything else and removed after
  the summary: its presence means a run is going on or was interrupted.

:meth:`SetFormat.dataset_state` names what a directory holds, with the same
five words for every set:

``'missing'``    absent or empty
``'incomplete'`` left by an interrupted run (the progress marker is there)
``'current'``    finished, by this generator version
``'outdated'``   finished, by an older generator version (other images)
``'foreign'``    other, non-empty content

Overwrite rules (:meth:`SetFormat.begin`): ``'missing'`` and ``'incomplete'``
directories are (re)generated; the others only with ``overwrite=True``.
Only the generator's own outputs are ever removed; other files stay.
"""
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple, Union

from mmengine.logging import print_log

from ...utils.fileio import atomic_write_text

PathLike = Union[str, os.PathLike]
STATES = ('missing', 'incomplete', 'current', 'outdated', 'foreign')


@dataclass(frozen=True)
class SetFormat:
    """Files and version of one synthetic set.

    Args:
        name (str): Human-readable name used in messages.
        summary_file (str): Completion marker (the summary), relative to
            the root.
        progress_file (str): Progress marker, relative to the root.
        version (int): Generator version; bumped whenever the same
            arguments would give other files.
        version_key (tuple[str, ...]): Where the version sits in the
            summary (nested keys).
        outputs (tuple[str, ...]): Files and directories the generator
            writes (relative to the root), removed before regenerating.
        summary_indent (int, optional): ``json.dump`` indent of the summary
            (each set keeps the format it always had, so sets stay
            byte-identical).
        cli (str): The command that writes the set, for messages.
    """
    name: str
    summary_file: str
    progress_file: str
    version: int
    version_key: Tuple[str, ...]
    outputs: Tuple[str, ...]
    summary_indent: Optional[int]
    cli: str

    def read_summary(self, root: PathLike) -> Optional[dict]:
        """The summary of a finished set, or None.

        Args:
            root (str | PathLike): Dataset root.

        Returns:
            dict | None: The summary the generator wrote last, or None when
            ``root`` holds no finished set (no summary, an unreadable one, or a
            run in progress).
        """
        root = Path(root)
        if (root / self.progress_file).exists():
            return None
        try:
            with open(root / self.summary_file) as f:
                summary = json.load(f)
        except (OSError, ValueError):
            return None
        return summary if isinstance(summary, dict) else None


    def summary_version(self, summary: dict):
        """The generator version recorded in ``summary`` (None if absent)."""
        value = summary
        for key in self.version_key:
            value = value.get(key) if isinstance(value, dict) else None
        return value


    def dataset_state(self, root: PathLike) -> str:
        """What ``root`` holds: one of :data:`STATES` (see the module
        docstring).

        Raises:
            NotADirectoryError: If ``root`` exists and is not a directory.
        """
        root = Path(root)
        if not root.exists():
            return 'missing'
        if not root.is_dir():
            raise NotADirectoryError(
                f'dataset root {root} exists and is not a directory')
        if (root / self.progress_file).exists():
            return 'incomplete'
        summary = self.read_summary(root)
        if summary is not None:
            current = self.summary_version(summary) == self.version
            return 'current' if current else 'outdated'
        return 'foreign' if any(root.iterdir()) else 'missing'


    def require_summary(self, root: PathLike) -> dict:
        """:func:`read_summary`, raising when there is no finished set.

        Raises:
            FileNotFoundError: If ``root`` holds no finished set.
        """
        summary = self.read_summary(root)
        if summary is None:
            raise FileNotFoundError(
                f'{root} holds no complete {self.name} dataset '
                f'({self.summary_file} missing or unreadable, or '
                f'{self.progress_file} present); write one with {self.cli}')
        return summary


    def begin(self, root: PathLike, overwrite: bool, settings: dict) -> Path:
        """Make ``root`` ready for a run and mark it as in progress.

        Args:
            root (str | PathLike): Dataset root (created if absent).
            overwrite (bool): Replace a finished set or write next to other
                files.
            settings (dict): Saved in the progress marker, for the record.

        Returns:
            Path: The absolute root.

        Raises:
            FileExistsError: If ``root`` is ``'current'``, ``'outdated'`` or
                ``'foreign'`` and ``overwrite`` is False.
            NotADirectoryError: If ``root`` is a file.
        """
        root = Path(os.path.abspath(root))
        state = self.dataset_state(root)
        if state in ('current', 'outdated', 'foreign') and not overwrite:
            what = dict(
                current=f'a finished {self.name} dataset',
                outdated=f'a {self.name} dataset of an older generator',
                foreign='other files')[state]
            shown = ', '.join(sorted(p.name for p in root.iterdir())[:5])
            raise FileExistsError(
                f'dataset root {root} is not empty: it holds {what} '
                f'({shown}); pass overwrite=True (--force on the command '
                'line) to replace the generated files in it (other files are '
                'kept)')
        if state == 'incomplete' and not overwrite:
            print_log(f'{root}: replacing the remains of an interrupted run',
                      logger='current')
        # the progress marker goes first, so an interruption from here on
        # reads as "incomplete" rather than as a usable set
        root.mkdir(parents=True, exist_ok=True)
        write_json_atomic(root / self.progress_file, settings)
        if state != 'missing':
            _remove_outputs(self, root)
        return root

    def finish(self, root: Path, summary: dict):
        """Write the summary (atomically, last), then drop the progress
        marker: only a finished run has the summary without the marker."""
        write_json_atomic(root / self.summary_file, summary,
                          self.summary_indent)
        (root / self.progress_file).unlink()


def write_json_atomic(path: PathLike, obj, indent: Optional[int] = None):
    """Write ``obj`` as JSON to ``path`` with the project's atomic write
    (readers see the old file or the complete new one; the umask holds).

    Args:
        path (str | PathLike): Destination.
        obj: JSON-serialisable object.
        indent (int, optional): ``json.dump`` indent; None writes compact
            JSON (``','`` and ``':'`` separators).
    """
    separators = None if indent is not None else (',', ':')
    atomic_write_text(str(path),
                      json.dumps(obj, indent=indent, separators=separators))


def _remove_outputs(fmt: SetFormat, root: Path):
    """Delete what the generator writes (never other files)."""
    for rel in (fmt.summary_file, ) + fmt.outputs:
        path = root / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        # drop parents the generator created that are now empty
        for parent in Path(rel).parents:
            if parent != Path('.') and (root / parent).is_dir() and \
                    not any((root / parent).iterdir()):
                (root / parent).rmdir()
