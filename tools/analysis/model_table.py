"""Regenerate the README's model tables (MAdds, parameters) from configs.

Usage:
    python tools/analysis/model_table.py [--check] [--readme README.md]

Every number comes from ``micronet_mm.utils.flops.complexity`` on the
config's model at its natural input size, the same count as
``tools/analysis/get_flops.py``. The table replaces the text between
``<!-- model-table:start -->`` and ``<!-- model-table:end -->``. With
``--check`` nothing is written and the exit status says whether the README
is up to date.
"""
import argparse
import glob
import os.path as osp
import sys

from micronet_mm.utils.config import (
    build_model_from_config,
    natural_input_shape,
)
from micronet_mm.utils.fileio import atomic_write_text
from micronet_mm.utils.flops import complexity
from micronet_mm.utils.tensor_mode import TensorModeWrapper

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
START, END = '<!-- model-table:start -->', '<!-- model-table:end -->'
TASKS = (('cls', 'ImageNet classification', '*_in1k.py'),
         ('seg', 'Cityscapes segmentation (MR-ASPP)', '*_cityscapes.py'),
         ('pose', 'COCO keypoints (top-down heatmaps)', '*_coco-256x192.py'))
PAPER = {
    'micronet_4m_in1k.py': '4M (official M0)',
    'micronet_m0_in1k.py': '6M',
    'micronet_m1_in1k.py': '12M',
    'micronet_m2_in1k.py': '21M',
    'micronet_m3_in1k.py': '44M',
    'micronet_m0_mraspp_cityscapes.py': '0.81B',
    'micronet_m1_mraspp_cityscapes.py': '0.81-1.75B',
    'micronet_m2_mraspp_cityscapes.py': '1.75B',
    'micronet_m3_mraspp_cityscapes.py': '2.52B',
    'micronet_m0_heatmap_coco-256x192.py': '77M',
    'micronet_m1_heatmap_coco-256x192.py': '77-163M',
    'micronet_m2_heatmap_coco-256x192.py': '163M',
    'micronet_m3_heatmap_coco-256x192.py': '< 280M',
}


def _fmt(madds):
    return f'{madds / 1e9:.3f}B' if madds >= 1e9 else f'{madds / 1e6:.2f}M'


def build_table():
    lines = []
    for folder, title, pattern in TASKS:
        configs = sorted(glob.glob(osp.join(ROOT, 'configs', folder,
                                            pattern)))
        if not configs:
            continue
        lines += [f'**{title}**', '',
                  '| config | input | MAdds (ours) | paper | params |',
                  '|---|---|---|---|---|']
        for config in configs:
            model, cfg = build_model_from_config(config)
            shape = natural_input_shape(cfg)
            result = complexity(TensorModeWrapper(model), shape)
            name = osp.basename(config)
            rel = osp.relpath(config, ROOT)
            lines.append(f'| [{name}]({rel}) | {shape[0]}x{shape[1]} | '
                         f'{_fmt(result["madds"])} | {PAPER.get(name, "-")} '
                         f'| {result["params"] / 1e6:.3f}M |')
        lines.append('')
    return '\n'.join(lines).rstrip() + '\n'


def replace_between(text, start, end, body):
    if start not in text or end not in text:
        raise ValueError(f'no {start} ... {end} markers in the file')
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f'{head}{start}\n{body}{end}{tail}'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--readme', default=osp.join(ROOT, 'README.md'),
                        help='the file whose table is checked or replaced')
    parser.add_argument('--check', action='store_true',
                        help='write nothing; exit 1 if the table is stale')
    args = parser.parse_args(argv)
    # the file and its markers first: the table takes seconds per config
    try:
        with open(args.readme) as f:
            text = f.read()
        replace_between(text, START, END, '')
    except (OSError, ValueError) as err:
        sys.exit(f'model_table: --readme {args.readme}: {err}')
    new = replace_between(text, START, END, build_table())
    if args.check:
        sys.exit(0 if new == text else 'README model table is stale: run '
                 'python tools/analysis/model_table.py')
    atomic_write_text(args.readme, new)


if __name__ == '__main__':
    main()
