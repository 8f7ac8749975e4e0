"""The checked model initialisation both task wrappers share."""
from typing import Callable, Optional, Tuple

from ..utils.config import (
    check_checkpoint,
    check_config_task,
    check_model_files,
    load_config,
)


def init_checked(init_model: Callable, scope: str, tool: str, config: str,
                 checkpoint: Optional[str], device: str,
                 cfg_options: Optional[dict]) -> Tuple[object, object,
                                                       Optional[dict]]:
    """``init_model`` of a task package behind the training tools' checks.

    Args:
        init_model (callable): ``mmseg.apis.init_model`` or
            ``mmpose.apis.init_model``.
        scope (str): The scope the config must have (``'mmseg'``, ...).
        tool (str): What runs the model, for the messages.
        config (str): Config path.
        checkpoint (str, optional): Checkpoint path; None keeps the
            initial weights.
        device (str): Device.
        cfg_options (dict, optional): Config overrides.

    Returns:
        tuple: ``(model, cfg, dataset_meta)``, the last from the
        checkpoint's ``meta`` (None if it has none).
    """
    check_model_files(config, checkpoint)
    cfg = load_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    check_config_task(cfg, scope, config, tool)
    model = init_model(cfg, None, device=device)
    meta = None
    if checkpoint is not None:
        # checked against the built model first: the task packages load
        # any checkpoint non-strictly
        ckpt = check_checkpoint(checkpoint, cfg, model, config)
        model.load_state_dict(ckpt['state_dict'])
        meta = (ckpt.get('meta') or {}).get('dataset_meta')
    return model, cfg, meta
