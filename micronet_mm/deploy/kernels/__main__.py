"""``python -m micronet_mm.deploy.kernels build [-v] | path``: build the
compiled kernels into the cache (tools/setup_env.sh does this) or print
where the library of this machine lives."""
import sys

from . import build, library_path

if __name__ == '__main__':
    args = sys.argv[1:]
    if args[:1] == ['build']:
        print(build(verbose='-v' in args))
    elif args[:1] == ['path']:
        print(library_path())
    else:
        sys.exit('usage: python -m micronet_mm.deploy.kernels build [-v] | '
                 'path')
