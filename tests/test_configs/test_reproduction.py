"""Recipe fields that docs/en/reproduction.md traces to the paper, and the
one place to set each dataset's root."""
import os
import os.path as osp

import pytest
import torch

from micronet_mm.engine import prepare_test_config
from micronet_mm.utils.config import build_model_from_config, load_config
from tests.helpers.tools import REPO

CONFIGS = {
    'seg': 'configs/seg/micronet_m2_mraspp_cityscapes.py',
    'cls': 'configs/cls/micronet_m0_in1k.py',
    'pose': 'configs/pose/micronet_m1_heatmap_coco-256x192.py',
}
SPLITS = ('train', 'val', 'test')


@pytest.mark.parametrize('task', sorted(CONFIGS))
def test_data_root_override_reaches_every_loader(task, tmp_path):
    config = osp.join(REPO, CONFIGS[task])
    new = str(tmp_path / 'elsewhere')
    cfg = load_config(config, [f'data_root={new}'])
    for split in SPLITS:
        root = cfg[f'{split}_dataloader'].dataset.data_root
        assert osp.normpath(root) == osp.normpath(new), (split, root)
    # the same through tools/test.py's config preparation
    ckpt = tmp_path / 'model.pth'
    ckpt.write_bytes(b'')
    test_cfg = prepare_test_config(config, str(ckpt),
                                   cfg_options=[f'data_root={new}'])
    assert osp.normpath(test_cfg.test_dataloader.dataset.data_root) == \
        osp.normpath(new)
    # no data path keeps the default root
    text = str({k: cfg[k] for k in cfg if k.endswith(('_dataloader',
                                                      '_evaluator'))})
    assert load_config(config).data_root not in text


def test_pose_data_root_moves_derived_files(tmp_path):
    new = str(tmp_path / 'coco')
    cfg = load_config(osp.join(REPO, CONFIGS['pose']), [f'data_root={new}'])
    assert cfg.val_dataloader.dataset.bbox_file == osp.join(
        new, 'person_detection_results',
        'COCO_val2017_detections_AP_H_56_person.json')
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator.ann_file == osp.join(
            new, 'annotations', 'person_keypoints_val2017.json')


def test_empty_data_root_is_refused():
    with pytest.raises(ValueError, match='data_root must be a non-empty'):
        load_config(osp.join(REPO, CONFIGS['seg']), ['data_root='])


@pytest.mark.parametrize('name,dropout', [
    ('micronet_m0_in1k.py', 0.05),
    ('micronet_m1_in1k.py', 0.05),
    ('micronet_m1_in1k_mutual.py', 0.05),
    ('micronet_m2_in1k.py', 0.1),
    ('micronet_m3_in1k.py', 0.1),
])
def test_classifier_dropout_is_the_papers(name, dropout):
    """Paper sec. 5.1: dropout 0.05 for M0/M1, 0.1 for M2/M3 (as built,
    including the mutual-learning model's MicroNet)."""
    model, _ = build_model_from_config(osp.join(REPO, 'configs/cls', name))
    rates = {m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)}
    assert rates == {dropout}


def test_documentation_links_stay_in_the_repository():
    """Every relative link of README.md and docs/ names a file of the
    repository (web links aside)."""
    import glob
    import re
    pages = [osp.join(REPO, 'README.md'), osp.join(REPO, 'CONTRIBUTING.md')]
    pages += glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True)
    bad = []
    for page in pages:
        with open(page) as f:
            # code blocks and spans are not links
            text = re.sub(r'```.*?```|`[^`]*`', '', f.read(), flags=re.S)
        for target in re.findall(r'\]\(([^)\s]+)\)', text):
            if re.match(r'[a-z]+://|mailto:|#', target):
                continue
            path = osp.normpath(osp.join(osp.dirname(page),
                                         target.split('#')[0]))
            if not (path.startswith(REPO + os.sep) and osp.exists(path)):
                bad.append(f'{osp.relpath(page, REPO)}: {target}')
    assert not bad, bad
