"""``TensorBoard``: event files that ``tensorboard --logdir`` shows, written with
tensorboardX (the ``tensorboard`` extra: ``pip install tensorboardX``)."""
import os
import types

import numpy as np

from ._callback_base import Callback

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Log losses and metrics (and weight histograms) for TensorBoard.

    As in Keras, training logs go to ``log_dir/train`` and validation logs to
    ``log_dir/validation``, under the tags ``epoch_loss``, ``epoch_accuracy``...
    (and ``batch_loss``... with a batch ``update_freq``).

    Parameters
    ----------
    log_dir : str, default 'logs'
    histogram_freq : int, default 0
        Every this many epochs, a histogram of every weight (0: never).
    write_graph : bool, default True
        Write the model's layer graph (viewable in TensorBoard's Graphs tab).
    write_images : bool, default False
        Only False: weight images are not implemented (NotImplementedError).
    update_freq : 'epoch', 'batch' or int, default 'epoch'
        Also log every batch ('batch') or every N batches (int).
    **kwargs
        Keras' other arguments (``profile_batch``, ``embeddings_freq``...) are
        accepted when left at their defaults.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skdeep.nn import Sequential
    >>> from skdeep.nn.callbacks import TensorBoard
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> logs = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0,
    ...               callbacks=[TensorBoard(log_dir=logs)])
    >>> sorted(os.listdir(logs))
    ['train']
    """

    _KERAS_DEFAULTS = types.MappingProxyType({"profile_batch": 0, "embeddings_freq": 0, "embeddings_metadata": None,
                       "write_steps_per_second": False})

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 update_freq="epoch", **kwargs):
        super().__init__()
        for key, value in kwargs.items():
            if key not in self._KERAS_DEFAULTS:
                raise TypeError(f"TensorBoard got an unexpected keyword argument {key!r}")
            if value and value != self._KERAS_DEFAULTS[key]:
                raise NotImplementedError(f"TensorBoard({key}={value!r}) is not supported by "
                                          "skdeep (profiling and embeddings are TensorFlow's)")
        if update_freq not in ("epoch", "batch") and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive int, got "
                             f"{update_freq!r}")
        if write_images:
            raise NotImplementedError("TensorBoard(write_images=True) is not supported by "
                                      "skdeep; use histogram_freq for weight distributions")
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"histogram_freq must be an int >= 0, got {histogram_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.update_freq = update_freq
        self._writers = {}
        self._step = 0

    # writers hold open files: never copied or pickled (scikit-learn clones callbacks)
    def __getstate__(self):
        state = super().__getstate__()
        state["_writers"] = {}
        return state

    def _writer(self, name):
        if name not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as err:
                raise ImportError("The TensorBoard callback needs tensorboardX: pip install "
                                  "tensorboardX") from err
            self._writers[name] = SummaryWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_begin(self, logs=None):
        self._step = 0
        self._writer("train")  # fail early (missing extra) rather than after an epoch
        if self.write_graph and self.model is not None:
            self._write_graph()

    def _write_graph(self):
        """The layer graph as a GraphDef (TensorBoard's Graphs tab): one node per
        layer, named by the layer, its op the layer class."""
        from tensorboardX.proto import event_pb2
        from tensorboardX.proto.graph_pb2 import GraphDef
        from tensorboardX.proto.node_def_pb2 import NodeDef
        from tensorboardX.proto.versions_pb2 import VersionDef

        from .plotting import _model_layers

        try:
            layers = _model_layers(self.model)
        except ValueError:  # not built yet: no graph to show
            return
        nodes = [NodeDef(name=layer.name, op=type(layer).__name__,
                         input=[t.node.layer.name for node in layer._inbound_nodes[:1]
                                for t in node.inputs])
                 for layer in layers]
        graph = GraphDef(node=nodes, versions=VersionDef(producer=22))
        self._writer("train")._get_file_writer().add_event(
            event_pb2.Event(graph_def=graph.SerializeToString()))

    def _scalars(self, writer, prefix, logs, step):
        for key, value in (logs or {}).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            writer.add_scalar(f"{prefix}_{key}", number, step)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.update_freq == "epoch":
            return
        every = 1 if self.update_freq == "batch" else self.update_freq
        if self._step % every == 0:
            self._scalars(self._writer("train"), "batch", logs, self._step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        self._scalars(self._writer("train"), "epoch", train, epoch)
        if val:
            self._scalars(self._writer("validation"), "epoch", val, epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0 \
                and self.model is not None:
            writer = self._writer("train")
            for w in self.model.weights:
                writer.add_histogram(w.path.replace(":", "_"), np.asarray(w.value), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
