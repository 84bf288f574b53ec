"""The catalogue of mistakes: stable codes and their default bilingual feedback.

A mistake code names one typical slip (a mal-rule) whatever the exercise or the variant, so that
a class report can count it across questions. An exercise declares a mal-rule with `mistake(code,
part, wrong)`: the feedback is the catalogue's, unless the exercise passes its own because it has
something specific to say (its notation, the layer in question). A code used by a single exercise
may stay out of the catalogue, declared with its own feedback. `mistakes_of(part, perturb, table)`
declares a family of one part at once, where one perturbation function takes the code as its key.

Only `Text` here: no SymPy, no torch (the catalogue is read by the grader and by `show`).

>>> CATALOGUE["missing-bias"]("en")
'Each filter (or neuron) also has a bias.'
>>> mistake("missing-bias", "params", lambda q: 12).feedback == CATALOGUE["missing-bias"]
True
"""

from __future__ import annotations

from typing import Any, Callable

from solver.core.exercise import Diagnosis
from solver.core.text import Text

CATALOGUE: dict[str, Text] = {
    # --- counting parameters ------------------------------------------------------------------
    "missing-bias": Text("Chaque filtre (ou neurone) a aussi un biais.", "Each filter (or neuron) also has a bias."),
    "bias-per-input": Text("Une couche dense a un biais par neurone (par sortie), pas par entrée : "
                           "$n_{out}(n_{in} + 1)$.",
                           "A dense layer has one bias per neuron (per output), not per input: "
                           "$n_{out}(n_{in} + 1)$."),
    "kernel-not-squared": Text("Un filtre 2D $k \\times k$ a $k^2$ poids par carte d'entrée, pas $k$ : "
                               "$C_{out}(C_{in} k^2 + 1)$.",
                               "A $k \\times k$ 2D filter has $k^2$ weights per input map, not $k$: "
                               "$C_{out}(C_{in} k^2 + 1)$."),
    "missing-in-channels": Text("Un filtre couvre tous les canaux d'entrée : $C_{in} k^2$ poids.",
                                "A filter spans all input channels: $C_{in} k^2$ weights."),
    "input-channels-ignored": Text("Un filtre couvre tous les canaux de son entrée : $C_{in} k^2$ poids.",
                                   "A filter covers every channel of its input: $C_{in} k^2$ weights."),
    "depth-ignored": Text("Un filtre couvre toute la profondeur de son entrée, les $C_{in}$ cartes de la couche "
                          "précédente : $C_{in} k^2$ poids (plus le biais), pas $k^2$.",
                          "A filter spans the whole depth of its input, the $C_{in}$ maps of the previous layer: "
                          "$C_{in} k^2$ weights (plus the bias), not $k^2$."),
    "channels-ignored": Text("Un filtre couvre tous les canaux d'entrée.", "A filter covers every input channel."),
    "pool-kernel-weights": Text("Le max-pooling n'a aucun paramètre.", "Max-pooling has no parameter."),
    "running-stats-as-params": Text("La moyenne et la variance courantes de la BatchNorm sont des tampons, pas des "
                                    "paramètres appris : seuls $\\gamma$ et $\\beta$ comptent.",
                                    "BatchNorm's running mean and variance are buffers, not learned parameters: "
                                    "only $\\gamma$ and $\\beta$ count."),
    "params-instead-of-mult-adds": Text("C'est le nombre de paramètres : le coût compte chaque poids une fois par "
                                        "position de sortie, sans le biais.",
                                        "This is the parameter count: the cost counts each weight once per output "
                                        "position, without the bias."),
    # --- output sizes ---------------------------------------------------------------------------
    "missing-plus-one": Text("Il manque la première position du noyau : ajoutez 1.",
                             "The kernel's first position is missing: add 1."),
    "ceil-instead-of-floor": Text("Arrondi vers le haut : une position qui dépasse de l'entrée remplie n'est pas "
                                  "calculée, on prend la partie entière inférieure.",
                                  "Rounded up: a position sticking out of the padded input is not computed; "
                                  "round down (floor)."),
    "missing-floor": Text("La partie entière inférieure manque : le résultat doit être entier.",
                          "The floor is missing: the result must be a whole number."),
    "padding-one-side": Text("Le remplissage $p$ s'applique des deux côtés : $i + 2p$.",
                             "Padding $p$ is applied on both sides: $i + 2p$."),
    "no-padding": Text("Le remplissage a été oublié : la sortie est trop petite.",
                       "The padding was forgotten: the output is too small."),
    "same-padding": Text("Sans remplissage, une convolution $k \\times k$ retire $k - 1$ pixels par dimension.",
                         "Without padding a $k \\times k$ convolution removes $k - 1$ pixels per dimension."),
    "ignored-padding": Text("Le remplissage a été ignoré : le noyau glisse sur l'entrée remplie.",
                            "The padding was ignored: the kernel slides over the padded input."),
    "valid-instead-of-same": Text("« same » ajoute des zéros pour que la taille ne dépende que du pas : sans "
                                  "remplissage on perd $k - 1$ pixels par convolution.",
                                  "'same' adds zeros so that the size only depends on the stride: without padding "
                                  "each convolution loses $k - 1$ pixels."),
    "stride-ignored": Text("Le pas $s$ n'a pas été pris en compte.", "The stride $s$ was ignored."),
    "pool-stride-one": Text("Le pooling a un pas égal à sa fenêtre : il divise le côté.",
                            "The pooling's stride equals its window: it divides the side."),
    "channels-last": Text("En PyTorch les canaux viennent d'abord : (canaux, hauteur, largeur).",
                          "In PyTorch the channels come first: (channels, height, width)."),
    "flatten-wrong-shape": Text("La taille aplatie est celle de la carte juste avant le flatten (après la dernière "
                                "couche qui change la forme).",
                                "The flattened size is that of the map just before the flatten (after the last "
                                "layer that changes the shape)."),
    "column-major": Text("Aplatissement colonne par colonne : on aplatit ligne par ligne.",
                         "Column-by-column flattening: maps are flattened row by row."),
    "area-instead-of-side": Text("Vous avez donné le carré (une aire) au lieu du côté.",
                                 "You gave the square (an area) instead of the side."),
    # --- receptive fields ----------------------------------------------------------------------
    "sum-of-kernels": Text("Les fenêtres successives se recouvrent : chaque couche n'ajoute que $k - 1$ pixels.",
                           "Successive windows overlap: each layer adds only $k - 1$ pixels."),
    "no-jump": Text("Après une couche de pas $s$, un pas de plus dans la carte vaut $s$ pixels : multipliez "
                    "$(k - 1)$ par le pas accumulé $j$.",
                    "After a layer of stride $s$, one step in the map is worth $s$ pixels: multiply $(k - 1)$ by "
                    "the accumulated jump $j$."),
    "rf-without-jump": Text("Chaque couche agrandit le champ de $(k - 1)$ fois le saut $j$ des couches "
                            "précédentes, pas de $(k - 1)$ pixels.",
                            "Each layer grows the field by $(k - 1)$ times the jump $j$ of the layers before it, "
                            "not by $(k - 1)$ pixels."),
    # --- convolution values --------------------------------------------------------------------
    "flipped-kernel": Text("C'est la convolution avec noyau retourné ; la couche (torch) calcule une corrélation "
                           "croisée, sans retourner le noyau.",
                           "This is the convolution with a flipped kernel; the layer (torch) computes a "
                           "cross-correlation, without flipping the kernel."),
    "transposed-kernel": Text("Le noyau a été transposé : $W_{u,v}$ multiplie la ligne $u$, colonne $v$ de la fenêtre.",
                              "The kernel was transposed: $W_{u,v}$ multiplies row $u$, column $v$ of the window."),
    "transposed-result": Text("Les lignes et les colonnes de la sortie sont échangées.",
                              "The rows and columns of the output are swapped."),
    "transposed": Text("C'est la transposée de la matrice attendue.", "This is the transpose of the expected matrix."),
    # --- losses and gradients ------------------------------------------------------------------
    "sign-error": Text("Le signe est inversé.", "The sign is wrong."),
    "off-by-one": Text("Un de trop ou de moins : vérifiez les extrémités.",
                       "One too many or too few: check the end points."),
    "percent": Text("Valeur multipliée ou divisée par 100 : donnez une proportion.",
                    "Value multiplied or divided by 100: give a proportion."),
    "log10-instead-of-ln": Text("Logarithme décimal au lieu du logarithme népérien (ln).",
                                "Base-10 logarithm instead of the natural log (ln)."),
    "log2-instead-of-ln": Text("La perte utilise le logarithme népérien $\\ln$, pas $\\log_2$.",
                               "The loss uses the natural logarithm $\\ln$, not $\\log_2$."),
    "diagonal-only": Text("Les termes hors diagonale manquent : $s_j$ dépend aussi de $a_i$ pour $i \\neq j$, par le "
                          "dénominateur ($-s_i s_j$).",
                          "The off-diagonal terms are missing: $s_j$ also depends on $a_i$ for $i \\neq j$, through "
                          "the denominator ($-s_i s_j$)."),
}


def feedback(code: str) -> Text:
    """The default feedback of a catalogued code (a clear error for an unknown one).

    >>> feedback("sign-error")("fr")
    'Le signe est inversé.'
    """
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"mistake code {code!r} is not in solver/derive/mistakes.py: give its feedback") from None


def mistake(code: str, part: str, wrong: Callable[[Any], Any], specific: Text | None = None) -> Diagnosis:
    """A mal-rule of `part`: `wrong(params)` is the value a student making mistake `code` gives.

    The feedback is the catalogue's default for `code`, or `specific` when the exercise has
    something of its own to say (required for a code outside the catalogue).
    """
    return Diagnosis(code, part, wrong, specific if specific is not None else feedback(code))


def mistakes_of(part: str, perturb: Callable[[str], Callable[[Any], Any]],
                table: dict[str, Text | None]) -> tuple[Diagnosis, ...]:
    """The mal-rules of `part`, one per code of `table`, in its order: `perturb(code)` is the wrong
    value's function, and the table gives the feedback (None: the catalogue's default).

    >>> ds = mistakes_of("params", lambda code: lambda q: len(code), {"missing-bias": None,
    ...                  "hidden-only": Text("Seule la couche cachée.", "Only the hidden layer.")})
    >>> [(d.code, d.part, d.wrong(None)) for d in ds]
    [('missing-bias', 'params', 12), ('hidden-only', 'params', 11)]
    >>> ds[0].feedback == CATALOGUE["missing-bias"]
    True
    """
    return tuple(mistake(code, part, perturb(code), specific) for code, specific in table.items())
