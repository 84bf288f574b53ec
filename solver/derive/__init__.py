"""Derivation kits: they turn the maths into `Step`s a student can follow.

`chain` writes ``o = ⌊(i+2p−k)/s⌋+1 = ⌊(7+0−5)/1⌋+1 = 3`` chains; `written` keeps decimals as the
sheet writes them; `conv_steps`, `mlp` and `architecture_steps` explain convolutions, small
networks (forward and backward) and traced architectures layer by layer.

May import: `solver.core`, `solver.maths`.
"""
