"""Synthetic datasets for smoke-training and benchmarks on a CPU.

Two generators, one vocabulary. Each of :mod:`.cityscapes` (street scenes
in the Cityscapes layout) and :mod:`.coco_keypoints` (people in the COCO
person-keypoint layout) offers:

* ``generate_synthetic_<set>(root, num_train, num_val, image_size, seed,
  ..., overwrite=False)``: write the set; the same arguments give
  byte-identical files;
* ``dataset_state(root)``: ``'missing'``, ``'incomplete'``, ``'current'``,
  ``'outdated'`` or ``'foreign'``;
* ``read_summary(root)``: the summary of a finished set, or None;
* ``recorded_arguments(summary)``: the arguments a set was written with;
* ``regenerate(root)``: rewrite a set with this generator version, keeping
  its arguments.

Their command lines (``tools/dataset_converters/generate_synthetic_*.py``)
share ``--num-train``, ``--num-val``, ``--image-size H W``, ``--seed``,
``--force`` and ``--skip-existing``. Markers, versions and overwrite rules
are in :mod:`.writer`.
"""
