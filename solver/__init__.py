"""tdsolver engine: exercises as parametrised SymPy derivations, rendered and cross-checked.

Subpackages, from the bottom layer up; each may import only the layers below it (its docstring
says which, and `tests/test_layers.py` holds every module to it):

- `core`: the types (Text, Param, Part, Step, Solution, Exercise, Checks, the sheet declaration);
- `maths`: pure arithmetic (layer sizes, convolution, its matrix, architecture tracing);
- `derive`: step builders that turn the maths into derivations;
- `render`: one Printer, one subclass per format (text, Markdown, LaTeX, JSON);
- `analyze`: any nn.Module traced, explained and self-checked; model exercises;
- `sheets`: the registry of sheets and exercises (built-in and course folders), documents, figures;
- `verify`: the torch cross-checks run over exercises and seeds;
- `grading`: the grader, from a student's text to the gradebook and the class report;
- `export`: Moodle question banks and Jupyter notebooks.

Nothing here imports SymPy or torch at import time; the heavy imports happen inside the
functions that need them, so that listing the catalogue stays fast.
"""

__version__ = "0.1.0"
