"""Standalone PyTorch code per exercise, for the notebooks of `tdsolver export notebook`.

Each `Recipe` is the body of a ``by_torch`` function that recomputes an exercise's answers with torch
only (the notebook's prelude, `solver.export.torch_code.PRELUDE`, gives ``n_params``, ``rf_side``,
``same_conv``…); the notebook compares what it returns with the keys. This is the exercises' own
knowledge, kept beside them: the engine names no exercise.
"""

from exercises.devoir_notebook_recipes import RECIPES as DEVOIR_RECIPES
from solver.export.torch_code import Recipe


def _conv_side(expr_n: str = "n") -> str:
    return f"F.conv2d(torch.zeros(1, 1, {expr_n}, {expr_n}), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[-1]"


_CUSTOM_MODEL = '''\
if k1 > n:
    raise ValueError("kernel larger than the input")
c_in = c
convs = [nn.Conv2d(c, f1, k1, stride=s1), nn.Conv2d(f1, f2, k2), nn.Conv2d(f2, f3, k3), nn.Conv2d(f3, f4, k4)]
x = torch.zeros(1, c, n, n)
y1 = same_conv(x, convs[0]); y2 = same_conv(y1, convs[1]); z1 = F.max_pool2d(y2, q)
y3 = same_conv(z1, convs[2]); z2 = F.max_pool2d(y3, q); y4 = same_conv(z2, convs[3]); flat = y4.flatten(1)
'''

_SMALL_NET = '''\
values = {"wh1": wh1[0], "bh1": bh1, "wh2": wh2[0], "bh2": bh2, "wo1": wo1[0], "bo1": bo1}
params = {name: torch.tensor(v, dtype=torch.float64, requires_grad=True) for name, v in values.items()}
xv = torch.tensor(x[0], dtype=torch.float64)

def forward(p):
    h = torch.sigmoid(torch.stack([p["wh1"] @ xv + p["bh1"], p["wh2"] @ xv + p["bh2"]]))
    o1 = torch.sigmoid(p["wo1"] @ h + p["bo1"])
    return h, o1, -torch.log(o1)  # y = (1, 0): only o_1 enters the cross-entropy

h, o1, loss = forward(params)
loss.backward()
grads = {"wo1_1": params["wo1"].grad[0], "wo1_2": params["wo1"].grad[1], "bo1": params["bo1"].grad,
         "wh1_1": params["wh1"].grad[0], "wh1_2": params["wh1"].grad[1], "wh1_3": params["wh1"].grad[2],
         "bh1": params["bh1"].grad, "wh2_1": params["wh2"].grad[0], "wh2_2": params["wh2"].grad[1],
         "wh2_3": params["wh2"].grad[2], "bh2": params["bh2"].grad}
'''

_SGD = '''\
with torch.no_grad():
    stepped = {name: t - eta * t.grad for name, t in params.items()}
after = {"wo1_1": stepped["wo1"][0], "wo1_2": stepped["wo1"][1], "bo1": stepped["bo1"],
         "wh1_1": stepped["wh1"][0], "wh1_2": stepped["wh1"][1], "wh1_3": stepped["wh1"][2], "bh1": stepped["bh1"],
         "wh2_1": stepped["wh2"][0], "wh2_2": stepped["wh2"][1], "wh2_3": stepped["wh2"][2], "bh2": stepped["bh2"]}
after["loss_after"] = forward(stepped)[2]
return {name: float(v) for name, v in after.items()}
'''

_VGG16 = '''\
def vgg16_features(c, one_channel=False):
    """VGG16's 13 convolutions 3x3 (padding 1) in 5 blocks, each closed by a 2x2 max-pooling."""
    layers, c_in = [], c
    for n_convs, c_out in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        for _ in range(n_convs):
            layers.append(nn.Conv2d(1, 1, 3, padding=1) if one_channel else nn.Conv2d(c_in, c_out, 3, padding=1))
            c_in = c_out
        layers.append(nn.MaxPool2d(2))
    return layers
'''

RECIPES: dict[str, Recipe] = {
    "td2.II.1": Recipe("if d * (k - 1) + 1 > i + 2 * p:\n    raise ValueError('kernel larger than the padded input')\n"
                       f"return {{'o': {_conv_side('i')}}}",
                       {"i": (5, 7, 10), "k": (1, 2, 3), "s": (1, 2, 3), "p": (0, 1, 2)}),
    "cours-cnn.dilation": Recipe(
        "if d * (k - 1) + 1 > i + 2 * p:\n    raise ValueError('kernel too large')\n"
        "big = 64  # the span of the dilated kernel: input side minus output side plus one, at stride 1\n"
        "span = big - F.conv2d(torch.zeros(1, 1, big, big), torch.zeros(1, 1, k, k), dilation=d).shape[-1] + 1\n"
        f"return {{'k_eff': span, 'o': {_conv_side('i')}}}",
        {"i": (6, 9), "k": (1, 3), "s": (1, 2), "p": (0, 1), "d": (1, 2)}),
    "cours-cnn.rf-depth": Recipe("return {'rf': rf_side([nn.Conv2d(1, 1, k) for _ in range(L)], L * k + 2)}",
                                 {"L": (1, 2, 3), "k": (1, 3, 5)}),
    "td2.II.2": Recipe("Mt, Kt = torch.tensor(M, dtype=torch.float64), torch.tensor(K, dtype=torch.float64)\n"
                       "return {'Y': F.conv2d(Mt[None, None], Kt[None, None], padding=len(K) // 2)[0, 0]}"),
    "cours-intro.conv-example": Recipe(
        "Xt, Wt = torch.tensor(X, dtype=torch.float64), torch.tensor(W, dtype=torch.float64)\n"
        "return {'Y': F.conv2d(Xt[None, None], Wt[None, None])[0, 0] + b}  # stride 1, no padding"),
    "cours-intro.softmax-example": Recipe("return {'s': torch.softmax(torch.tensor(a, dtype=torch.float64), dim=1)}"),
    "tp-cnn.17": Recipe("return {'initial_loss': F.cross_entropy(torch.zeros(1, C), torch.tensor([0]))}  # equal scores"),
    "tp-cnn.32": Recipe("torch.manual_seed(0)\ndrop = nn.Dropout(p)\ndrop.train()\ny = drop(torch.ones(10000))\n"
                        "return {'scale': y[y != 0][0]}  # the kept units are scaled", {"p": (0.1, 0.25, 0.5)}),
    "tp-cnn.8": Recipe(
        "for pad, stride in itertools.product(range(k), range(1, 4)):  # the geometry keeping two sizes\n"
        "    if all(F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=stride, padding=pad).shape[-1] == n\n"
        "           for n in (9, 16)):\n"
        "        return {'padding': pad, 'stride': stride}\n"
        "raise ValueError('no padding keeps the size')", {"k": (1, 3, 5, 7)}),
    "cours-intro.padding-example": Recipe(
        "x = F.pad(torch.zeros(1, 1, n, n), (p, p, p, p))\n"
        "return {'padded_size': x.shape[-1], 'output_size': F.conv2d(x, torch.zeros(1, 1, k, k), stride=s).shape[-1]}"),
    "cours-intro.image-mlp-params": Recipe("return {'params': n_params(nn.Linear(h * w * c, hidden))}"),
    "cours-intro.mlp-params": Recipe("return {'params': n_params(nn.Linear(inputs, hidden), nn.Linear(hidden, outputs))}"),
    "cours-cnn.rgb-mlp-params": Recipe("return {'fc1': n_params(nn.Linear(width * height * c, h))}"),
    "cours-cnn.mlp-params": Recipe(
        "fc = [nn.Linear(n * n, h1), nn.Linear(h1, h2), nn.Linear(h2, out)]\n"
        "return {'fc1': n_params(fc[0]), 'fc2': n_params(fc[1]), 'fc3': n_params(fc[2]), 'total': n_params(*fc)}"),
    "cours-cnn.conv1x1": Recipe(
        "bottleneck = [nn.Conv2d(C, m, 1), nn.Conv2d(m, m, k, padding=k // 2), nn.Conv2d(m, C, 1)]\n"
        "return {'params_direct': n_params(nn.Conv2d(C, C, k)), 'params_bottleneck': n_params(*bottleneck)}"),
    "cours-cnn.lenet5": Recipe(
        "conv1, conv3, conv5 = nn.Conv2d(1, c1, k), nn.Conv2d(c1, c3, k), nn.Conv2d(c3, c5, k)\n"
        "x = conv5(F.avg_pool2d(conv3(F.avg_pool2d(conv1(torch.zeros(1, 1, n, n)), 2)), 2)).flatten(1)\n"
        "counts = {'conv1': n_params(conv1), 'conv3': n_params(conv3), 'conv5': n_params(conv5),\n"
        "          'fc6': n_params(nn.Linear(x.shape[1], f6)), 'output': n_params(nn.Linear(f6, out))}\n"
        "return dict(counts, total=sum(counts.values()))"),
    "cours-cnn.stacked-3x3": Recipe(
        "stack = [nn.Conv2d(C, C, k, padding=k // 2) for _ in range(L)]\n"
        "rf = rf_side([nn.Conv2d(1, 1, k) for _ in range(L)], L * k + 2)\n"
        "return {'rf': rf, 'params_3x3': n_params(*stack), 'params_7x7': n_params(nn.Conv2d(C, C, rf))}",
        {"C": (1, 3, 8)}),
    "cours-cnn.vgg16": Recipe(
        _VGG16 + "with torch.device('meta'):  # count without allocating 138 M weights\n"
        "    fc = [nn.Linear(512 * (n // 32) ** 2, 4096), nn.Linear(4096, 4096), nn.Linear(4096, K)]\n"
        "    total = n_params(*vgg16_features(c), *fc)\n"
        "return {'params': total, 'rf': rf_side(vgg16_features(1, one_channel=True), 512)}  # an input larger than the field"),
    "tp-cnn.6": Recipe(
        _VGG16 + "with torch.device('meta'):\n"
        "    net = nn.Sequential(*vgg16_features(3), nn.Conv2d(512, 4096, 7), nn.Conv2d(4096, 4096, 1), nn.Conv2d(4096, 1000, 1))\n"  # noqa: E501 (generated code, kept on one line as it runs)
        "    y = net(torch.zeros(1, 3, n, n))\n"
        "return {'output_shape': (y.shape[2], y.shape[3], y.shape[1])}  # written (H, W, C)"),
    "tp-cnn.7": Recipe("return {'rf_conv1': rf_side([nn.Conv2d(1, 1, k)], 2 * k + 2),\n"
                       "        'rf_conv2': rf_side([nn.Conv2d(1, 1, k), nn.Conv2d(1, 1, k)], 2 * k + 2)}"),
    "td2.III.1": Recipe(
        "stack = [nn.Conv2d(1, 1, k1, stride=s1), nn.Conv2d(1, 1, k2), nn.MaxPool2d(q), nn.Conv2d(1, 1, k3),\n"
        "         nn.MaxPool2d(q), nn.Conv2d(1, 1, k4)]\n"
        "names = ['conv1', 'conv2', 'pool1', 'conv3', 'pool2', 'conv4']\n"
        "return {name: rf_side(stack[:i + 1], 160) for i, name in enumerate(names)}"),
    "td2.III.2a": Recipe(_CUSTOM_MODEL + "shapes = [y1, y2, z1, y3, z2, y4]\n"
                         "out = {name: tuple(t.shape[1:]) for name, t in zip(['conv1', 'conv2', 'pool1', 'conv3', 'pool2', 'conv4'], shapes)}\n"  # noqa: E501 (generated code, kept on one line as it runs)
                         "return dict(out, flatten=tuple(flat.shape[1:]))"),
    "td2.III.3a": Recipe(_CUSTOM_MODEL + "fc1, fc2 = nn.Linear(flat.shape[1], h), nn.Linear(h, C)\n"
                         "counts = {f'conv{i + 1}': n_params(m) for i, m in enumerate(convs)}\n"
                         "counts.update(fc1=n_params(fc1), fc2=n_params(fc2))\n"
                         "return dict(counts, total=sum(counts.values()))", {"C": (2, 10, 43)}),
    "td2.VI.1": Recipe(
        "conv1, conv2 = nn.Conv1d(d, f, K, stride=s), nn.Conv1d(f, f, K, stride=s)\n"
        "y1 = conv1(torch.zeros(1, d, T)); y2 = conv2(y1)\n"
        "return {'conv1.params': n_params(conv1), 'conv2.params': n_params(conv2),  # shapes written (time, channels)\n"
        "        'conv1.shape': tuple(y1.shape[1:])[::-1], 'conv2.shape': tuple(y2.shape[1:])[::-1],\n"
        "        'flatten.shape': tuple(y2.flatten(1).shape[1:])}"),
    "td2.VI.2": Recipe("y = nn.Conv1d(f, f, K, stride=s)(nn.Conv1d(d, f, K, stride=s)(torch.zeros(1, d, T)))\n"
                       "return {'dense.params': n_params(nn.Linear(y.flatten(1).shape[1], h))}"),
    "devoir.3.2": Recipe("P = n_params(nn.Linear(inputs, h1), nn.Linear(h1, h2), nn.Linear(h2, classes))\n"
                         "return {'params': P, 'hessian_shape': (P, P)}"),
    "devoir.4.1": Recipe(
        "x = torch.zeros(1, 1, n, n)\nc1 = F.conv2d(x, torch.zeros(1, 1, k, k)); c2 = F.conv2d(c1, torch.zeros(1, 1, k, k))\n"
        "pl = F.max_pool2d(c2, pool); c3 = F.conv2d(pl, torch.zeros(1, 1, k, k))\n"
        "return {'conv1': c1.shape[-1], 'conv2': c2.shape[-1], 'pool': pl.shape[-1], 'conv3': c3.shape[-1]}"),
    "devoir.5.1": Recipe("x = torch.zeros(1, 1, n, n)\nfor _ in range(L):\n    x = F.conv2d(x, torch.zeros(1, 1, k, k), padding=p)\n"  # noqa: E501 (generated code, kept on one line as it runs)
                         "return {'output_size': x.shape[-1], 'same': 'yes' if x.shape[-1] == n else 'no'}"),
    "devoir.5.3": Recipe("return {'rf': rf_side([nn.Conv2d(1, 1, k) for _ in range(L)], L * k + 2)}"),
    "tp-cnn.10": Recipe(
        "convs = [nn.Conv2d(c, c1, k, padding=k // 2), nn.Conv2d(c1, c2, k, padding=k // 2), nn.Conv2d(c2, c3, k, padding=k // 2)]\n"  # noqa: E501 (generated code, kept on one line as it runs)
        "x, out = torch.zeros(1, c, n, n), {}\n"
        "for i, conv in enumerate(convs, 1):\n"
        "    x = conv(x); out[f'conv{i}.shape'], out[f'conv{i}.params'] = (x.shape[2], x.shape[3], x.shape[1]), n_params(conv)\n"
        "    x = F.max_pool2d(x, f); out[f'pool{i}.shape'], out[f'pool{i}.params'] = (x.shape[2], x.shape[3], x.shape[1]), 0\n"
        "fc4, fc5 = nn.Linear(x.flatten(1).shape[1], hidden), nn.Linear(hidden, classes)\n"
        "out.update({'fc4.shape': (hidden,), 'fc4.params': n_params(fc4), 'fc5.shape': (classes,), 'fc5.params': n_params(fc5)})\n"  # noqa: E501 (generated code, kept on one line as it runs)
        "return out  # shapes written (H, W, C)"),
    "tp-cnn.11": Recipe(
        "convs = [nn.Conv2d(c, c1, k, padding=k // 2), nn.Conv2d(c1, c2, k, padding=k // 2), nn.Conv2d(c2, c3, k, padding=k // 2)]\n"  # noqa: E501 (generated code, kept on one line as it runs)
        "x = torch.zeros(1, c, n, n)\nfor conv in convs:\n    x = F.max_pool2d(conv(x), f)\n"
        "return {'total': n_params(*convs, nn.Linear(x.flatten(1).shape[1], hidden), nn.Linear(hidden, classes))}"),
    "cours-intro.layer-sizes": Recipe(
        "conv1, conv2 = nn.Conv2d(c, f1, k), nn.Conv2d(f1, f2, k)\n"
        "y1 = conv1(torch.zeros(1, c, n, n)); y2 = conv2(y1); y3 = F.max_pool2d(y2, pool)\n"
        "hwc = lambda t: (t.shape[2], t.shape[3], t.shape[1])  # shapes written (H, W, C)\n"
        "return {'layer1.shape': hwc(y1), 'layer1.params': n_params(conv1), 'layer2.shape': hwc(y2),\n"
        "        'layer2.params': n_params(conv2), 'layer3.shape': hwc(y3), 'layer3.params': 0}"),
    "cours-intro.forward": Recipe(_SMALL_NET + "return {'h1': h[0], 'h2': h[1], 'o1': o1}"),
    "cours-intro.ce-loss": Recipe(_SMALL_NET + "return {'loss': loss}"),
    "cours-intro.backprop": Recipe(_SMALL_NET + "return grads"),
    "cours-intro.sgd-step": Recipe(_SMALL_NET + _SGD),
    "tp-cnn.1": Recipe(
        "if k > min(x, y) + 2 * p:\n    raise ValueError('kernel too large')\n"
        "conv = nn.Conv2d(z, 1, k, stride=s, padding=p)\nout = conv(torch.zeros(1, z, x, y))\n"
        "oh, ow = out.shape[2], out.shape[3]\n"
        "return {'output_shape': (oh, ow, 1), 'weights': n_params(conv), 'fc_weights': n_params(nn.Linear(x * y * z, oh * ow))}",
        {"x": (5, 8), "y": (6,), "z": (1, 3), "k": (1, 3), "p": (0, 1), "s": (1, 2)}),
}
RECIPES.update({
    "tp-cnn.9": Recipe(
        "for pad, stride in itertools.product(range(f // 2 + 1), range(1, f + 2)):  # the geometry halving sizes\n"
        "    if all(F.max_pool2d(torch.zeros(1, 1, n, n), f, stride, pad).shape[-1] == n // f for n in (4 * f, 6 * f)):\n"
        "        return {'padding': pad, 'stride': stride}\n"
        "raise ValueError('no geometry divides the size')"),
    "devoir.4.2": Recipe(
        "def runs(model, n):\n"
        "    try:\n        model(torch.zeros(1, 1, n, n))\n        return True\n"
        "    except RuntimeError:  # an input too small for a layer, or of the wrong length for a dense layer\n"
        "        return False\n\n"
        "net = nn.Sequential(nn.Conv2d(1, 4, k), nn.ReLU(), nn.Conv2d(4, 4, k), nn.ReLU(), nn.AdaptiveAvgPool2d(1),\n"
        "                    nn.Flatten(), nn.Linear(4, fc), nn.Linear(fc, 1))\n"
        "smallest = next(n for n in range(1, 10 * k) if runs(net, n))\n"
        "mlp = nn.Sequential(nn.Flatten(), nn.Linear(smallest ** 2, fc), nn.Linear(fc, 1))\n"
        "yes_no = lambda b: 'yes' if b else 'no'\n"
        "return {'variable_size': yes_no(runs(net, smallest + 5)), 'min_size': smallest,\n"
        "        'mlp_variable': yes_no(runs(mlp, smallest + 5))}"),
    "devoir.4.3": Recipe(
        "g = torch.Generator().manual_seed(0)\n"
        "w, x = torch.randn(k, k, generator=g), torch.randn(i, i, generator=g)\n"
        "conv = lambda v: F.conv2d(v.reshape(1, 1, i, i), w[None, None], stride=s, padding=p, dilation=d)[0, 0]\n"
        "A = torch.autograd.functional.jacobian(lambda v: conv(v).flatten(), x.flatten())\n"
        "return {'Z': conv(x), 'A': A, 'given': {'w': w, 'x': x}}", given="w|x"),
    "devoir.4.4": Recipe(
        "g = torch.Generator().manual_seed(0)\n"
        "w, x, x2 = torch.randn(k, k, generator=g), torch.randn(i, i, generator=g), torch.randn(i, i, generator=g)\n"
        "tconv = lambda v: F.conv_transpose2d(v.reshape(1, 1, i, i), w[None, None], stride=s, padding=p,\n"
        "                                     output_padding=op, dilation=d)[0, 0]\n"
        "A = torch.autograd.functional.jacobian(lambda v: tconv(v).flatten(), x.flatten())\n"
        "linear = torch.allclose(tconv(2 * x - 3 * x2), 2 * tconv(x) - 3 * tconv(x2))\n"
        "return {'O': tconv(x), 'A': A, 'linear': 'yes' if linear else 'no', 'given': {'w': w, 'x': x}}",
        given="w|x"),
    "td2.I.3": Recipe(
        "a = torch.randn(K, generator=torch.Generator().manual_seed(0))\n"
        "s = torch.softmax(a, 0)\n"
        "A = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), a).T  # A[i, j] = ds_j / da_i\n"
        "i, j = torch.meshgrid(torch.arange(K), torch.arange(K), indexing='ij')\n"
        "given = {'s': s, 'i': i, 'j': j, **{f's_{n + 1}': s[n] for n in range(K)}}\n"
        "return {'A': A, 'given': given}", {"K": (2, 3, 5)}, given=r"s|i|j|s_\d+"),
    "td2.I.4": Recipe(
        "a = torch.randn(K, generator=torch.Generator().manual_seed(0), requires_grad=True)\n"
        "t = F.one_hot(torch.tensor(y - 1), K).double()  # classes numbered from 1\n"
        "s = torch.softmax(a, 0)\n"
        "s_leaf = s.detach().requires_grad_(True)\n"
        "(-(t * torch.log(s_leaf)).sum()).backward()  # with respect to s\n"
        "(-(t * torch.log(s)).sum()).backward()  # with respect to a, through the softmax\n"
        "return {'dC_ds': s_leaf.grad, 'dC_da': a.grad, 'given': {'s_k': s.detach(), 't_k': t}}",
        {"K": (3, 5), "y": (1, 2)}, given="s_k|t_k"),
    "td2.IV": Recipe(
        "if k > d:\n    raise ValueError('kernel larger than the image')\n"
        "g = torch.Generator().manual_seed(0)\n"
        "X, W = torch.randn(d, d, generator=g), torch.randn(k, k, generator=g)\n"
        "conv = lambda w: F.conv2d(X[None, None], w[None, None], stride=s)[0, 0]\n"
        "J = torch.autograd.functional.jacobian(conv, W)  # J[i, j, u, v] = dY_ij / dW_uv\n"
        "o = J.shape[0]\n"
        "i, j, u, v = torch.meshgrid(torch.arange(o), torch.arange(o), torch.arange(k), torch.arange(k), indexing='ij')\n"
        "return {'dY_dW': J, 'given': {'X': X, 'i': i, 'j': j, 'u': u, 'v': v}}",
        {"d": (4, 6), "k": (1, 2, 3)}, given="X|i|j|u|v"),
    "td2.I.1": Recipe(
        "# the sheet's g is any activation: softplus stands in for it\n"
        "act = {'g': F.softplus, 'identity': lambda u: u, 'sigmoid': torch.sigmoid, 'tanh': torch.tanh, 'relu': torch.relu}[g]\n"
        "gen = torch.Generator().manual_seed(0)\n"
        "a = torch.randn(4, generator=gen, requires_grad=True)\n"
        "y = F.one_hot(torch.tensor(2), 4).double()\n"
        "((act(a) - y) ** 2).sum().backward()  # C_Q, differentiated by autograd\n"
        "return {'dC_da': a.grad, 'given': {'g': act, 'a_k': a.detach(), 'y_k': y}}", given="g|a_k|y_k"),
})
RECIPES.update(DEVOIR_RECIPES)
RECIPES["td2.III.2b"] = RECIPES["td2.III.2a"]
RECIPES["td2.III.3b"] = RECIPES["td2.III.3a"]
