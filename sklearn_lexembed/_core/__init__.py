"""What every part of the package shares; imports nothing else from the package.

Documents in (``validation``), tokens (``text``), device and dtype (``device``), the one
``n_jobs`` rule (``threads``), the one per-process cache (``cache``), every private
scikit-learn import (``compat``), unit-normalised rows (``rows``), content fingerprints of
model folders (``fingerprint``) and the streaming PCA of ``n_components`` (``reduction``).
"""
