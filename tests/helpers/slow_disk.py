"""Test instrumentation: a slow disk for checkpoint files.

Imported by a training process (through the config's ``custom_imports``),
it makes MMEngine's local file backend write files named ``*.partial``
(the temporary files of ``AtomicCheckpointHook``) in two halves with a
pause in between, so that a test can reliably kill the process while a
checkpoint is being written. Nothing else changes.
"""
import os
import time

from mmengine.fileio.backends import LocalBackend

PAUSE_S = float(os.environ.get('MICRONET_SLOW_DISK_PAUSE', '0.4'))
_put = LocalBackend.put


def _slow_put(self, obj, filepath):
    if not str(filepath).endswith('.partial'):
        return _put(self, obj, filepath)
    half = len(obj) // 2
    with open(filepath, 'wb') as f:
        f.write(obj[:half])
        f.flush()
        time.sleep(PAUSE_S)
        f.write(obj[half:])


LocalBackend.put = _slow_put
