"""tp-cnn: the discussion questions of TP 5-6 (CNNs on CIFAR-10), each a model answer and a rubric.

Every question here has a single `text` part, graded by hand against the rubric; `text_exercise`
builds one from its id, title, statement, model answer, rubric and optional remarks on the sheet.
"""

from __future__ import annotations

from typing import Callable, Union

from solver.core.exercise import Chain, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import Param, Params
from solver.core.text import Text, numeral

from .architecture import NETWORK, _params_10

SHEET = "tp-cnn"
Quoted = Union[Text, Callable[[Params], Text]]


def _text(value: Quoted, q: Params) -> Text:
    return value if isinstance(value, Text) else value(q)


def text_exercise(number: int, title: Text, statement: Quoted, answer: Quoted, rubric: tuple[Quoted, ...],
                  remarks: tuple[Quoted, ...] = (), params: tuple[Param, ...] = (),
                  chain: Chain | None = None) -> Exercise:
    """A text-only exercise `tp-cnn.<number>` (no check: `verify` reports it as skip).

    `statement`, `answer`, each rubric point and each remark may be a function of the parameters returning the `Text`,
    when they quote the variant's data or computed numbers (with `params` and the `chain` they come from).

    >>> ex = text_exercise(99, Text("t", "t"), Text("q ?", "q?"), Text("r", "a"), (Text("p", "p"),))
    >>> sol = ex.run(ex.make_params())
    >>> sol.answers["text"].answer("en"), len(sol.answers["text"].rubric)
    ('a', 1)
    """
    def solve(q) -> Solution:
        model = _text(answer, q)
        steps = [Step(_text(r, q), kind="remark") for r in remarks]
        steps.append(Step(model, kind="result"))
        return Solution(q, tuple(steps), {"text": ModelAnswer(model, tuple(_text(r, q) for r in rubric))})

    return Exercise(id=f"{SHEET}.{number}", sheet=SHEET, title=title, statement=lambda q: _text(statement, q),
                    parts=(Part("text", "text", Text("réponse rédigée", "written answer")),), solve=solve,
                    params=params, chain=chain)


def _cnn_counts(q) -> dict:
    """Learned parameters of the TP's network (tp-cnn.10, same variant) by layer."""
    from .architecture import _rows_10

    return {name: row.params for name, row in _rows_10(q).items() if row.params}


def _bow_counts(words: int = 1000, descriptor: int = 128, classes: int = 10) -> dict:
    """A visual dictionary of `words` SIFT centres and one linear SVM (w, b) per class."""
    from solver.maths.layers import linear_params

    return {"dictionary": words * descriptor, "svm": linear_params(words, classes)}


def _fewer(cnn: int, other: int) -> Text:
    """How many times fewer parameters `other` has than the CNN (or more, or about as many)."""
    if cnn >= 1.5 * other:
        return Text(f"environ {round(cnn / other)} fois moins", f"about {round(cnn / other)} times fewer")
    if other >= 1.5 * cnn:
        return Text(f"environ {round(other / cnn)} fois plus", f"about {round(other / cnn)} times more")
    return Text("à peu près autant", "about as many")


def _q12_answer(q) -> Text:

    classes, words, descriptor = q["classes"], BOW_WORDS, SIFT_SIZE
    cnn, bow = _cnn_counts(q), _bow_counts(words, descriptor, classes)
    n_cnn, n_bow = sum(cnn.values()), sum(bow.values())
    share = round(100 * cnn["fc4"] / n_cnn)
    overall, supervised = _fewer(n_cnn, n_bow), _fewer(n_cnn, bow["svm"])
    n = {k: numeral(v) for k, v in (("cnn", n_cnn), *bow.items())}
    return Text(
        f"Le CNN apprend {n['cnn'].fr} poids, dont {share} % dans fc4. Avec un dictionnaire de {words} mots "
        f"visuels SIFT ({words} × {descriptor} = {n['dictionary'].fr} valeurs, obtenues par k-moyennes, sans les "
        f"étiquettes) et un SVM linéaire un-contre-tous sur {classes} classes ({n['svm'].fr} poids), l'approche "
        f"BoW en a {overall.fr}, et {supervised.fr} si l'on ne compte que ce qui est appris avec les "
        "étiquettes (le SVM). Mais le CNN apprend aussi ses descripteurs, de bout en bout, alors que SIFT est "
        "conçu à la main : le CNN a besoin de plus de données et risque davantage le sur-apprentissage, en "
        "échange d'une représentation adaptée à la tâche.",
        f"The CNN learns {n['cnn'].en} weights, {share}% of them in fc4. With a dictionary of {words} SIFT "
        f"visual words ({words} × {descriptor} = {n['dictionary'].en} values, found by k-means, without the "
        f"labels) and a linear one-vs-rest SVM over {classes} classes ({n['svm'].en} weights), the BoW approach "
        f"has {overall.en}, and {supervised.en} counting only what is learned from the labels (the SVM). But "
        "the CNN also learns its descriptors, end to end, whereas SIFT is hand-designed: the CNN needs more data "
        "and risks overfitting more, in exchange for a representation fitted to the task.")


def _q12_statement(q) -> Text:
    from .architecture import _setting_10

    return _setting_10(q) + Text(
        "Comparer le nombre de paramètres appris par ce CNN à celui de l'approche sacs de mots visuels (BoW) + SVM.",
        "Compare the number of parameters learned by this CNN with that of the bag-of-visual-words (BoW) + SVM "
        "approach.")


def _q12_setting(q) -> Text:
    k, f = q["k"], q["f"]
    return Text(
        "Le sujet ne rappelle pas le réglage BoW ; on suppose un réglage typique : descripteurs SIFT "
        f"({SIFT_SIZE} valeurs), dictionnaire de {BOW_WORDS} mots, SVM linéaire un-contre-tous sur les "
        f"{q['classes']} classes. Le CNN a un remplissage de {(k - 1) // 2} (taille conservée) et des poolings "
        f"{f}×{f} de pas {f}.",
        "The sheet does not recall the BoW setting; we assume a typical one: SIFT descriptors "
        f"({SIFT_SIZE} values), a {BOW_WORDS}-word dictionary, a linear one-vs-rest SVM over the {q['classes']} "
        f"classes. The CNN uses padding {(k - 1) // 2} (size kept) and {f}×{f} pools of stride {f}.")


def _q12_size(q) -> Text:

    cnn = _cnn_counts(q)
    total, big = sum(cnn.values()), max(cnn, key=cnn.__getitem__)
    n = numeral(total)
    return Text(f"ordre de grandeur du CNN ({n.fr} poids, la plus grande part dans {big})",
                f"order of magnitude of the CNN ({n.en} weights, the largest share in {big})")


BOW_WORDS, SIFT_SIZE = 1000, 128


EXERCISES = (
    text_exercise(
        2, Text("Convolution contre couche dense", "Convolution versus dense layer"),
        Text("Quels sont les avantages d'une couche de convolution par rapport à une couche entièrement "
             "connectée, et sa principale limite ?",
             "What does a convolutional layer offer compared with a fully connected one, and what is its main "
             "limitation?"),
        Text("Chaque neurone ne regarde qu'une petite fenêtre (connexions locales) et le même filtre est appliqué "
             "à toutes les positions (poids partagés) : beaucoup moins de paramètres, indépendants de la taille "
             "de l'image, donc moins de sur-apprentissage ; la couche est équivariante par translation (un motif "
             "déplacé donne une réponse déplacée) et s'applique à des entrées de taille quelconque. Sa limite : "
             "le champ récepteur est local, une couche ne relie pas des pixels éloignés ; il faut empiler des "
             "couches (ou du pooling) pour un contexte global, et elle n'est invariante ni aux rotations ni aux "
             "changements d'échelle.",
             "Each neuron looks at a small window only (local connections) and the same filter is applied at "
             "every position (shared weights): far fewer parameters, independent of the image size, hence less "
             "overfitting; the layer is translation-equivariant (a shifted pattern gives a shifted response) and "
             "applies to inputs of any size. Its limit: the receptive field is local, one layer does not link "
             "distant pixels; layers (or pooling) must be stacked for global context, and it is invariant "
             "neither to rotations nor to changes of scale."),
        (Text("connexions locales et partage des poids", "local connections and weight sharing"),
         Text("beaucoup moins de paramètres, indépendants de la taille de l'entrée",
              "far fewer parameters, independent of the input size"),
         Text("équivariance par translation", "translation equivariance"),
         Text("limite : champ récepteur local, contexte global seulement en empilant des couches",
              "limit: local receptive field, global context only by stacking layers"))),
    text_exercise(
        3, Text("Intérêt du pooling spatial", "Why spatial pooling"),
        Text("Quel est l'intérêt d'un pooling spatial ?", "What is spatial pooling good for?"),
        Text("Il réduit la taille spatiale des cartes (un max-pooling 2×2 divise le nombre de valeurs par 4) : "
             "moins de calcul et de mémoire, et beaucoup moins de poids dans les couches denses qui suivent. Il "
             "agrandit le champ récepteur des couches suivantes, qui voient ainsi plus de contexte. Il rend la "
             "représentation peu sensible à de petites translations ou déformations locales (le maximum d'une "
             "fenêtre bouge peu), ce qui aide la classification.",
             "It reduces the spatial size of the maps (a 2×2 max-pooling divides the number of values by 4): less "
             "computation and memory, and far fewer weights in the dense layers that follow. It enlarges the "
             "receptive field of the next layers, which then see more context. It makes the representation "
             "insensitive to small translations or local deformations (the max of a window moves little), which "
             "helps classification."),
        (Text("réduction de la taille spatiale : calcul, mémoire, paramètres des couches denses",
              "smaller spatial size: computation, memory, parameters of the dense layers"),
         Text("champ récepteur plus grand pour les couches suivantes", "larger receptive field for later layers"),
         Text("invariance locale aux petites translations", "local invariance to small translations"))),
    text_exercise(
        4, Text("Réseau appliqué à une image plus grande", "Network applied to a larger image"),
        Text("On présente à un réseau convolutionnel classique (VGG16, prévu pour 224×224) une image plus "
             "grande, sans la redimensionner. Quelles couches peut-on encore calculer ?",
             "A classic convolutional network (VGG16, designed for 224×224) is given a larger image, without "
             "resizing it. Which layers can still be computed?"),
        Text("Toutes les couches de convolution et de pooling : elles font glisser une fenêtre et acceptent "
             "une entrée de taille quelconque ; leurs cartes de sortie sont simplement plus grandes. La première "
             "couche entièrement connectée, en revanche, attend un vecteur de longueur fixe (7×7×512 pour "
             "VGG16) : l'aplatissement d'une carte plus grande n'a pas la bonne taille et le produit matriciel "
             "est impossible. Le calcul s'arrête donc après le dernier pooling.",
             "All the convolution and pooling layers: they slide a window and accept an input of any size; their "
             "output maps are just larger. The first fully connected layer, however, expects a vector of fixed "
             "length (7×7×512 for VGG16): flattening a larger map gives the wrong length and the matrix product "
             "is impossible. The computation therefore stops after the last pooling layer."),
        (Text("convolutions et poolings : calculables, cartes plus grandes",
              "convolutions and poolings: computable, larger maps"),
         Text("couches denses : taille d'entrée fixe, non calculables", "dense layers: fixed input size, not computable"),
         Text("le calcul s'arrête au dernier pooling", "the computation stops at the last pooling layer")),
        remarks=(Text("La « figure 2 » citée par la question ne figure pas dans le sujet fourni ; on prend VGG16 "
                      "(entrée 224×224), le réseau classique qu'elle représente.",
                      "The 'Figure 2' the question refers to is not in the provided sheet; we take VGG16 (input "
                      "224×224), the classic network it shows."),)),
    text_exercise(
        5, Text("Couches denses vues comme des convolutions", "Dense layers seen as convolutions"),
        Text("Montrer qu'une couche entièrement connectée est un cas particulier de convolution.",
             "Show that a fully connected layer is a special case of convolution."),
        Text("Une couche dense à $N$ sorties sur une entrée $C \\times H \\times W$ calcule $N$ produits "
             "scalaires entre l'entrée entière et un vecteur de poids, plus un biais. C'est exactement une "
             "convolution à $N$ filtres de taille $C \\times H \\times W$ (le noyau couvre toute l'entrée), sans "
             "remplissage : il n'y a qu'une position, la sortie est $N \\times 1 \\times 1$, et les poids du "
             "filtre $n$ sont la ligne $n$ de la matrice, remise en forme. Une couche dense suivante, sur un "
             "vecteur de taille $N$, est de même une convolution $1 \\times 1$ à $N$ canaux d'entrée.",
             "A dense layer with $N$ outputs on a $C \\times H \\times W$ input computes $N$ dot products "
             "between the whole input and a weight vector, plus a bias. That is exactly a convolution with $N$ "
             "filters of size $C \\times H \\times W$ (the kernel covers the whole input), without padding: "
             "there is a single position, the output is $N \\times 1 \\times 1$, and the weights of filter $n$ "
             "are row $n$ of the matrix, reshaped. A following dense layer, on a vector of size $N$, is likewise "
             "a $1 \\times 1$ convolution with $N$ input channels."),
        (Text("noyau de la taille de toute l'entrée, N filtres, une seule position",
              "kernel as large as the whole input, N filters, a single position"),
         Text("poids du filtre = ligne de la matrice dense remise en forme, même biais",
              "filter weights = row of the dense matrix reshaped, same bias"),
         Text("couches denses suivantes = convolutions 1×1", "later dense layers = 1×1 convolutions"))),
    text_exercise(
        12, Text("Paramètres : CNN contre sacs de mots visuels", "Parameters: CNN versus bag of visual words"),
        _q12_statement,
        _q12_answer,
        (_q12_size,
         Text("BoW : dictionnaire (mots × descripteur SIFT, non supervisé) + SVM linéaire",
              "BoW: dictionary (words × SIFT descriptor, unsupervised) + linear SVM"),
         Text("le CNN apprend aussi les descripteurs ; SIFT est fixé à la main",
              "the CNN also learns the descriptors; SIFT is hand-made"),
         Text("conséquence : plus de données nécessaires, risque de sur-apprentissage",
              "consequence: more data needed, risk of overfitting")),
        remarks=(_q12_setting,), params=_params_10(), chain=NETWORK),
    text_exercise(
        14, Text("Loss et accuracy en train et en test", "Loss and accuracy in train and in test"),
        Text("Dans le code du TP, qu'est-ce qui distingue le calcul de la loss et de l'accuracy en apprentissage "
             "et en test, en dehors des données ?",
             "In the TP's code, what distinguishes how loss and accuracy are computed in training and in test, "
             "apart from the data?"),
        Text("En apprentissage, les mesures sont moyennées sur les mini-batchs au fil de l'époque, pendant que "
             "les poids changent après chaque batch : elles mélangent des états successifs du modèle, et le "
             "modèle est en mode `train()` (dropout actif, batch norm sur les statistiques du batch). En test, "
             "le modèle est figé en mode `eval()`, sans gradient ni mise à jour : la mesure porte sur un seul "
             "état du modèle, celui de la fin de l'époque.",
             "In training, the metrics are averaged over the mini-batches during the epoch while the weights "
             "change after each batch: they mix successive states of the model, and the model is in `train()` "
             "mode (dropout active, batch norm on the batch's statistics). In test, the model is frozen in "
             "`eval()` mode, with no gradient and no update: the metric reflects one state of the model, the "
             "one at the end of the epoch."),
        (Text("train : moyenne sur l'époque pendant que les poids évoluent",
              "train: averaged over the epoch while the weights change"),
         Text("test : modèle figé, sans gradient ni optimiseur", "test: frozen model, no gradient nor optimiser"),
         Text("modes train()/eval() : dropout et batch norm se comportent différemment",
              "train()/eval() modes: dropout and batch norm behave differently")),
        remarks=(Text("Le code fourni n'est pas dans le sujet ; on suppose la boucle habituelle du TP "
                      "(`model.train()` avec optimiseur, `model.eval()` sans).",
                      "The provided code is not in the sheet; we assume the TP's usual loop (`model.train()` with "
                      "an optimiser, `model.eval()` without)."),)),
    text_exercise(
        16, Text("Pas d'apprentissage et taille de mini-batch", "Learning rate and mini-batch size"),
        Text("Quels sont les effets du pas d'apprentissage et de la taille des mini-batchs ?",
             "What are the effects of the learning rate and of the mini-batch size?"),
        Text("Pas d'apprentissage : trop petit, la perte baisse très lentement et peut rester dans un mauvais "
             "plateau ; trop grand, elle oscille ou diverge ; une valeur intermédiaire (souvent décroissante au "
             "fil de l'entraînement) est la meilleure. Mini-batch : petit, le gradient est bruité (plus de mises "
             "à jour par époque, bruit qui peut aider à généraliser, mais calcul peu parallèle) ; grand, le "
             "gradient est précis et le calcul efficace sur GPU, mais il y a moins de mises à jour par époque et "
             "la mémoire limite. Les deux interagissent : un batch plus grand supporte un pas plus grand.",
             "Learning rate: too small, the loss goes down very slowly and may stay on a poor plateau; too large, "
             "it oscillates or diverges; an intermediate value (often decreased during training) works best. "
             "Mini-batch: small, the gradient is noisy (more updates per epoch, noise that may help "
             "generalisation, but little parallelism); large, the gradient is accurate and the computation "
             "efficient on a GPU, but there are fewer updates per epoch and memory sets a limit. They interact: "
             "a larger batch tolerates a larger learning rate."),
        (Text("pas trop petit : lent ; trop grand : oscillations, divergence",
              "rate too small: slow; too large: oscillation, divergence"),
         Text("petit batch : gradient bruité, plus de mises à jour", "small batch: noisy gradient, more updates"),
         Text("grand batch : gradient précis, efficace, moins de mises à jour, mémoire",
              "large batch: accurate gradient, efficient, fewer updates, memory"),
         Text("interaction entre les deux", "interaction between the two"))),
    text_exercise(
        18, Text("Lecture des courbes d'apprentissage", "Reading the learning curves"),
        Text("Interpréter les courbes obtenues : qu'est-ce qui ne va pas, et comment s'appelle ce phénomène ?",
             "Interpret the curves obtained: what goes wrong, and what is this phenomenon called?"),
        Text("La perte d'apprentissage continue de baisser (l'accuracy train tend vers 100 %) alors que la perte "
             "de test, après avoir baissé, stagne puis remonte et que l'accuracy de test plafonne bien plus bas : "
             "l'écart se creuse. Le réseau apprend par cœur les exemples d'apprentissage au lieu de généraliser : "
             "c'est le sur-apprentissage, attendu avec environ un million de poids pour 50 000 images. Remèdes : "
             "arrêt précoce, augmentation de données, dropout, pénalité sur les poids (weight decay).",
             "The training loss keeps going down (train accuracy tends to 100%) while the test loss, after going "
             "down, stalls then rises and the test accuracy levels off much lower: the gap widens. The network "
             "memorises the training examples instead of generalising: this is overfitting, expected with about "
             "a million weights for 50,000 images. Remedies: early stopping, data augmentation, dropout, a penalty "
             "on the weights (weight decay)."),
        (Text("train continue de s'améliorer, test stagne ou se dégrade : écart croissant",
              "train keeps improving, test stalls or worsens: growing gap"),
         Text("nom : sur-apprentissage", "name: overfitting"),
         Text("cause : trop de paramètres pour le nombre d'exemples", "cause: too many parameters for the examples"))),
    text_exercise(
        20, Text("Normalisation avec les statistiques d'apprentissage", "Normalising with training statistics"),
        Text("Pourquoi calculer l'image moyenne sur les seuls exemples d'apprentissage, et normaliser la "
             "validation avec cette même image ?",
             "Why compute the mean image on the training examples only, and normalise the validation set with "
             "that same image?"),
        Text("La normalisation fait partie du modèle : ses paramètres doivent être appris sur les seules données "
             "d'apprentissage, sinon de l'information de validation ou de test fuit dans l'apprentissage et "
             "l'évaluation devient optimiste. Et toutes les images doivent subir la même transformation : en "
             "déploiement on ne dispose que d'une image à la fois, on lui applique la moyenne (et l'écart-type) "
             "mémorisés ; normaliser la validation avec ses propres statistiques changerait l'entrée que le "
             "réseau a appris à traiter.",
             "Normalisation is part of the model: its parameters must be learned from the training data only, "
             "otherwise information from the validation or test set leaks into training and the evaluation "
             "becomes optimistic. And every image must go through the same transformation: when deployed there is "
             "one image at a time, to which the stored mean (and standard deviation) is applied; normalising the "
             "validation set with its own statistics would change the input the network learned to handle."),
        (Text("pas de fuite d'information de la validation vers l'apprentissage",
              "no information leak from validation into training"),
         Text("même transformation pour toutes les données, comme en production",
              "same transformation for all data, as in production"))),
    text_exercise(
        23, Text("Symétrie horizontale : pour quelles images ?", "Horizontal flip: for which images?"),
        Text("L'augmentation par symétrie horizontale convient-elle à tout type d'images ? Dans quels cas "
             "l'est-elle ou non ?",
             "Is horizontal-flip augmentation suitable for every kind of image? When is it, and when not?"),
        Text("Elle convient quand la classe ne dépend pas de l'orientation gauche-droite : objets, animaux, "
             "véhicules, scènes naturelles (le cas de CIFAR-10). Elle ne convient pas quand le sens compte : "
             "texte, chiffres et lettres (un « b » retourné devient un « d »), panneaux de signalisation "
             "directionnels, images médicales où la latéralité est significative (cœur à gauche), ou toute tâche "
             "dont l'étiquette dit « gauche » ou « droite ». La symétrie verticale, elle, est rarement valable "
             "pour des photos (le ciel est en haut).",
             "It fits when the class does not depend on left-right orientation: objects, animals, vehicles, "
             "natural scenes (the case of CIFAR-10). It does not when orientation matters: text, digits and "
             "letters (a flipped 'b' becomes a 'd'), directional road signs, medical images where laterality is "
             "meaningful (heart on the left), or any task whose label says 'left' or 'right'. A vertical flip is "
             "rarely valid for photos (the sky is at the top)."),
        (Text("valable si la classe est invariante par symétrie gauche-droite",
              "valid if the class is invariant under a left-right flip"),
         Text("contre-exemples : texte/chiffres, panneaux, imagerie médicale, étiquettes orientées",
              "counter-examples: text/digits, signs, medical imaging, oriented labels"))),
    text_exercise(
        24, Text("Limites de l'augmentation de données", "Limits of data augmentation"),
        Text("Quelles limites voyez-vous à l'augmentation de données par transformation des exemples ?",
             "What limits do you see to data augmentation by transforming the examples?"),
        Text("Les exemples créés restent très corrélés aux originaux : ils n'apportent pas la diversité de vraies "
             "nouvelles images (autres objets, fonds, conditions), seulement une invariance choisie à l'avance. "
             "Chaque transformation doit préserver l'étiquette, ce qui dépend de la tâche et demande une "
             "connaissance a priori ; une transformation trop forte crée des exemples irréalistes ou mal "
             "étiquetés et dégrade l'apprentissage. Enfin l'entraînement est plus long (plus d'exemples, plus "
             "d'époques pour converger).",
             "The generated examples stay highly correlated with the originals: they do not bring the diversity "
             "of really new images (other objects, backgrounds, conditions), only an invariance chosen in "
             "advance. Each transformation must preserve the label, which depends on the task and needs prior "
             "knowledge; too strong a transformation creates unrealistic or mislabelled examples and harms "
             "learning. Finally training takes longer (more examples, more epochs to converge)."),
        (Text("exemples corrélés : pas de vraie information nouvelle", "correlated examples: no truly new information"),
         Text("la transformation doit préserver l'étiquette (dépend de la tâche)",
              "the transformation must preserve the label (task-dependent)"),
         Text("transformations trop fortes : exemples irréalistes ; coût d'entraînement",
              "too strong transformations: unrealistic examples; training cost"))),
    text_exercise(
        27, Text("Momentum et décroissance du pas", "Momentum and learning-rate decay"),
        Text("Pourquoi le momentum et la décroissance progressive du pas d'apprentissage améliorent-ils "
             "l'apprentissage ?",
             "Why do momentum and a gradually decreasing learning rate improve training?"),
        Text("Le momentum accumule une moyenne glissante des gradients : les composantes qui changent de signe "
             "d'un pas à l'autre (oscillations dans les ravins étroits, bruit des mini-batchs) se compensent, "
             "celles qui gardent la même direction s'additionnent ; la descente est plus rapide et plus stable, "
             "et passe de petits plateaux. La décroissance du pas permet de grands pas au début, pour avancer "
             "vite, puis de petits pas à la fin, pour que le bruit du gradient stochastique ne fasse plus "
             "osciller les poids autour du minimum : la perte finale est plus basse.",
             "Momentum keeps a running average of the gradients: components that change sign from one step to "
             "the next (oscillations in narrow ravines, mini-batch noise) cancel, those that keep the same "
             "direction add up; descent is faster and steadier, and crosses small plateaus. Learning-rate decay "
             "allows large steps at first, to progress fast, then small steps at the end, so that the noise of "
             "the stochastic gradient no longer makes the weights oscillate around the minimum: the final loss "
             "is lower."),
        (Text("momentum : moyenne des gradients, oscillations amorties, accélération dans les directions stables",
              "momentum: averaged gradients, damped oscillations, speed-up along steady directions"),
         Text("décroissance : grands pas au début, petits pas pour converger malgré le bruit",
              "decay: large steps first, small steps to converge despite the noise")),
        remarks=(Text("La question parle de « ces deux méthodes » sans les nommer dans le sujet fourni ; on "
                      "suppose celles que le TP fait essayer juste avant : le momentum de SGD et un planificateur "
                      "qui fait décroître le pas d'apprentissage.",
                      "The question speaks of 'these two methods' without naming them in the provided sheet; we "
                      "assume the two the practical has students try just before: SGD's momentum and a scheduler "
                      "that decreases the learning rate."),)),
    text_exercise(
        30, Text("La régularisation", "Regularisation"),
        Text("Qu'est-ce que la régularisation, de façon générale ?", "What is regularisation, in general?"),
        Text("Tout ce qu'on ajoute à l'apprentissage pour réduire l'erreur de généralisation plutôt que l'erreur "
             "d'apprentissage : on contraint le modèle ou on lui ajoute une préférence a priori (poids petits, "
             "solutions simples, invariances) pour qu'il ne s'ajuste pas au bruit des données. Exemples : "
             "pénalité $L_2$ (weight decay) ou $L_1$ dans la perte, arrêt précoce, augmentation de données, "
             "dropout, partage de poids. On échange un peu de biais contre beaucoup moins de variance.",
             "Anything added to training to reduce the generalisation error rather than the training error: the "
             "model is constrained or given a prior preference (small weights, simple solutions, invariances) so "
             "that it does not fit the noise of the data. Examples: an $L_2$ (weight decay) or $L_1$ penalty in "
             "the loss, early stopping, data augmentation, dropout, weight sharing. A little bias is traded for "
             "much less variance."),
        (Text("but : mieux généraliser, lutter contre le sur-apprentissage", "goal: generalise better, fight overfitting"),
         Text("moyen : contrainte ou a priori sur le modèle", "means: constraint or prior on the model"),
         Text("exemples (pénalité L2/L1, arrêt précoce, augmentation, dropout)",
              "examples (L2/L1 penalty, early stopping, augmentation, dropout)"))),
    text_exercise(
        31, Text("Interprétations du dropout", "Interpretations of dropout"),
        Text("Quelles interprétations peut-on donner de l'effet du dropout sur un réseau ? Les discuter.",
             "Which interpretations can be given of the effect of dropout on a network? Discuss them."),
        Text("(1) Ensemble : chaque mini-batch entraîne un sous-réseau tiré au hasard, tous partageant leurs "
             "poids ; en test, le réseau complet avec la mise à l'échelle approche la moyenne de cet ensemble "
             "exponentiel de modèles. (2) Co-adaptation : un neurone ne peut pas compter sur la présence d'un "
             "autre, il doit apprendre des caractéristiques utiles seules, plus robustes et redondantes. (3) "
             "Bruit : c'est une injection de bruit multiplicatif dans les activations, une forme de "
             "régularisation (proche d'une pénalité $L_2$ adaptative pour un modèle linéaire). (4) Bayésien : "
             "garder le dropout en test (MC dropout) donne une approximation de l'incertitude du modèle. Ces "
             "lectures expliquent la meilleure généralisation, au prix d'un apprentissage plus lent et plus bruité.",
             "(1) Ensemble: each mini-batch trains a randomly drawn sub-network, all sharing their weights; at "
             "test time the full network with the scaling approximates the average of this exponential ensemble "
             "of models. (2) Co-adaptation: a neuron cannot rely on another one being present, it must learn "
             "features useful on their own, more robust and redundant. (3) Noise: it injects multiplicative noise "
             "into the activations, a form of regularisation (close to an adaptive $L_2$ penalty for a linear "
             "model). (4) Bayesian: keeping dropout at test time (MC dropout) gives an approximation of the "
             "model's uncertainty. These readings explain the better generalisation, at the price of a slower, "
             "noisier training."),
        (Text("ensemble de sous-réseaux partageant les poids, moyenne en test",
              "ensemble of weight-sharing sub-networks, averaged at test time"),
         Text("moins de co-adaptation entre neurones", "less co-adaptation between neurons"),
         Text("injection de bruit / régularisation", "noise injection / regularisation"),
         Text("discussion : coût (apprentissage plus lent), lecture bayésienne possible",
              "discussion: cost (slower training), possible Bayesian reading"))),
    text_exercise(
        33, Text("Dropout en apprentissage et en évaluation", "Dropout in training and in evaluation"),
        Text("Quelle différence de comportement la couche de dropout a-t-elle entre l'apprentissage et "
             "l'évaluation ?",
             "How does the dropout layer behave differently in training and in evaluation?"),
        Text("En apprentissage (`model.train()`), chaque activation est mise à zéro avec probabilité $p$, "
             "indépendamment et à chaque passage, et celles qui restent sont multipliées par $1/(1-p)$ (dropout "
             "« inversé », celui de PyTorch) pour garder la même espérance. En évaluation (`model.eval()`), la "
             "couche ne fait rien : c'est l'identité, la sortie est déterministe et utilise tous les neurones. "
             "Oublier `model.eval()` au test donne des prédictions bruitées et moins bonnes.",
             "In training (`model.train()`), each activation is set to zero with probability $p$, independently "
             "and at every pass, and the remaining ones are multiplied by $1/(1-p)$ ('inverted' dropout, "
             "PyTorch's) to keep the same expectation. In evaluation (`model.eval()`), the layer does nothing: it "
             "is the identity, the output is deterministic and uses every neuron. Forgetting `model.eval()` at "
             "test time gives noisy, worse predictions."),
        (Text("apprentissage : mise à zéro aléatoire avec probabilité p", "training: random zeroing with probability p"),
         Text("mise à l'échelle 1/(1-p) pour conserver l'espérance", "scaling by 1/(1-p) to keep the expectation"),
         Text("évaluation : identité, déterministe (model.eval())", "evaluation: identity, deterministic (model.eval())"))),
)
