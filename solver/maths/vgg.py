"""VGG16 (configuration D of Simonyan & Zisserman, 2015) written once: the layer specs a derivation
traces and the torch layers a check measures, both read from the same configuration.

Only the thirteen convolutions and five poolings are here; each caller adds the head it studies
(dense layers, or fc6–fc8 as convolutions).
"""

from __future__ import annotations

# the output channels of each convolution, "M" a 2 × 2 max pooling
CONFIG: tuple[int | str, ...] = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def feature_specs(k: int = 3) -> list:
    """The feature layers as `solver.maths.architecture` specs: convolutions of side `k` padded to keep the
    size (named ``conv<block>_<index>``), then a 2 × 2 pooling ending each block (``pool<block>``).

    >>> [layer.name for layer in feature_specs()][:4]
    ['conv1_1', 'conv1_2', 'pool1', 'conv2_1']
    """
    from solver.maths.architecture import Conv, Pool

    layers: list[Conv | Pool] = []
    block, index = 1, 1
    for item in CONFIG:
        if isinstance(item, str):  # "M"
            layers.append(Pool(2, name=f"pool{block}"))
            block, index = block + 1, 1
        else:
            layers.append(Conv(item, k, padding=(k - 1) // 2, name=f"conv{block}_{index}"))
            index += 1
    return layers


def torch_features(in_channels: int, k: int = 3, **factory) -> list:
    """The same feature layers as torch modules (each convolution followed by a ReLU);
    `factory` goes to every convolution (``device="meta"`` to measure without computing)."""
    import torch.nn as nn

    layers: list[nn.Module] = []
    channels = in_channels
    for item in CONFIG:
        if isinstance(item, str):  # "M"
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(channels, item, k, padding=(k - 1) // 2, **factory), nn.ReLU()]
            channels = item
    return layers
