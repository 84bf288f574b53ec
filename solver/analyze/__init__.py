"""Any `nn.Module`: recorded forward pass, table of shapes, parameters and receptive fields, self-checks.

`analyze` is the entry point (`tdsolver analyze`); `netrecord` records one forward pass (module
calls and tensor functions), `netmodules`/`netfunctions` turn each call into a layer, `netgeometry`
computes receptive fields and jumps per axis. `model_exercise` (with `model_mistakes`, its mal-rules,
and `model_follow`, its follow-through) makes a teacher's network into an exercise of a course folder.

May import: `solver.core`, `solver.maths`, `solver.derive`, `solver.render`.
"""
