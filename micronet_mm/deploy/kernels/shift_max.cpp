// Dynamic Shift-Max in one pass, as an OpenVINO operation.
//
// y[n, c] = scale[n] * max_k sum_j coef[n, k, j, c] * x[n, index[j][c]]
// with index[0][c] = c (the unshifted map) and index[j >= 1] the j-th group
// shift in the physical channel order of the fused model.  The stock-operator
// form of the same function reads and writes the feature map about eight
// times (Gather, 2K*J Mul/Add, Max, then the layout reorders around each);
// this kernel reads the map once and writes it once.
//
// With hyper = 1 the coefficients are computed here too, from the map's
// mean: a = clamp(W2 relu(W1 mean(x) + b1) + b2, lo, hi), so a whole
// Dynamic Shift-Max is one node that reads the map twice and writes it once
// (a runtime's per-node cost is paid once, not for the six small nodes of
// the hyper-function).
//
// Inputs:  x (N, C, spatial...) f32, or (N, spatial..., C) when
//          channels_last; then either coef (N or 1, K*J*C) f32, k-major
//          then j (hyper = 0), or W1 (S, C), b1 (S), W2 (K*J*C, S),
//          b2, lo, hi (K*J*C) (hyper = 1); optional last input scale, x's
//          shape with C = 1 (the keypoint head's spatial attention).
// Output:  x's shape, f32.
// Attributes: fusions (K); index ((J-1)*C channel indices, shift-major);
//          channels_last (0/1); hyper (0/1).  The CPU plugin keeps MicroNet's maps
//          channels-last, so the exporter wraps a channels_last op in two
//          transposes that cancel against that layout and copy nothing.
#include <algorithm>
#include <memory>
#include <vector>

#include "openvino/core/extension.hpp"
#include "openvino/core/op_extension.hpp"
#include "openvino/core/parallel.hpp"
#include "openvino/frontend/onnx/extension/op.hpp"
#include "openvino/op/op.hpp"

namespace micronet_mm {

// The shifted channel index of MicroNet is a few long contiguous runs (one
// per channel group, whatever permutation the fused model folded in), so a
// channels-last pixel reads its shifted copy as runs of plain vector loads,
// not as a gather.
struct Run {
    int dst, src, len;
};

static std::vector<Run> index_runs(const std::vector<int64_t>& index, size_t channels) {
    std::vector<Run> runs;
    for (size_t c = 0; c < channels; ++c) {
        const int src = static_cast<int>(index[c]);
        if (!runs.empty() && runs.back().src + runs.back().len == src)
            ++runs.back().len;
        else
            runs.push_back({static_cast<int>(c), src, 1});
    }
    return runs;
}

// One channels-last pixel of MicroNet's J = K = 2 Shift-Max.
static inline void pixel_j2k2(const float* __restrict row, const std::vector<Run>& runs,
                              const float* __restrict a, float* __restrict out, float scale, int chans) {
    for (const Run& run : runs) {
        const float* __restrict x = row + run.dst;
        const float* __restrict shifted = row + run.src;
        const float* __restrict a00 = a + run.dst;
        const float* __restrict a01 = a00 + chans;
        const float* __restrict a10 = a00 + 2 * chans;
        const float* __restrict a11 = a00 + 3 * chans;
        float* __restrict y = out + run.dst;
        for (int c = 0; c < run.len; ++c) {
            const float u = a00[c] * x[c] + a01[c] * shifted[c];
            const float v = a10[c] * x[c] + a11[c] * shifted[c];
            y[c] = (u > v ? u : v) * scale;
        }
    }
}

// One channel plane of the J = K = 2 Shift-Max (channels-first layout).
static inline void plane_j2k2(const float* __restrict x, const float* __restrict shifted, float a00, float a01,
                              float a10, float a11, const float* __restrict scale, float* __restrict out,
                              size_t plane) {
    for (size_t p = 0; p < plane; ++p) {
        const float u = a00 * x[p] + a01 * shifted[p];
        const float v = a10 * x[p] + a11 * shifted[p];
        out[p] = (u > v ? u : v) * (scale ? scale[p] : 1.f);
    }
}

class ShiftMax : public ov::op::Op {
public:
    OPENVINO_OP("ShiftMax");

    ShiftMax() = default;

    ShiftMax(const ov::OutputVector& args,
             int64_t fusions,
             std::vector<int64_t> index,
             int64_t channels_last,
             int64_t hyper)
        : Op(args),
          fusions_(fusions),
          index_(std::move(index)),
          channels_last_(channels_last),
          hyper_(hyper) {
        constructor_validate_and_infer_types();
    }

    void validate_and_infer_types() override {
        const auto inputs = get_input_size();
        const size_t base = hyper_ ? 7 : 2;
        NODE_VALIDATION_CHECK(this, inputs == base || inputs == base + 1,
                              hyper_ ? "ShiftMax(hyper=1) takes x, W1, b1, W2, b2, lo, hi[, scale]; got "
                                     : "ShiftMax takes x, coef[, scale]; got ",
                              inputs, " inputs");
        NODE_VALIDATION_CHECK(this, fusions_ >= 1, "ShiftMax needs fusions >= 1, got ", fusions_);
        NODE_VALIDATION_CHECK(this, get_input_element_type(0) == ov::element::f32,
                              "ShiftMax runs in float32; x is ", get_input_element_type(0));
        set_output_type(0, get_input_element_type(0), get_input_partial_shape(0));
    }

    std::shared_ptr<ov::Node> clone_with_new_inputs(const ov::OutputVector& new_args) const override {
        return std::make_shared<ShiftMax>(new_args, fusions_, index_, channels_last_, hyper_);
    }

    bool visit_attributes(ov::AttributeVisitor& visitor) override {
        visitor.on_attribute("fusions", fusions_);
        visitor.on_attribute("index", index_);
        visitor.on_attribute("channels_last", channels_last_);
        visitor.on_attribute("hyper", hyper_);
        return true;
    }

    bool has_evaluate() const override {
        return get_input_element_type(0) == ov::element::f32;
    }

    bool evaluate(ov::TensorVector& outputs, const ov::TensorVector& inputs) const override {
        const ov::Shape shape = inputs[0].get_shape();
        if (shape.size() < 2)
            return false;
        const size_t batch = shape[0];
        const size_t channels = channels_last_ ? shape.back() : shape[1];
        const size_t plane = ov::shape_size(shape) / (batch * channels);
        const size_t fusions = static_cast<size_t>(fusions_);
        if (channels == 0 || index_.size() % channels)
            return false;
        const size_t shifts = index_.size() / channels + 1;
        const size_t per_sample = fusions * shifts * channels;
        std::vector<float> computed;
        const float* coef = nullptr;
        if (hyper_) {
            if (inputs[4].get_size() != per_sample || inputs[1].get_size() != inputs[2].get_size() * channels)
                return false;
            computed = coefficients(inputs, batch, channels, plane);
            coef = computed.data();
        } else {
            if (inputs[1].get_size() != batch * per_sample)
                return false;
            coef = inputs[1].data<const float>();
        }
        outputs[0].set_shape(shape);

        const float* src = inputs[0].data<const float>();
        const size_t scale_at = hyper_ ? 7 : 2;
        const float* scale = inputs.size() > scale_at ? inputs[scale_at].data<const float>() : nullptr;
        float* dst = outputs[0].data<float>();
        const std::vector<int32_t> index(index_.begin(), index_.end());
        const bool j2k2 = shifts == 2 && fusions == 2;
        const std::vector<Run> runs = j2k2 && channels_last_ ? index_runs(index_, channels) : std::vector<Run>();

        // one coefficient-weighted fusion term: a[k, j] * x[index_j(c)]
        auto general = [&](const float* x_of_c, auto&& shifted, const float* a, size_t stride, size_t c) {
            float best = 0.f;
            for (size_t k = 0; k < fusions; ++k) {
                float sum = a[k * shifts * stride] * x_of_c[0];
                for (size_t j = 1; j < shifts; ++j)
                    sum += a[(k * shifts + j) * stride] * shifted(j, c);
                best = k == 0 ? sum : std::max(best, sum);
            }
            return best;
        };

        if (channels_last_) {
            // blocks of pixels, so that a task amortises its scheduling
            const size_t block = 64, blocks = (plane + block - 1) / block;
            ov::parallel_for2d(batch, blocks, [&](size_t n, size_t b) {
                const float* a = coef + n * fusions * shifts * channels;
                const size_t end = std::min(plane, (b + 1) * block);
                for (size_t p = b * block; p < end; ++p) {
                    const float* row = src + (n * plane + p) * channels;
                    float* out = dst + (n * plane + p) * channels;
                    const float s = scale ? scale[n * plane + p] : 1.f;
                    if (j2k2) {
                        pixel_j2k2(row, runs, a, out, s, static_cast<int>(channels));
                        continue;
                    }
                    auto shifted = [&](size_t j, size_t c) { return row[index[(j - 1) * channels + c]]; };
                    for (size_t c = 0; c < channels; ++c)
                        out[c] = general(row + c, shifted, a + c, channels, c) * s;
                }
            });
            return true;
        }
        ov::parallel_for2d(batch, channels, [&](size_t n, size_t c) {
            const float* x = src + (n * channels + c) * plane;
            const float* a = coef + n * fusions * shifts * channels + c;
            const float* s = scale ? scale + n * plane : nullptr;
            float* out = dst + (n * channels + c) * plane;
            if (j2k2) {
                const float* shifted = src + (n * channels + index[c]) * plane;
                plane_j2k2(x, shifted, a[0], a[channels], a[2 * channels], a[3 * channels], s, out, plane);
                return;
            }
            for (size_t p = 0; p < plane; ++p) {
                auto shifted = [&](size_t j, size_t ch) {
                    return src[(n * channels + index[(j - 1) * channels + ch]) * plane + p];
                };
                out[p] = general(x + p, shifted, a, channels, c) * (s ? s[p] : 1.f);
            }
        });
        return true;
    }

private:
    int64_t fusions_ = 2;
    std::vector<int64_t> index_;
    int64_t channels_last_ = 0;
    int64_t hyper_ = 0;

    // Per-sample coefficients (N, K*J*C) from the map: mean over the
    // spatial positions, then the hyper-function's two linear layers.
    std::vector<float> coefficients(const ov::TensorVector& inputs, size_t batch, size_t channels,
                                    size_t plane) const {
        const float* src = inputs[0].data<const float>();
        std::vector<float> mean(batch * channels, 0.f);
        if (channels_last_) {
            // partial sums per thread over blocks of pixels
            const int threads = parallel_get_max_threads();
            std::vector<float> partial(static_cast<size_t>(threads) * batch * channels, 0.f);
            ov::parallel_nt(threads, [&](int ithr, int nthr) {
                size_t start = 0, end = 0;
                ov::splitter(batch * plane, nthr, ithr, start, end);
                float* acc = partial.data() + static_cast<size_t>(ithr) * batch * channels;
                for (size_t i = start; i < end; ++i) {
                    const float* row = src + i * channels;
                    float* sum = acc + (i / plane) * channels;
                    for (size_t c = 0; c < channels; ++c)
                        sum[c] += row[c];
                }
            });
            for (int t = 0; t < threads; ++t)
                for (size_t i = 0; i < batch * channels; ++i)
                    mean[i] += partial[static_cast<size_t>(t) * batch * channels + i];
        } else {
            ov::parallel_for(batch * channels, [&](size_t i) {
                const float* x = src + i * plane;
                float sum = 0.f;
                for (size_t p = 0; p < plane; ++p)
                    sum += x[p];
                mean[i] = sum;
            });
        }
        for (auto& m : mean)
            m /= static_cast<float>(plane);
        const float* w1 = inputs[1].data<const float>();
        const float* b1 = inputs[2].data<const float>();
        const float* w2 = inputs[3].data<const float>();
        const float* b2 = inputs[4].data<const float>();
        const float* lo = inputs[5].data<const float>();
        const float* hi = inputs[6].data<const float>();
        const size_t hidden = inputs[2].get_size(), outs = inputs[4].get_size();
        std::vector<float> coef(batch * outs), h(hidden);
        for (size_t n = 0; n < batch; ++n) {
            const float* m = mean.data() + n * channels;
            for (size_t s = 0; s < hidden; ++s) {
                float acc = b1[s];
                for (size_t c = 0; c < channels; ++c)
                    acc += w1[s * channels + c] * m[c];
                h[s] = acc > 0.f ? acc : 0.f;
            }
            for (size_t o = 0; o < outs; ++o) {
                float acc = b2[o];
                for (size_t s = 0; s < hidden; ++s)
                    acc += w2[o * hidden + s] * h[s];
                coef[n * outs + o] = std::min(std::max(acc, lo[o]), hi[o]);
            }
        }
        return coef;
    }
};

}  // namespace micronet_mm

OPENVINO_CREATE_EXTENSIONS(std::vector<ov::Extension::Ptr>(
    {std::make_shared<ov::OpExtension<micronet_mm::ShiftMax>>(),
     std::make_shared<ov::frontend::onnx::OpExtension<micronet_mm::ShiftMax>>("ShiftMax", "micronet_mm")}));
