import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# A mal-rule that raises is an exercise's bug: in tests it fails loudly (see solver.grading.diagnose);
# an environment variable, so graders forked or run as a subprocess see it too.
os.environ["TDSOLVER_STRICT"] = "1"
