"""Inference-only modules produced by :func:`micronet_mm.deploy.fuse`.

They hold folded weights (norms, channel permutations and factorised
kernels merged in) and have no training behaviour: there are no norm layers
and no parameters meant to be trained, and ``train()`` does not change what
they compute.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


def _exporting() -> bool:
    """True while tracing / exporting, when shape-dependent Python caches
    must not be baked into the graph."""
    return torch.jit.is_tracing() or torch.jit.is_scripting() or \
        torch.onnx.is_in_onnx_export()


class DeployConv2d(nn.Module):
    """Convolution with everything around it folded in, plus an optional
    border correction and activation.

    A merged ``k x 1`` + ``1 x k`` pair computes ``conv(x) + bias + E``
    where ``E[o, w]`` is the inner (vertical) conv's bias pushed through the
    horizontal kernel: ``sum_b edge[o, b] * valid(w, b)``. Away from the
    left/right borders every tap is valid and ``E`` is a constant folded into
    ``bias``; in the first and last few output columns some taps fall on the
    zero padding of the intermediate map, and ``delta[o, w] = -sum over the
    padded taps`` must be added there. In eager mode only those columns are
    touched; while exporting, the correction is computed in the graph from a
    row of ones so that it follows a dynamic input width (onnxruntime folds
    it to a constant when the shape is static).

    Args:
        conv (nn.Module): The convolution, bias included: an
            ``nn.Conv2d`` or a :class:`ConcatConv2d`.
        edge (Tensor, optional): ``(C_out, 1, 1, k)`` horizontal kernel times
            the inner bias. None means no correction.
        act (nn.Module, optional): Activation applied last.

    Shape:
        Input (N, C_in, H, W), output (N, C_out, H', W').
    """

    def __init__(self,
                 conv: nn.Module,
                 edge: Optional[torch.Tensor] = None,
                 act: Optional[nn.Module] = None):
        super().__init__()
        self.conv = conv
        self.act = act
        # horizontal geometry of the conv, for the border correction
        self.edge_geometry = (int(conv.stride[1]), int(conv.padding[1]),
                              int(conv.dilation[1]))
        if edge is not None:
            self.register_buffer('edge', edge.clone(), persistent=False)
            # the interior value of E lives in the conv bias
            self.register_buffer(
                'edge_sum', edge.sum((1, 2, 3)).view(1, -1, 1, 1),
                persistent=False)
        else:
            self.edge = None
        self._delta_cache: Dict[tuple, Tuple[int, torch.Tensor, int,
                                             torch.Tensor]] = {}

    def _edge_row(self, ones: torch.Tensor) -> torch.Tensor:
        """``delta`` for every output column, (1, C_out, 1, W_out)."""
        stride, padding, dilation = self.edge_geometry
        full = F.conv2d(
            ones,
            self.edge.to(ones.dtype),
            stride=(1, stride),
            padding=(0, padding),
            dilation=(1, dilation))
        return full - self.edge_sum.to(ones.dtype)

    def _edge_slices(self, width: int, ref: torch.Tensor):
        """Border columns and their ``delta`` for an input ``width``.

        ``delta[o, w] = -sum of edge[o, t]`` over the taps ``t`` of output
        column ``w`` that fall on the padding, computed from the geometry
        so that interior columns are exactly zero and are never touched.
        """
        key = (width, ref.dtype, ref.device)
        cached = self._delta_cache.get(key)
        if cached is None:
            stride, padding, dilation = self.edge_geometry
            taps = self.edge.shape[-1]
            w_out = (width + 2 * padding - dilation *
                     (taps - 1) - 1) // stride + 1
            cols = torch.arange(w_out).view(-1, 1) * stride - padding + \
                torch.arange(taps).view(1, -1) * dilation
            padded = ((cols < 0) | (cols >= width)).to(self.edge.dtype)
            delta = -(self.edge[:, 0, 0, :] @ padded.t())  # (C_out, W_out)
            rows = padded.sum(1) > 0
            left = [i for i in range(w_out) if rows[i] and i < w_out // 2]
            n_left = max(left) + 1 if left else 0
            right = [i for i in range(w_out) if rows[i] and i >= n_left]
            start = min(right) if right else w_out
            delta = delta.to(device=ref.device, dtype=ref.dtype)
            cached = (n_left, delta[:, None, :n_left].contiguous(), start,
                      delta[:, None, start:].contiguous())
            self._delta_cache[key] = cached
        return cached

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        if self.edge is not None:
            if _exporting():
                ones = torch.ones_like(x[:1, :1, :1, :])
                out = out + self._edge_row(ones)
            else:
                n_left, left, start, right = self._edge_slices(
                    x.shape[-1], out)
                if n_left:
                    out[..., :n_left] += left
                if start < out.shape[-1]:
                    out[..., start:] += right
        if self.act is not None:
            out = self.act(out)
        return out

    def _apply(self, fn, *args, **kwargs):
        self._delta_cache = {}
        return super()._apply(fn, *args, **kwargs)


class BatchedPointwise(nn.Module):
    """A (grouped) 1x1 convolution as one batched matrix product.

    PyTorch's CPU convolution runs a grouped 1x1 conv as one slow-path call
    per group; ``baddbmm`` / ``matmul`` over a ``(groups, C_in/g, H*W)`` view
    does all groups in one GEMM call, several times faster for MicroNet's
    small groups.

    Args:
        weight (Tensor): ``(C_out, C_in / groups, 1, 1)`` conv weight.
        bias (Tensor, optional): ``(C_out,)``.
        groups (int): Conv groups.

    Shape:
        Input (N, C_in, H, W), output (N, C_out, H, W).
    """

    def __init__(self, weight: torch.Tensor, bias: Optional[torch.Tensor],
                 groups: int):
        super().__init__()
        cout, cin_g = weight.shape[:2]
        self.groups = groups
        self.in_channels = cin_g * groups
        self.out_channels = cout
        self.weight = nn.Parameter(
            weight.detach().reshape(groups, cout // groups, cin_g).clone(),
            requires_grad=False)
        bias = weight.new_zeros(cout) if bias is None else bias.detach()
        self.bias = nn.Parameter(
            bias.reshape(groups, cout // groups, 1).clone(),
            requires_grad=False)
        # geometry read by DeployConv2d (no border correction for 1x1)
        self.stride, self.padding, self.dilation = (1, 1), (0, 0), (1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        g = self.groups
        if not _exporting() and n == 1:
            out = torch.baddbmm(self.bias, self.weight,
                                x.reshape(g, self.in_channels // g, h * w))
        else:
            out = torch.matmul(
                self.weight,
                x.reshape(n, g, self.in_channels // g, h * w)) + self.bias
        return out.reshape(n, self.out_channels, h, w)

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, '
                f'groups={self.groups}')


class ConcatConv2d(nn.Module):
    """Several convs on the same input, outputs concatenated on channels.

    A depthwise conv with channel multiplier ``m`` (each input channel feeds
    ``m`` outputs) runs in onnxruntime as a generic grouped conv, one small
    im2col + GEMM per channel; ``m`` plain depthwise convs (multiplier 1)
    use its fast depthwise kernels instead. The concatenation is
    ``t``-major, which the caller records as a channel order.

    Args:
        convs (list[nn.Conv2d]): Convs with equal geometry.
    """

    def __init__(self, convs: List[nn.Conv2d]):
        super().__init__()
        self.convs = nn.ModuleList(convs)
        first = convs[0]
        self.stride, self.padding, self.dilation = (first.stride,
                                                    first.padding,
                                                    first.dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([conv(x) for conv in self.convs], 1)


class DeployGather(nn.Module):
    """``x[:, index]`` (only emitted where a permutation cannot be folded).

    Args:
        index (Tensor): Long tensor of shape (C,).
    """

    def __init__(self, index: torch.Tensor):
        super().__init__()
        self.register_buffer('index', index.clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.index)


class _ShiftMaxKernel(torch.autograd.Function):
    """Shift-Max exported as one ``micronet_mm::ShiftMax`` node, which the
    compiled kernel implements (:mod:`micronet_mm.deploy.kernels`).

    ``out`` is the stock form's result, which tracing needs; the node does
    not read it, so the stock operations leave the graph (as do ``coefs``'
    when the ``hyper`` parameters are given: the node then computes the
    coefficients from the map itself).
    """

    @staticmethod
    def forward(ctx, out, x, coefs, scale, index, fusions, channels_last,
                *hyper):
        return out.clone()

    @staticmethod
    def symbolic(g, out, x, coefs, scale, index, fusions, channels_last,
                 *hyper):
        to_last, to_first = [0, 2, 3, 1], [0, 3, 1, 2]
        if channels_last:
            x = g.op('Transpose', x, perm_i=to_last)
            if scale is not None:
                scale = g.op('Transpose', scale, perm_i=to_last)
        inputs = [x] + (list(hyper) if hyper else [coefs]) + (
            [] if scale is None else [scale])
        out = g.op('micronet_mm::ShiftMax', *inputs, fusions_i=fusions,
                   index_i=index, channels_last_i=int(channels_last),
                   hyper_i=int(bool(hyper)))
        if channels_last:
            out = g.op('Transpose', out, perm_i=to_first)
        return out


class DeployShiftMax(nn.Module):
    """Dynamic / Static Shift-Max in inference form.

    Differences from the training form (same function):

    * the input may be stored in any channel order: the shift indices, the
      hyper-function's first layer columns and last layer rows are permuted
      accordingly, so no data moves to undo a channel permutation;
    * the ``(h_sigmoid(z) - 0.5) * 2 * range`` rescale and the offsets are
      folded into the last linear layer and the clamp bounds, leaving
      ``clamp(z, offset - range, offset + range)``;
    * the ``J - 1`` shifted copies are gathered once each and combined with
      fused multiply-adds (no per-coefficient slicing);
    * a static Shift-Max keeps its coefficients as a constant.

    Args:
        num_fusions (int): ``K``.
        shift_indices (list[Tensor]): Physical gather index of each shift
            ``j = 1 .. J-1``.
        coefficients (Tensor, optional): Static coefficients (K*J*C,).
        fc1_weight, fc1_bias, fc2_weight, fc2_bias (Tensor, optional): The
            hyper-function of a dynamic Shift-Max (fc2 already rescaled).
        coef_range (float): Clamp bound of the rescaled dynamic part.
        offset (Tensor, optional): (K*J*C,) offsets of the dynamic variant.
        spatial (nn.Module, optional): Spatial attention (physical order).
        kernel (str, optional): ``'nchw'`` / ``'nhwc'``: export as one
            ``micronet_mm::ShiftMax`` node working in that layout (the
            compiled kernel of :mod:`micronet_mm.deploy.kernels`); None:
            stock operators.

    Shape:
        Input (N, C, H, W), output (N, C, H, W).
    """

    def __init__(self,
                 num_fusions: int,
                 shift_indices: List[torch.Tensor],
                 coefficients: Optional[torch.Tensor] = None,
                 fc1_weight: Optional[torch.Tensor] = None,
                 fc1_bias: Optional[torch.Tensor] = None,
                 fc2_weight: Optional[torch.Tensor] = None,
                 fc2_bias: Optional[torch.Tensor] = None,
                 coef_range: float = 2.0,
                 offset: Optional[torch.Tensor] = None,
                 spatial: Optional[nn.Module] = None,
                 kernel: Optional[str] = None):
        super().__init__()
        self.num_fusions = num_fusions
        self.num_shifts = len(shift_indices) + 1
        self.channels = None
        for j, index in enumerate(shift_indices, 1):
            self.register_buffer(f'shift_index{j}', index.clone(),
                                 persistent=False)
            self.channels = index.numel()
        self.dynamic = coefficients is None
        if self.dynamic:
            dtype = fc1_weight.dtype
            self.fc1 = nn.Linear(
                fc1_weight.shape[1], fc1_weight.shape[0], dtype=dtype)
            self.fc2 = nn.Linear(
                fc2_weight.shape[1], fc2_weight.shape[0], dtype=dtype)
            with torch.no_grad():
                self.fc1.weight.copy_(fc1_weight)
                self.fc1.bias.copy_(fc1_bias)
                self.fc2.weight.copy_(fc2_weight)
                # clamp(z, -r, r) + o == clamp(z + o, o - r, o + r): the
                # offsets move into the bias and the clamp bounds, one op
                # less per Shift-Max
                self.fc2.bias.copy_(fc2_bias + offset)
            self.coef_range = float(coef_range)
            self.register_buffer(
                'coef_min', offset - coef_range, persistent=False)
            self.register_buffer(
                'coef_max', offset + coef_range, persistent=False)
            self.channels = fc1_weight.shape[1]
        else:
            self.register_buffer('static_coefficients', coefficients.clone(),
                                 persistent=False)
            self.channels = coefficients.numel() // (
                num_fusions * self.num_shifts)
        self.spatial = spatial
        # eager PyTorch always runs the stock form
        self.kernel = kernel
        # the node's index attribute (flat ints), only for kernel exports
        self.kernel_index = [
            int(i) for s in range(1, self.num_shifts)
            for i in getattr(self, f'shift_index{s}')
        ] if kernel is not None else []

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """(N, K*J*C) coefficients, or (1, K*J*C) for the static variant."""
        if not self.dynamic:
            return self.static_coefficients.view(1, -1)
        z = self.fc2(F.relu(self.fc1(x.mean((2, 3)))))
        return torch.clamp(z, self.coef_min, self.coef_max)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, j = self.num_fusions, self.num_shifts
        c = self.channels
        z = self.coefficients(x)
        shifted = [x] + [
            x.index_select(1, getattr(self, f'shift_index{s}'))
            for s in range(1, j)
        ]
        if _exporting() or torch.is_grad_enabled():
            # one Split, no per-coefficient Gather/Squeeze in the graph
            coefs = torch.split(z.reshape(-1, k * j * c, 1, 1), c, dim=1)
            out = None
            for kk in range(k):
                fused = shifted[0] * coefs[kk * j]
                for s in range(1, j):
                    fused = fused + shifted[s] * coefs[kk * j + s]
                out = fused if out is None else torch.maximum(out, fused)
        else:
            # in-place fused multiply-adds: one kernel per term
            coefs = z.view(-1, k * j, c, 1, 1).unbind(1)
            out = None
            for kk in range(k):
                fused = shifted[0] * coefs[kk * j]
                for s in range(1, j):
                    fused.addcmul_(shifted[s], coefs[kk * j + s])
                if out is None:
                    out = fused
                else:
                    torch.maximum(out, fused, out=out)
        scale = None if self.spatial is None else self.spatial(x)
        if scale is not None:
            out = out * scale
        if self.kernel is not None and _exporting():
            # a dynamic Shift-Max hands its hyper-function to the node
            hyper = (self.fc1.weight, self.fc1.bias, self.fc2.weight,
                     self.fc2.bias, self.coef_min,
                     self.coef_max) if self.dynamic else ()
            return _ShiftMaxKernel.apply(out, x, z.expand(x.shape[0], -1),
                                         scale, self.kernel_index, k,
                                         self.kernel == 'nhwc', *hyper)
        return out

    def extra_repr(self) -> str:
        return (f'channels={self.channels}, K={self.num_fusions}, '
                f'J={self.num_shifts}, dynamic={self.dynamic}')


class DeploySequential(nn.Sequential):
    """Modules applied in order, plus the input when ``residual``.

    Args:
        modules (list[nn.Module]): The layers.
        residual (bool): Add the input to the output. Defaults to False.
    """

    def __init__(self, modules: List[nn.Module], residual: bool = False):
        super().__init__(*modules)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for module in self:
            out = module(out)
        if self.residual:
            if _exporting() or torch.is_grad_enabled():
                out = out + x
            else:
                out += x
        return out

    def extra_repr(self) -> str:
        return f'residual={self.residual}'
