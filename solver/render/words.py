"""Headings and labels shared by the renderers, in both languages."""

from solver.core.text import Text

STATEMENT = Text("Énoncé", "Statement")
DERIVATION = Text("Résolution", "Derivation")
ANSWERS = Text("Réponses", "Answers")
REMARK = Text("Remarque", "Remark")
RUBRIC = Text("Points attendus", "What a good answer says")
PARAMETERS = Text("Paramètres", "Parameters")
VARIANT = Text("variante {seed}", "variant {seed}")


_CHOICES = {"yes": Text("oui", "yes"), "no": Text("non", "no")}


def choice(value: str, lang: str) -> str:
    """A `choice` answer as a reader sees it: yes/no in the document's language (other words as they are).

    >>> choice("yes", "fr"), choice("no", "en"), choice("softmax", "fr")
    ('oui', 'no', 'softmax')
    """
    word = _CHOICES.get(value)
    return word(lang) if word is not None else value
