"""Notebook recipes of the sheet `devoir` (mostly derivations: keys that are formulas, limits, O(r)).

Kept outside the sheet's folder, whose modules the registry imports on every command.

Each recipe draws concrete values for what the key leaves as symbols (an input x, weights w, a
function g), returns them under ``"given"`` so that the notebook evaluates the key there, and
computes the same quantity its own way with torch: a module, a library function, autograd.
Arrays a key numbers from 1 are given through `from_one` (prelude of `solver.export.torch_code`).
"""

from solver.export.torch_code import Recipe

# f smooth and not quadratic, its gradient g by autograd (differentiable again), H v exact by double
# backpropagation: what the finite difference and the R-operator estimate
_HESSIAN = '''\
gen = torch.Generator().manual_seed(0)
A = torch.randn(3, 3, generator=gen)
w, v = torch.randn(3, generator=gen), torch.randn(3, generator=gen)

def f(u):
    return torch.logsumexp(A @ u, 0) + (u ** 4).sum() / 4

def grad_f(u):
    u = u if u.requires_grad else u.detach().requires_grad_(True)
    return torch.autograd.grad(f(u), u, create_graph=True)[0]

Hv = torch.autograd.functional.hvp(f, w, v)[1]
'''

_SWISH = '''\
x = torch.linspace(-5, 5, 1000)  # no x = 0, where beta = inf would give 0 * inf
h = lambda beta, u: u * torch.sigmoid(beta * u)
gap = lambda beta: float((h(beta, x) - torch.relu(x)).abs().max())
betas = [1.0, 10.0, 100.0, math.inf]
print('beta * gap to ReLU:', [round(beta * gap(beta), 4) for beta in betas[:-1]])  # the gap shrinks as 1/beta
relu_beta = next(beta for beta in betas if gap(beta) == 0)
# h is linear when it equals its tangent at 0 (slope by autograd) on the whole grid
linear = [float(beta) for beta in torch.arange(-20, 21) / 10
          if (h(beta, x) - derivative(lambda u: h(beta, u), 0.0) * x).abs().max() < 1e-12]
assert len(linear) == 1, linear
return {'relu_beta': relu_beta, 'linear_beta': linear[0], 'linear_h': h(linear[0], x), 'given': {'x': x}}
'''

_KINKS = '''\
if beta >= alpha:
    raise ValueError('the kinks come in the order beta < alpha')
# h integrated from its slopes (-b, 0, a) by the midpoint rule on a grid with both kinks on it,
# then shifted to be 0 between the kinks
n = round(64 * (alpha - beta + 4))
x = beta - 2 + torch.arange(n + 1) / 64
mid = (x[1:] + x[:-1]) / 2
slope = torch.where(mid >= alpha, a, torch.where(mid <= beta, -b, 0.0))
h = torch.cat([torch.zeros(1), torch.cumsum(slope / 64, 0)])
h = h - h[torch.argmin((x - (alpha + beta) / 2).abs())]
return {'h': h, 'given': {'x': x}}
'''

_LOG_SOFTMAX = '''\
u = torch.tensor(x[0], dtype=torch.float64)
print('naive log(exp(x_i) / sum_j exp(x_j)):', torch.log(torch.exp(u) / torch.exp(u).sum()))  # overflows
return {'log_softmax': torch.log_softmax(u, 0),
        'given': {'x': from_one(u), 'm': u.max(), 'i': torch.arange(1, len(u) + 1), 'd': len(u)}}
'''

_MIXTURE = '''\
gen = torch.Generator().manual_seed(0)
W, u = torch.randn(K, d, generator=gen), torch.randn(d, generator=gen)
pi = torch.softmax(torch.randn(K, generator=gen), 0)  # non-negative, summing to 1
net = nn.Sequential(nn.Linear(d, K, bias=False), nn.Sigmoid(), nn.Linear(K, 1, bias=False))
with torch.no_grad():
    net[0].weight.copy_(W)
    net[2].weight.copy_(pi[None])
    p = net(u)[0]
return {'p': p, 'given': {'w': from_one(W), 'x': from_one(u), 'pi': from_one(pi)}}
'''

_NEWTON = '''\
gen = torch.Generator().manual_seed(0)
w, g, H = torch.randn((), generator=gen), torch.randn((), generator=gen), torch.rand((), generator=gen) + 0.5
model = lambda u: (u - w) * g + H * (u - w) ** 2 / 2  # the quadratic model, one dimension, H > 0
u = w.clone().requires_grad_(True)
step = torch.optim.SGD([u], lr=0.1)  # plain gradient descent on the model, gradients by autograd
for _ in range(500):
    step.zero_grad()
    model(u).backward()
    step.step()
return {'w_next': u.detach(), 'given': {'w': w, 'g': g, 'H': H}}
'''

_CORNERS = '''\
def corner_sees_opposite(residual):
    """Does the output's corner depend on the input's opposite corner? Weights 1, biases 0 and a positive
    input, so that every ReLU lets the gradient through: a zero gradient means no path."""
    convs = [nn.Conv2d(1, 1, k, padding=k // 2) for _ in range(L)]
    with torch.no_grad():
        for conv in convs:
            conv.weight.fill_(1.0)
            conv.bias.zero_()
    x = torch.ones(1, 1, m, m, requires_grad=True)
    h = x
    for n, conv in enumerate(convs):
        out = torch.relu(conv(h))
        h = out + h if residual and n == 1 else out  # the skip goes round the second convolution
    h[0, 0, 0, 0].backward()
    return bool(x.grad[0, 0, m - 1, m - 1] != 0)


yes_no = lambda b: 'yes' if b else 'no'
plain, skip = corner_sees_opposite(False), corner_sees_opposite(True)
return {'perfect_accuracy': yes_no(plain), 'residual_changes': yes_no(plain != skip)}
'''

RECIPES = {
    "devoir.1.1": Recipe(_SWISH, given="x"),
    "devoir.1.2": Recipe(_KINKS, {"a": (2, -1), "b": (3, -2), "alpha": (1, 5 / 2), "beta": (-1, 2)}, given="x"),
    "devoir.1.4": Recipe(_LOG_SOFTMAX, given="x|m|i|d"),
    "devoir.2": Recipe(_MIXTURE, {"K": (1, 3), "d": (1, 4)}, given="w|x|pi"),
    "devoir.3.1": Recipe(_NEWTON, given="w|g|H"),
    "devoir.3.3": Recipe(_HESSIAN + "return {'Hv': Hv, 'given': {'g': grad_f, 'w': w, 'v': v, 'r': 1e-6}}",
                         given="g|w|v|r"),
    "devoir.3.4": Recipe(_HESSIAN + "# the error of the finite-difference estimate, as a function of the step r\n"
                         "return {'error': lambda r: ((grad_f(w + r * v) - grad_f(w)) / r - Hv).norm()}"),
    "devoir.5.4": Recipe(_CORNERS),
    "devoir.3.6": Recipe(_HESSIAN + "return {'Hv': Hv, 'given': {'g': grad_f, 'w': w, 'v': v}}", given="g|w|v"),
}
