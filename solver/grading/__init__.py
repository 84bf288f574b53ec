"""The grader: untrusted answers -> safe parse -> comparison by part kind -> diagnosis -> verdict.

Pipeline (one module per stage):

- `lexer` / `latex`: text (plain math or LaTeX) -> tokens, with positions; no evaluation;
- `parse`: tokens -> a small syntax tree (`Node`), with limits on length, tokens and depth;
- `build`: tree -> SymPy objects, names resolved against the key's own symbols, numbers bounded;
- `evaluate`: a numeric evaluator of SymPy trees of our own (numpy, vectorised over sample points);
- `compare`: equivalence by the part's kind; `diagnose`: mal-rules; `check`: one answer -> `Verdict`;
- `answertest`: one key and one answer compared without an exercise (`tdsolver compare`), with
  STACK-like significant-figure and decimal-place tests;
- `worker`: each check runs in a persistent worker process with a time and memory budget;
- `submission`, `output`, `template`: files in, gradebook and feedback out;
- `feedback` (with `htmlpage`): what each student receives; `manual`: marks given by hand;
  `stats` and `report`: the class report.

No string a student typed ever reaches Python's or SymPy's string evaluators.

May import: `solver.core`, `solver.maths`, `solver.derive`, `solver.render`, `solver.analyze`,
`solver.sheets`, `solver.verify`.
"""
