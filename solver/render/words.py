"""Headings and labels shared by the renderers, in both languages."""

from ..text import Text

STATEMENT = Text("Énoncé", "Statement")
DERIVATION = Text("Résolution", "Derivation")
ANSWERS = Text("Réponses", "Answers")
REMARK = Text("Remarque", "Remark")
RUBRIC = Text("Points attendus", "What a good answer says")
PARAMETERS = Text("Paramètres", "Parameters")
VARIANT = Text("variante {seed}", "variant {seed}")
