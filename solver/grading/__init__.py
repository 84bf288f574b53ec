"""The grader: untrusted answers -> safe parse -> comparison by part kind -> diagnosis -> verdict.

The path of one answer (`check.check_answer`) is a straight line of five stages, each a function
of the previous stage's result (small frozen dataclasses between them), all against one
`question.Question` (the part, its key, the variant's parameters, the names the key uses):

1. read (`normalise.read_answer` -> `Read`): the text rules, then `lexer`/`latex` (text -> tokens,
   no evaluation), `parse` (tokens -> a small tree, bounded in length, tokens and depth) and
   `build` (tree -> SymPy, names resolved against the key's own symbols, numbers bounded); an
   answer that cannot be read stops here (``invalid``);
2. normalise (`normalise.normalise` -> `Normal`): the value rules (the statement's definitions,
   the variant's values); a formula given where the variant asks for a value is also read
   against the general key;
3. compare (`compare.compare_answer` -> `Compared`): equivalence by the part's kind (`evaluate`:
   our own numeric evaluator of SymPy trees), a second reading taken when the first is not right,
   the general key deciding for a formula;
4. diagnose (`diagnose.diagnose_answer` -> `Diagnosed`): mal-rules, the exercise's then generic;
5. verdict (`check.verdict` -> `verdict.Verdict`): verdict, score and feedback.

Special readings (``5x5x3`` for a whole number, ``9 × 9`` for a side of 9, definitions, variant
values) are declared in `normalise.RULES`, never patched after the comparison. Around it:

- `answertest`: one key and one answer compared without an exercise (`tdsolver compare`), with
  STACK-like significant-figure and decimal-place tests;
- `follow`: follow-through credit, earlier answers read by the same read and normalise stages;
- `worker`: each check runs in a persistent worker process with a time and memory budget;
- `submission`, `output`, `template`: files in, gradebook and feedback out;
- `feedback` (with `htmlpage`): what each student receives; `manual`: marks given by hand;
  `stats` and `report`: the class report.

No string a student typed ever reaches Python's or SymPy's string evaluators.

May import: `solver.core`, `solver.maths`, `solver.derive`, `solver.render`, `solver.analyze`,
`solver.sheets`, `solver.verify`.
"""
