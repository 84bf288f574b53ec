"""The questions of the sheets, one module per exercise or small group, one package per sheet."""
