"""Every private scikit-learn import of the package, in one file.

scikit-learn does not promise to keep its underscore names; when a release moves one, this is
the only file to change. The versions these imports are tested with are the ones
``constraints.txt`` and ``pyproject.toml`` declare.
"""

from sklearn.base import _fit_context as fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

__all__ = ["HasMethods", "Interval", "StrOptions", "fit_context"]
