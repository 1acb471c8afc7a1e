// A naive reference for the kernels, written for clarity and independently of them: run-time
// parameters, double precision, PyTorch's channel-first order, and different formulations where the
// kernels gather (the input is zero-padded into a copy before a convolution; the transposed
// convolution scatters every input element into a full output and then crops it).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace naive {

// C x D x H x W, row-major; 1d and 2d tensors have D = H = 1 (resp. D = 1).
struct tensor {
  int c = 1, d = 1, h = 1, w = 1;
  std::vector<double> v;

  tensor() = default;
  tensor(int c_, int d_, int h_, int w_, double fill = 0) : c(c_), d(d_), h(h_), w(w_), v(std::size_t(c_) * d_ * h_ * w_, fill) {}
  double& at(int ci, int z, int y, int x) { return v[((std::size_t(ci) * d + z) * h + y) * w + x]; }
  double at(int ci, int z, int y, int x) const { return v[((std::size_t(ci) * d + z) * h + y) * w + x]; }
  int extent(int dim) const { return dim == 0 ? d : dim == 1 ? h : w; }
};

// Per-dim parameters over (D, H, W); unused leading dims are kernel 1, stride 1, padding 0.
struct dims3 {
  int v[3] = {1, 1, 1};
  int operator[](int i) const { return v[i]; }
  int& operator[](int i) { return v[i]; }
};

inline tensor zero_pad(const tensor& x, dims3 before, dims3 after) {
  tensor p(x.c, x.d + before[0] + after[0], x.h + before[1] + after[1], x.w + before[2] + after[2]);
  for (int c = 0; c < x.c; ++c)
    for (int z = 0; z < x.d; ++z)
      for (int y = 0; y < x.h; ++y)
        for (int xx = 0; xx < x.w; ++xx) p.at(c, z + before[0], y + before[1], xx + before[2]) = x.at(c, z, y, xx);
  return p;
}

// weight [C_out, C_in/g, kd, kh, kw] flattened; bias may be empty.
inline tensor conv(const tensor& x, const std::vector<double>& weight, const std::vector<double>& bias, int out_channels,
                   dims3 k, dims3 s, dims3 d, dims3 pb, dims3 pe, int groups) {
  const tensor p = zero_pad(x, pb, pe);
  dims3 o;
  for (int i = 0; i < 3; ++i) o[i] = (p.extent(i) - d[i] * (k[i] - 1) - 1) / s[i] + 1;
  tensor y(out_channels, o[0], o[1], o[2]);
  const int cin = x.c / groups, cout = out_channels / groups;
  for (int oc = 0; oc < out_channels; ++oc)
    for (int oz = 0; oz < o[0]; ++oz)
      for (int oy = 0; oy < o[1]; ++oy)
        for (int ox = 0; ox < o[2]; ++ox) {
          double sum = bias.empty() ? 0 : bias[oc];
          for (int ic = 0; ic < cin; ++ic)
            for (int a = 0; a < k[0]; ++a)
              for (int b = 0; b < k[1]; ++b)
                for (int e = 0; e < k[2]; ++e)
                  sum += weight[(((std::size_t(oc) * cin + ic) * k[0] + a) * k[1] + b) * k[2] + e] *
                         p.at(oc / cout * cin + ic, oz * s[0] + a * d[0], oy * s[1] + b * d[1], ox * s[2] + e * d[2]);
          y.at(oc, oz, oy, ox) = sum;
        }
  return y;
}

// weight [C_in, C_out/g, kd, kh, kw]; every input element is spread over the full output, which is
// then cropped by the padding (before) and extended by the output padding (after).
inline tensor conv_transpose(const tensor& x, const std::vector<double>& weight, const std::vector<double>& bias,
                             int out_channels, dims3 k, dims3 s, dims3 d, dims3 p, dims3 a, int groups) {
  dims3 full;
  for (int i = 0; i < 3; ++i) full[i] = (x.extent(i) - 1) * s[i] + d[i] * (k[i] - 1) + 1 + a[i];
  tensor big(out_channels, full[0], full[1], full[2]);
  const int cin = x.c / groups, cout = out_channels / groups;
  for (int ic = 0; ic < x.c; ++ic)
    for (int z = 0; z < x.d; ++z)
      for (int y = 0; y < x.h; ++y)
        for (int xx = 0; xx < x.w; ++xx)
          for (int ocg = 0; ocg < cout; ++ocg)
            for (int i = 0; i < k[0]; ++i)
              for (int j = 0; j < k[1]; ++j)
                for (int l = 0; l < k[2]; ++l)
                  big.at(ic / cin * cout + ocg, z * s[0] + i * d[0], y * s[1] + j * d[1], xx * s[2] + l * d[2]) +=
                      weight[(((std::size_t(ic) * cout + ocg) * k[0] + i) * k[1] + j) * k[2] + l] * x.at(ic, z, y, xx);
  tensor out(out_channels, full[0] - 2 * p[0], full[1] - 2 * p[1], full[2] - 2 * p[2]);
  for (int c = 0; c < out.c; ++c)
    for (int z = 0; z < out.d; ++z)
      for (int y = 0; y < out.h; ++y)
        for (int xx = 0; xx < out.w; ++xx)
          out.at(c, z, y, xx) = big.at(c, z + p[0], y + p[1], xx + p[2]) + (bias.empty() ? 0 : bias[c]);
  return out;
}

// PyTorch's pooling output size (ceil_mode drops a last window that starts in the right padding).
inline int pool_extent(int i, int k, int s, int d, int p, bool ceil_mode) {
  const int span = i + 2 * p - d * (k - 1) - 1;
  int o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= i + p) --o;
  return o;
}

inline tensor max_pool(const tensor& x, dims3 k, dims3 s, dims3 d, dims3 p, bool ceil_mode) {
  dims3 o;
  for (int i = 0; i < 3; ++i) o[i] = pool_extent(x.extent(i), k[i], s[i], d[i], p[i], ceil_mode);
  tensor y(x.c, o[0], o[1], o[2], -std::numeric_limits<double>::infinity());
  for (int c = 0; c < x.c; ++c)
    for (int z = 0; z < x.d; ++z)  // every input element offers itself to the windows that hold it
      for (int yy = 0; yy < x.h; ++yy)
        for (int xx = 0; xx < x.w; ++xx)
          for (int oz = 0; oz < o[0]; ++oz)
            for (int oy = 0; oy < o[1]; ++oy)
              for (int ox = 0; ox < o[2]; ++ox) {
                const int t[3] = {z + p[0] - oz * s[0], yy + p[1] - oy * s[1], xx + p[2] - ox * s[2]};
                bool tap = true;
                for (int i = 0; i < 3; ++i) tap = tap && t[i] >= 0 && t[i] % d[i] == 0 && t[i] / d[i] < k[i];
                if (tap) y.at(c, oz, oy, ox) = std::max(y.at(c, oz, oy, ox), x.at(c, z, yy, xx));
              }
  return y;
}

inline tensor avg_pool(const tensor& x, dims3 k, dims3 s, dims3 p, bool ceil_mode, bool count_include_pad) {
  dims3 o;
  for (int i = 0; i < 3; ++i) o[i] = pool_extent(x.extent(i), k[i], s[i], 1, p[i], ceil_mode);
  tensor y(x.c, o[0], o[1], o[2]);
  for (int c = 0; c < x.c; ++c)
    for (int oz = 0; oz < o[0]; ++oz)
      for (int oy = 0; oy < o[1]; ++oy)
        for (int ox = 0; ox < o[2]; ++ox) {
          const int start[3] = {oz * s[0] - p[0], oy * s[1] - p[1], ox * s[2] - p[2]};
          double sum = 0;
          int real = 0, padded = 1;
          for (int i = 0; i < 3; ++i)  // the window, cut at the far edge of the padded input
            padded *= std::min(start[i] + k[i], x.extent(i) + p[i]) - start[i];
          for (int a = 0; a < k[0]; ++a)
            for (int b = 0; b < k[1]; ++b)
              for (int e = 0; e < k[2]; ++e) {
                const int z = start[0] + a, yy = start[1] + b, xx = start[2] + e;
                if (z < 0 || yy < 0 || xx < 0 || z >= x.d || yy >= x.h || xx >= x.w) continue;
                sum += x.at(c, z, yy, xx);
                ++real;
              }
          y.at(c, oz, oy, ox) = sum / (count_include_pad ? padded : real);
        }
  return y;
}

// out[o] over [floor(o i / n), ceil((o + 1) i / n)) per dim.
inline tensor adaptive_pool(const tensor& x, dims3 n, bool max) {
  tensor y(x.c, n[0], n[1], n[2]);
  auto lo = [](int o, int i, int m) { return o * i / m; };
  auto hi = [](int o, int i, int m) { return ((o + 1) * i + m - 1) / m; };
  for (int c = 0; c < x.c; ++c)
    for (int oz = 0; oz < n[0]; ++oz)
      for (int oy = 0; oy < n[1]; ++oy)
        for (int ox = 0; ox < n[2]; ++ox) {
          double sum = 0, best = -std::numeric_limits<double>::infinity();
          int count = 0;
          for (int z = lo(oz, x.d, n[0]); z < hi(oz, x.d, n[0]); ++z)
            for (int yy = lo(oy, x.h, n[1]); yy < hi(oy, x.h, n[1]); ++yy)
              for (int xx = lo(ox, x.w, n[2]); xx < hi(ox, x.w, n[2]); ++xx) {
                sum += x.at(c, z, yy, xx);
                best = std::max(best, x.at(c, z, yy, xx));
                ++count;
              }
          y.at(c, oz, oy, ox) = max ? best : sum / count;
        }
  return y;
}

enum class pad_kind { zero, reflect, replicate };

inline tensor pad(const tensor& x, dims3 before, dims3 after, pad_kind kind) {
  tensor y(x.c, x.d + before[0] + after[0], x.h + before[1] + after[1], x.w + before[2] + after[2]);
  auto source = [&](int o, int dim, int& i) {
    const int n = x.extent(dim);
    i = o - before[dim];
    if (i >= 0 && i < n) return true;
    if (kind == pad_kind::zero) return false;
    if (kind == pad_kind::replicate) {
      i = std::clamp(i, 0, n - 1);
    } else {
      while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
    }
    return true;
  };
  for (int c = 0; c < y.c; ++c)
    for (int z = 0; z < y.d; ++z)
      for (int yy = 0; yy < y.h; ++yy)
        for (int xx = 0; xx < y.w; ++xx) {
          int iz, iy, ix;
          const bool a = source(z, 0, iz), b = source(yy, 1, iy), e = source(xx, 2, ix);
          y.at(c, z, yy, xx) = a && b && e ? x.at(c, iz, iy, ix) : 0.0;
        }
  return y;
}

// Nearest: src = min(floor(dst * ratio), in - 1) with PyTorch's float ratio (1/scale, or in/out).
// Linear: src = max(0, (dst + 0.5) ratio - 0.5), or dst (in - 1)/(out - 1) with align_corners.
inline tensor upsample(const tensor& x, dims3 out, const float ratio[3], bool linear, bool align_corners) {
  tensor y(x.c, out[0], out[1], out[2]);
  struct tap {
    int i0, i1;
    double l1;
  };
  auto taps = [&](int dst, int dim) {
    const int in = x.extent(dim), o = out[dim];
    if (!linear) {
      const int s = std::min(int(std::floor(float(dst) * ratio[dim])), in - 1);
      return tap{s, s, 0.0};
    }
    if (in == o) return tap{dst, dst, 0.0};
    // PyTorch: a float ratio, the position in double.
    const double r = align_corners ? (o > 1 ? double(float(in - 1) / float(o - 1)) : 0.0) : double(ratio[dim]);
    const double src = align_corners ? r * dst : std::max(0.0, r * (dst + 0.5) - 0.5);
    const int i0 = int(src);
    return tap{i0, std::min(i0 + 1, in - 1), std::clamp(src - i0, 0.0, 1.0)};
  };
  for (int c = 0; c < y.c; ++c)
    for (int z = 0; z < y.d; ++z)
      for (int yy = 0; yy < y.h; ++yy)
        for (int xx = 0; xx < y.w; ++xx) {
          const tap t[3] = {taps(z, 0), taps(yy, 1), taps(xx, 2)};
          double v = 0;
          for (int a = 0; a < 2; ++a)
            for (int b = 0; b < 2; ++b)
              for (int e = 0; e < 2; ++e) {
                const double wgt = (a ? t[0].l1 : 1 - t[0].l1) * (b ? t[1].l1 : 1 - t[1].l1) * (e ? t[2].l1 : 1 - t[2].l1);
                v += wgt * x.at(c, a ? t[0].i1 : t[0].i0, b ? t[1].i1 : t[1].i0, e ? t[2].i1 : t[2].i0);
              }
          y.at(c, z, yy, xx) = v;
        }
  return y;
}

}  // namespace naive
