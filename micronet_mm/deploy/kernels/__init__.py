"""micronet_mm's compiled inference kernels: an OpenVINO extension.

The extension (``shift_max.cpp``) adds the operation ``ShiftMax`` of the
ONNX domain ``micronet_mm``: Dynamic Shift-Max in one pass over the feature
map. ``tools/setup_env.sh`` builds it once per machine with
``python -m micronet_mm.deploy.kernels build`` and caches the library
outside the work tree (like the mmcv wheel), keyed by the sources, the
OpenVINO version and the CPU, so a changed kernel or a new machine gets a
fresh build.

OpenVINO, not onnxruntime, hosts the kernel because its wheel ships the C++
headers and CMake config that an extension needs; the onnxruntime wheel
ships none.
"""
import hashlib
import os
import os.path as osp
import platform
import shutil
import subprocess
import sys
import tempfile
from typing import Optional

DOMAIN = 'micronet_mm'
SOURCE_DIR = osp.dirname(osp.abspath(__file__))
SOURCES = ('CMakeLists.txt', 'shift_max.cpp')
LIBRARY_NAME = 'libmicronet_mm_ov.so'
SETUP_HINT = ('run `bash tools/setup_env.sh` (or `make setup`) in the '
              'micronet_mm repository to build them')


class KernelsNotBuiltError(RuntimeError):
    """The compiled kernels a model file needs are not available."""


def cache_root() -> str:
    """``$MICRONET_MM_CACHE``, else ``$XDG_CACHE_HOME/micronet_mm``, else
    ``~/.cache/micronet_mm`` (the same place as the mmcv wheel)."""
    root = os.environ.get('MICRONET_MM_CACHE')
    if root:
        return root
    base = os.environ.get('XDG_CACHE_HOME') or osp.join(
        osp.expanduser('~'), '.cache')
    return osp.join(base, 'micronet_mm')


def _cpu_signature() -> str:
    """Model name and instruction-set flags: the library is built with
    ``-march=native``, so another CPU needs its own build."""
    try:
        with open('/proc/cpuinfo') as f:
            lines = f.read().splitlines()
    except OSError:
        return platform.processor()
    keep = [line for line in lines
            if line.startswith(('model name', 'flags'))][:2]
    return '\n'.join(keep)


def build_key(openvino_version: Optional[str] = None) -> str:
    """Hash of the sources, the OpenVINO version, Python's platform and the
    CPU: the name of the cache folder of one build."""
    if openvino_version is None:
        import openvino
        openvino_version = openvino.__version__
    digest = hashlib.sha256()
    for name in SOURCES:
        with open(osp.join(SOURCE_DIR, name), 'rb') as f:
            digest.update(f.read())
    for part in (openvino_version, platform.machine(), _cpu_signature()):
        digest.update(part.encode())
    return digest.hexdigest()[:16]


def library_path() -> str:
    """Where the library of the current sources / OpenVINO / CPU lives
    (whether or not it has been built)."""
    return osp.join(cache_root(), 'kernels', build_key(), LIBRARY_NAME)


def find_library() -> str:
    """Path of the built library.

    Raises:
        KernelsNotBuiltError: OpenVINO is missing or the library for this
            OpenVINO version and CPU has not been built; the message names
            the set-up step.
    """
    try:
        import openvino  # noqa: F401
    except ImportError as err:
        raise KernelsNotBuiltError(
            'this model uses micronet_mm kernels, which run in OpenVINO, '
            f'but openvino is not installed; {SETUP_HINT}') from err
    path = library_path()
    if not osp.isfile(path):
        raise KernelsNotBuiltError(
            f'this model uses micronet_mm kernels ({DOMAIN}::ShiftMax) but '
            f'they are not built for this OpenVINO version and CPU (no '
            f'{path}); {SETUP_HINT}, or export with --portable for stock '
            'operators only')
    return path


def build(verbose: bool = False) -> str:
    """Build the extension into the cache unless it is there already.

    The library is compiled in a temporary folder and copied in under a
    temporary name then renamed, so an interrupted build never looks like
    a cached one.

    Args:
        verbose (bool): Show CMake's output. Defaults to False.

    Returns:
        str: Path of the library.
    """
    import openvino
    path = library_path()
    if osp.isfile(path):
        return path
    cmake_dir = osp.join(osp.dirname(openvino.__file__), 'cmake')
    # the environment's own cmake (pip's) when it has one, else the system's
    local = osp.join(osp.dirname(sys.executable), 'cmake')
    cmake = local if osp.isfile(local) else shutil.which('cmake')
    if cmake is None:
        raise RuntimeError('building micronet_mm kernels needs cmake; '
                           f'{SETUP_HINT}')
    with tempfile.TemporaryDirectory(prefix='micronet_mm_kernels.') as work:
        output = None if verbose else subprocess.DEVNULL
        for cmd in ([cmake, '-S', SOURCE_DIR, '-B', work,
                     f'-DOpenVINO_DIR={cmake_dir}',
                     '-DCMAKE_BUILD_TYPE=Release'],
                    [cmake, '--build', work, '-j', str(os.cpu_count() or 1)
                     ]):
            result = subprocess.run(cmd, stdout=output, stderr=subprocess.PIPE,
                                    text=True)
            if result.returncode:
                raise RuntimeError(f'building micronet_mm kernels failed at '
                                   f'`{" ".join(cmd)}`:\n{result.stderr}')
        os.makedirs(osp.dirname(path), exist_ok=True)
        partial = path + '.partial'
        shutil.copyfile(osp.join(work, LIBRARY_NAME), partial)
        os.replace(partial, path)
    return path
