"""``keras.datasets.reuters``: not loaded by skdeep (Keras ships it as pickles)."""
from ._common import refuse_pickled


def load_data(*args, **kwargs):
    """Raises NotImplementedError: reuters is stored as Python pickles, which skdeep never loads."""
    refuse_pickled("reuters", "Tokenize your own texts with skdeep.nn.preprocessing.text.Tokenizer.")
