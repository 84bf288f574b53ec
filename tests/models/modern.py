"""Small networks built from the blocks of today's architectures (written here, not downloaded).

Each one is the block as torchvision writes it, at a size a test can run in a fraction of a
second: squeeze-and-excitation (MobileNetV3, RegNetY), depthwise-separable (MobileNet), inverted
residual with stochastic depth (EfficientNet), Inception's 1×7/7×1 factorisation (Inception v3),
channel shuffle (ShuffleNetV2), ConvNeXt's permute + LayerNorm + Linear, a tiny ViT, a dilated
segmentation head with a transposed convolution and an upsampling (FCN, DeepLab), and a forward
written from `x.shape`.
"""

import torch
import torch.nn.functional as F
from torch import nn


class SqueezeExcitation(nn.Module):
    def __init__(self, channels: int, squeezed: int):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Sigmoid()

    def forward(self, x):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class SENet(nn.Module):
    """A 3×3 convolution, then squeeze-and-excitation (the product with a globally pooled branch)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.se = SqueezeExcitation(16, 4)
        self.head = nn.Conv2d(16, 8, 3, padding=1)

    def forward(self, x):
        return self.head(self.se(torch.relu(self.conv(x))))


class DepthwiseSeparable(nn.Module):
    """MobileNet v1's block: a depthwise 3×3 (groups = channels), then a pointwise 1×1."""

    def __init__(self, c_in: int = 3, c_mid: int = 16, c_out: int = 32):
        super().__init__()
        self.stem = nn.Conv2d(c_in, c_mid, 3, stride=2, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(c_mid)
        self.depthwise = nn.Conv2d(c_mid, c_mid, 3, stride=2, padding=1, groups=c_mid, bias=False)
        self.bn1 = nn.BatchNorm2d(c_mid)
        self.pointwise = nn.Conv2d(c_mid, c_out, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU6()

    def forward(self, x):
        x = self.act(self.bn0(self.stem(x)))
        x = self.act(self.bn1(self.depthwise(x)))
        return self.act(self.bn2(self.pointwise(x)))


class StochasticDepth(nn.Module):
    """Drops the whole residual branch of a sample with probability p in training; identity in eval."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty(x.shape[0], 1, 1, 1, dtype=x.dtype).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class InvertedResidual(nn.Module):
    """EfficientNet's MBConv: expand 1×1, depthwise 3×3, squeeze-excite, project 1×1, stochastic depth."""

    def __init__(self, channels: int = 16, expand: int = 4, p: float = 0.2):
        super().__init__()
        hidden = channels * expand
        self.stem = nn.Conv2d(3, channels, 3, padding=1)
        self.expand = nn.Conv2d(channels, hidden, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False)
        self.bn2 = nn.BatchNorm2d(hidden)
        self.project = nn.Conv2d(hidden, channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)
        self.stochastic_depth = StochasticDepth(p)
        self.drop = nn.Dropout2d(0.1)

    def forward(self, x):
        x = self.stem(x)
        y = F.silu(self.bn1(self.expand(x)))
        y = F.silu(self.bn2(self.depthwise(y)))
        y = self.bn3(self.project(self.drop(y)))
        return x + self.stochastic_depth(y)


class InceptionC(nn.Module):
    """Inception v3's block with the 7×7 factorised into 1×7 and 7×1 convolutions."""

    def __init__(self, c_in: int = 8, c7: int = 8):
        super().__init__()
        self.stem = nn.Conv2d(3, c_in, 3, stride=2)
        self.branch1x1 = nn.Conv2d(c_in, 16, 1)
        self.branch7x7_1 = nn.Conv2d(c_in, c7, 1)
        self.branch7x7_2 = nn.Conv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = nn.Conv2d(c7, 16, (7, 1), padding=(3, 0))
        self.branch_tall = nn.Conv2d(c_in, 8, (7, 1), padding=(3, 0))
        self.branch_pool = nn.Conv2d(c_in, 16, 1)

    def forward(self, x):
        x = self.stem(x)
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        tall = self.branch_tall(x)
        pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([b1, b7, tall, pool], 1)


class InceptionWide(nn.Module):
    """Only the 1×7 path: a receptive field wider than tall."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, (1, 7), stride=(1, 2), padding=(0, 3))
        self.conv2 = nn.Conv2d(8, 8, (3, 5), dilation=(2, 1))

    def forward(self, x):
        return self.conv2(torch.relu(self.conv(x)))


def channel_shuffle(x, groups: int):
    batch, channels, height, width = x.size()
    x = x.view(batch, groups, channels // groups, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batch, -1, height, width)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2's unit with stride 1: split the channels, one branch convolved, concatenate, shuffle."""

    def __init__(self, channels: int = 16):
        super().__init__()
        half = channels // 2
        self.stem = nn.Conv2d(3, channels, 3, stride=2, padding=1)
        self.branch2 = nn.Sequential(
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
            nn.Conv2d(half, half, 3, padding=1, groups=half, bias=False), nn.BatchNorm2d(half),
            nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))

    def forward(self, x):
        x = self.stem(x)
        x1, x2 = x.chunk(2, dim=1)
        out = torch.cat((x1, self.branch2(x2)), dim=1)
        return channel_shuffle(out, 2)


class LayerScale(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels, 1, 1), 1e-6))

    def forward(self, x):
        return self.gamma * x


class ConvNeXtBlock(nn.Module):
    """ConvNeXt: depthwise 7×7, permute to (N, H, W, C), LayerNorm, Linear 4C, GELU, Linear C, back."""

    def __init__(self, dim: int = 16):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 4, stride=4)
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.layer_scale = LayerScale(dim)

    def forward(self, x):
        x = self.stem(x)
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        y = y.permute(0, 3, 1, 2)
        return x + self.layer_scale(y)


class HandAttention(nn.Module):
    """Self-attention written by hand: q·kᵀ/√d, softmax over the keys, times v."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, length, dim = x.shape
        qkv = self.qkv(x).reshape(n, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * (dim // self.heads) ** -0.5
        attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(n, length, dim)
        return self.proj(out)


class TinyViT(nn.Module):
    """A Vision Transformer: patch embedding, class token, position embedding, two encoder blocks."""

    def __init__(self, image: int = 32, patch: int = 8, dim: int = 16, heads: int = 2, classes: int = 10):
        super().__init__()
        self.patch = patch
        self.conv_proj = nn.Conv2d(3, dim, patch, stride=patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.zeros(1, (image // patch) ** 2 + 1, dim))
        self.ln1 = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(0.0), nn.Linear(2 * dim, dim))
        self.ln3 = nn.LayerNorm(dim)
        self.hand = HandAttention(dim, heads)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        n, _, h, w = x.shape
        x = self.conv_proj(x)
        x = x.reshape(n, x.shape[1], (h // self.patch) * (w // self.patch)).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1) + self.pos_embedding
        y = self.ln1(x)
        y, _ = self.attention(y, y, y, need_weights=False)
        x = x + y
        x = x + self.mlp(self.ln2(x))
        x = x + self.hand(self.ln3(x))
        return self.head(x[:, 0])


class SegmentationHead(nn.Module):
    """FCN/DeepLab style: strided backbone, dilated 3×3, transposed convolution ×2, bilinear ×2."""

    def __init__(self, classes: int = 5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.atrous = nn.Conv2d(16, 16, 3, padding=2, dilation=2)
        self.up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        self.classifier = nn.Conv2d(8, classes, 1)

    def forward(self, x):
        size = x.shape[-2:]
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = F.relu(self.atrous(x))
        x = self.classifier(self.up(x))
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class ShapeDependent(nn.Module):
    """A forward that reads x.shape and x.size() (torch.fx's symbolic tracing cannot follow it)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        _n, _c, h, _w = x.shape
        x = torch.relu(self.conv(x))
        if h > 16:                       # a Python decision on a size
            x = F.avg_pool2d(x, 2)
        for _ in range(x.size(-1) // 8):  # a loop whose length depends on the size
            x = torch.relu(self.conv2(x))
        x = x[:, :, 1:-1, 1:-1]          # a crop written with the shape
        return self.fc(x.mean(dim=(2, 3)))


class Roller(nn.Module):
    """An operation the analyzer does not know (`torch.roll`) after two known layers."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return torch.roll(x, 1, dims=2)


class ValueDependent(nn.Module):
    """A forward that decides on a value (needs real numbers: the meta pass cannot run it)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.conv2 = nn.Conv2d(4, 4, 3)

    def forward(self, x):
        x = self.conv(x)
        if x.abs().sum() >= 0:
            x = self.conv2(x)
        return x


class ASPP(nn.Module):
    """DeepLabv3's atrous spatial pyramid pooling: dilated branches and an image-pooling branch."""

    def __init__(self, c_in: int = 8, c_out: int = 8):
        super().__init__()
        self.stem = nn.Conv2d(3, c_in, 3, stride=2, padding=1)
        self.b0 = nn.Conv2d(c_in, c_out, 1)
        self.b1 = nn.Conv2d(c_in, c_out, 3, padding=2, dilation=2)
        self.b2 = nn.Conv2d(c_in, c_out, 3, padding=4, dilation=4)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out), nn.ReLU())
        self.project = nn.Conv2d(4 * c_out, c_out, 1)

    def forward(self, x):
        x = self.stem(x)
        size = x.shape[-2:]
        pooled = F.interpolate(self.pool(x), size=size, mode="bilinear", align_corners=False)
        return self.project(torch.cat([self.b0(x), self.b1(x), self.b2(x), pooled], dim=1))


class TiedLinear(nn.Module):
    """Two dense layers sharing one weight matrix (weight tying): the shared 64 × 64 is counted once."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.a = nn.Linear(64, 64)
        self.b = nn.Linear(64, 64, bias=False)
        self.b.weight = self.a.weight
        self.c = nn.Linear(64, 10)

    def forward(self, x):
        return self.c(self.b(torch.relu(self.a(torch.flatten(self.conv(x), 1)))))
