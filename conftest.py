"""Doctest collection (``--doctest-modules skdeep``): modules whose examples
need an optional extra are collected only where that extra is installed."""
import importlib.util

_EXTRA_EXAMPLES = {"skdeep/nn/image_utils.py": "PIL", "skdeep/nn/plotting.py": "matplotlib",
                   "skdeep/nn/callbacks_tensorboard.py": "tensorboardX"}

collect_ignore = [path for path, module in _EXTRA_EXAMPLES.items()
                  if importlib.util.find_spec(module) is None]
