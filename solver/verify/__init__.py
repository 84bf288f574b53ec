"""`tdsolver verify`: each exercise's independent torch check, on the sheet's values and seeded variants.

`runner` solves and checks exercises on several processes (never forking one that runs torch) and
reports pass, fail or skip per exercise and seed.

May import: `solver.core`, `solver.maths`, `solver.derive`, `solver.render`, `solver.analyze`,
`solver.sheets`.
"""
