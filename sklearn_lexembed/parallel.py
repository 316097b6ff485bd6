"""Embedding dask collections partition by partition, on a local or a distributed cluster.

``dask_ml.wrappers.ParallelPostFit`` is the usual tool for this, but the dask-ml release
current at the time of writing does not recognise the dataframe classes of current dask
(dask-expr): it silently computes the whole collection in the client process. This helper
does the one thing needed, with dask's own ``map_partitions``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["transform_partitions"]


def _transform_partition(partition, estimator, columns):
    import pandas as pd

    return pd.DataFrame(
        estimator.transform(partition.tolist()), index=partition.index, columns=columns
    )


def _transform_block(partition, estimator):
    return np.asarray(estimator.transform(list(partition)), dtype=np.float32)


def transform_partitions(estimator, documents):
    """Embed a dask collection of documents with a fitted vectorizer, one task per partition.

    The fitted estimator enters the task graph once (as one ``dask.delayed`` object), so each
    worker deserialises it once, however many partitions it embeds. Vectorizers that keep
    pretrained weights by reference (``GloveVectorizer`` on its bundled vectors by default, or
    with ``persist="reference"``, or
    ``ContextualVectorizer``, which reloads its model lazily) then load the weights at most once
    per worker process, from the worker's own disk and process cache.

    Parameters
    ----------
    estimator : fitted transformer
        Any fitted vectorizer of this package (or any transformer of str documents).
    documents : dask.dataframe.Series or dask.bag.Bag of str
        The documents.

    Returns
    -------
    embeddings : dask.dataframe.DataFrame or dask.array.Array
        For a Series, a DataFrame with the same index and partitions, one column per output
        feature (``estimator.get_feature_names_out()``); for a Bag, an array with one block per
        partition.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd
    >>> from sklearn_lexembed import GloveVectorizer
    >>> from sklearn_lexembed.parallel import transform_partitions
    >>> texts = pd.Series(["a good film", "a dull film", "great acting"])
    >>> vectorizer = GloveVectorizer().fit(texts)
    >>> frame = transform_partitions(vectorizer, dd.from_pandas(texts, npartitions=2))
    >>> frame.compute().shape
    (3, 50)
    """
    import dask

    names = [str(name) for name in estimator.get_feature_names_out()]
    shared = dask.delayed(estimator, pure=True, traverse=False)
    if hasattr(documents, "map_partitions") and hasattr(documents, "dtype"):
        import pandas as pd

        meta = pd.DataFrame({name: np.array([], dtype=np.float32) for name in names})
        return documents.map_partitions(_transform_partition, shared, names, meta=meta)
    if hasattr(documents, "to_delayed") and hasattr(documents, "npartitions"):
        import dask.array as da

        blocks = [
            da.from_delayed(
                dask.delayed(_transform_block)(part, shared),
                shape=(np.nan, len(names)),
                dtype=np.float32,
            )
            for part in documents.to_delayed()
        ]
        return da.concatenate(blocks, axis=0, allow_unknown_chunksizes=True)
    raise TypeError(
        "documents must be a dask.dataframe.Series or a dask.bag.Bag of str; got "
        f"{type(documents).__name__}."
    )
