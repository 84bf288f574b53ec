"""tdsolver engine: exercises as parametrised SymPy derivations, rendered and cross-checked.

Nothing here imports SymPy or torch at import time; the heavy imports happen inside the
functions that need them, so that listing the catalogue stays fast.
"""

__version__ = "0.1.0"
