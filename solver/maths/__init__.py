"""Pure arithmetic of convolutional networks, with no prose.

Layer sizes (`layers`), convolution and correlation (`convolution`), convolution as a matrix
(`convmatrix`), activation functions (`activations`) and the exact tracing of a network given as
layer specifications: shapes, parameters, receptive fields, jumps (`architecture`). Values may be
numbers or SymPy expressions.

May import: `solver.core`.
"""
