"""Atomic file writes that keep the permissions of an ordinary write.

Every file the project writes (checkpoints, the ``last_checkpoint`` pointer,
ONNX exports, converted weights, result images, generated data sets,
benchmark results) goes through :func:`atomic_write`: the content is
written to a hidden temporary file in the destination folder, flushed to
disk and renamed onto the destination, so a reader or a crash sees the old
file or the new one, never a partial file.

The temporary file is created with mode ``0o666`` filtered by the process
umask, like ``open(path, 'w')``. ``tempfile.mkstemp`` would create it with
mode 0600, which the rename keeps: checkpoints a colleague cannot read
under the usual umask 022.

Missing destination folders are created: every tool and demo that writes
files creates the folders of its outputs (see docs/en/get_started.md).
"""
import contextlib
import os
import os.path as osp
import uuid
from typing import Iterator, List

#: Suffix of the temporary files of :func:`atomic_write`.
PARTIAL_SUFFIX = '.partial'


def partial_path(path: str) -> str:
    """A new temporary name for ``path``: hidden, in the same folder,
    unique, ``.XXXXXXXX-NAME.partial`` (the name keeps its extension)."""
    folder, name = osp.split(osp.abspath(path))
    return osp.join(folder,
                    f'.{uuid.uuid4().hex[:8]}-{name}{PARTIAL_SUFFIX}')


def stale_partial_files(folder: str, ext: str = '') -> List[str]:
    """Temporary files an interrupted :func:`atomic_write` left in
    ``folder`` for destinations ending in ``ext`` (sorted paths)."""
    if not osp.isdir(folder):
        return []
    return [
        osp.join(folder, name) for name in sorted(os.listdir(folder))
        if name.startswith('.') and name.endswith(ext + PARTIAL_SUFFIX)
    ]


@contextlib.contextmanager
def atomic_write(path: str) -> Iterator[str]:
    """Yield a temporary path to write; afterwards it replaces ``path``.

    The temporary file exists (empty, mode ``0o666 & ~umask``) when the
    block starts; the block writes it by name (truncating writes keep its
    mode). When the block ends normally the file is fsynced and renamed
    onto ``path``; when it raises, the temporary file is removed and
    ``path`` is left as it was. Missing folders of ``path`` are created.

    Args:
        path (str): Destination file.

    Yields:
        str: The temporary file to write, in the folder of ``path``.

    Example:
        >>> with atomic_write('out/model.onnx') as tmp:
        ...     torch.onnx.export(module, inputs, tmp)
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = partial_path(path)
    # os.open applies the umask to 0o666 (mkstemp would force 0o600)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if osp.lexists(tmp):
            os.remove(tmp)


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` with :func:`atomic_write`.

    Args:
        path (str): Destination file.
        text (str): Its new content.
    """
    with atomic_write(path) as tmp:
        with open(tmp, 'w') as f:
            f.write(text)
