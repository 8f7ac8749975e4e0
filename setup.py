"""Install micronet_mm: ``pip install -e .`` or ``mim install -e .``."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version():
    namespace = {}
    with open(osp.join(HERE, 'micronet_mm', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(name):
    path = osp.join(HERE, 'requirements', name)
    with open(path) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


setup(
    name='micronet_mm',
    version=read_version(),
    description='MicroNet for OpenMMLab: classification, segmentation and '
    'keypoint detection at extremely low FLOPs',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(
        exclude=('configs', 'tools', 'tests', 'benchmarks')),
    include_package_data=True,
    # sources of the compiled kernels, built by tools/setup_env.sh
    package_data={'micronet_mm.deploy.kernels': ['*.cpp', 'CMakeLists.txt']},
    python_requires='>=3.8',
    license='Apache License 2.0',
    install_requires=read_requirements('runtime.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
    zip_safe=False,
)
