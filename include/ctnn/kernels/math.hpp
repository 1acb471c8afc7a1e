// ctnn/kernels/math.hpp: the transcendental functions kernels need, usable in constant expressions.
//
// At run time these are the C library's, through the compilers' builtins (<cmath> costs a fifth of a
// second in every translation unit). In a constant expression (a network evaluated by the
// compiler) the standard ones are not constexpr in C++20, so a series is used instead: accurate to a
// few ulp in double, so compile-time and run-time results agree to rounding, not bit for bit.
#pragma once

#include <limits>
#include <type_traits>

namespace ctnn::math {

namespace detail {
constexpr double exp_series(double x) {
  if (x != x) return x;
  if (x > 709.0) return std::numeric_limits<double>::infinity();
  if (x < -745.0) return 0.0;
  // x = k ln2 + r with |r| <= ln2 / 2, exp(x) = 2^k exp(r).
  constexpr double ln2 = 0.693147180559945309417232121458176568;
  const double kf = x / ln2;
  const long long k = static_cast<long long>(kf + (kf >= 0 ? 0.5 : -0.5));
  const double r = x - static_cast<double>(k) * ln2;
  double term = 1.0, sum = 1.0;
  for (int n = 1; n < 24; ++n) {
    term *= r / n;
    sum += term;
  }
  double scale = 1.0;
  for (long long i = 0; i < (k >= 0 ? k : -k); ++i) scale *= 2.0;
  return k >= 0 ? sum * scale : sum / scale;
}

constexpr double expm1_series(double x) {
  if (x != x || x > 0.5 || x < -0.5) return exp_series(x) - 1.0;
  double term = x, sum = x;  // near 0 the series itself: exp(x) - 1 would cancel
  for (int n = 2; n < 24; ++n) {
    term *= x / n;
    sum += term;
  }
  return sum;
}

constexpr double log_series(double x) {
  if (x != x || x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<double>::infinity();
  if (x == std::numeric_limits<double>::infinity()) return x;
  // x = m 2^k with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172.
  int k = 0;
  double m = x;
  while (m >= 2.0) m /= 2.0, ++k;
  while (m < 1.0) m *= 2.0, --k;
  if (m > 1.4142135623730950488) m /= 2.0, ++k;
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double power = s, sum = s;
  for (int n = 3; n < 60; n += 2) {
    power *= s2;
    sum += power / n;
  }
  constexpr double ln2 = 0.693147180559945309417232121458176568;
  return 2.0 * sum + k * ln2;
}

// log(1 + x) without losing x's low bits to the rounding of 1 + x (Goldberg's correction).
constexpr double log1p_series(double x) {
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  if (u == std::numeric_limits<double>::infinity()) return u;
  return log_series(u) * x / (u - 1.0);
}

constexpr double sqrt_newton(double x) {
  if (x < 0 || x != x) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 || x == std::numeric_limits<double>::infinity()) return x;
  double g = x > 1 ? x : 1.0;
  for (int i = 0; i < 200; ++i) {
    const double next = 0.5 * (g + x / g);
    if (next == g) break;
    g = next;
  }
  return g;
}

constexpr double erf_series(double x) {
  if (x < 0) return -erf_series(-x);
  if (x > 6.0) return 1.0;
  // Maclaurin series of erf: 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)); converges for x <= 6 in double.
  constexpr double two_over_sqrt_pi = 1.128379167095512573896158903121545172;
  if (x < 2.5) {
    double term = x, sum = x;
    for (int n = 1; n < 200; ++n) {
      term *= -x * x / n;
      const double add = term / (2 * n + 1);
      sum += add;
      if (add < 1e-18 && add > -1e-18) break;
    }
    return two_over_sqrt_pi * sum;
  }
  // erfc(x) = exp(-x^2) / (sqrt(pi) (x + 1/2 / (x + 1 / (x + 3/2 / (x + ...))))) for larger x.
  double f = 0.0;
  for (int n = 60; n >= 1; --n) f = (n / 2.0) / (x + f);
  return 1.0 - (two_over_sqrt_pi / 2.0) * exp_series(-x * x) / (x + f);
}
}  // namespace detail

template <class T>
constexpr T exp(T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::exp_series(static_cast<double>(x)));
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_expf(x);
  } else {
    return static_cast<T>(__builtin_exp(static_cast<double>(x)));
  }
}

template <class T>
constexpr T expm1(T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::expm1_series(static_cast<double>(x)));
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_expm1f(x);
  } else {
    return static_cast<T>(__builtin_expm1(static_cast<double>(x)));
  }
}

template <class T>
constexpr T log(T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::log_series(static_cast<double>(x)));
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_logf(x);
  } else {
    return static_cast<T>(__builtin_log(static_cast<double>(x)));
  }
}

template <class T>
constexpr T log1p(T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::log1p_series(static_cast<double>(x)));
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_log1pf(x);
  } else {
    return static_cast<T>(__builtin_log1p(static_cast<double>(x)));
  }
}

template <class T>
constexpr T sqrt(T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::sqrt_newton(static_cast<double>(x)));
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_sqrtf(x);
  } else {
    return static_cast<T>(__builtin_sqrt(static_cast<double>(x)));
  }
}

template <class T>
constexpr T tanh(T x) {
  if (std::is_constant_evaluated()) {
    const double v = static_cast<double>(x);
    if (v > 20) return T(1);
    if (v < -20) return T(-1);
    const double e = detail::exp_series(2 * v);
    return static_cast<T>((e - 1) / (e + 1));
  }
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_tanhf(x);
  } else {
    return static_cast<T>(__builtin_tanh(static_cast<double>(x)));
  }
}

template <class T>
constexpr T erf(T x) {
  if (std::is_constant_evaluated()) return static_cast<T>(detail::erf_series(static_cast<double>(x)));
  if constexpr (std::is_same_v<T, float>) {
    return __builtin_erff(x);
  } else {
    return static_cast<T>(__builtin_erf(static_cast<double>(x)));
  }
}

template <class T>
constexpr bool isnan(T x) {
  return x != x;
}

// ---- float forms without calls or branches, on a float or a GNU vector of floats (F), for loops that
// compile to vector code (the fast kernels' activations): selects are `?:` on lanes, integers are F's
// lanes converted.
namespace vectorizable {
template <class F>
using integer_lanes = std::conditional_t<std::is_same_v<F, float>, int, decltype(F{} < F{})>;

template <class I, class F>
inline I to_integer(F x) {  // toward zero
  if constexpr (std::is_same_v<F, float>) {
    return static_cast<int>(x);
  } else {
    return __builtin_convertvector(x, I);
  }
}
template <class F, class I>
inline F to_float(I n) {
  if constexpr (std::is_same_v<F, float>) {
    return static_cast<float>(n);
  } else {
    return __builtin_convertvector(n, F);
  }
}

// exp(x) within 2 ulp (Cephes' expf polynomial on x - n ln2, ln2 in two parts); 0 below -87.3 (where
// exp would be subnormal), infinity above 88.7, NaN kept.
template <class F>
inline F exp(F x) {
  using I = integer_lanes<F>;
  const F zero{}, big = 88.72283f - zero, small = -87.33654f - zero;
  const F clamped = x > big ? big : (x < small ? small : (x != x ? zero : x));  // NaN: no int of it
  const F v = clamped * 1.44269504088896341f + 0.5f;
  I n = to_integer<I>(v);
  n = v < to_float<F>(n) ? n - 1 : n;  // floor(v): truncation rounds negatives up
  const F fn = to_float<F>(n);
  const F r = (clamped - fn * 0.693359375f) - fn * -2.12194440e-4f;
  F p = 1.9875691500e-4f - zero;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  // 2^n from exponent bits, in two factors: n reaches 128 below `big`.
  const I half = n / 2;
  const F e = (p * (r * r) + r + 1.0f) * __builtin_bit_cast(F, (half + 127) << 23) *
              __builtin_bit_cast(F, (n - half + 127) << 23);
  const F infinity = std::numeric_limits<float>::infinity() - zero;
  return x > big ? infinity : (x < small ? zero : (x != x ? x : e));
}

// erfc(z) for z >= 0, within 2e-7 relative (Numerical Recipes' Chebyshev fit, erfcc): relative accuracy
// in the tail, where 1 + erf(-z) cancels. z_squared: z * z, or a more exact form of it.
template <class F>
inline F erfc_nonnegative(F z, F z_squared) {
  const F t = 1.0f / (1.0f + 0.5f * z);
  F p = 0.17087277f * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  return t * exp<F>(p * t - z_squared - 1.26551223f);
}

// x Phi(x), Phi the normal distribution: x (1 - erfc(x / sqrt 2) / 2) for x >= 0, x erfc(-x / sqrt 2) / 2
// below, so that the negative tail keeps its relative accuracy (z^2 as x^2 / 2: one rounding, not two).
template <class F>
inline F gelu(F x) {
  const F zero{}, z = x * 0.70710678118654752440f;
  const F tail = 0.5f * erfc_nonnegative<F>(z < zero ? -z : z, 0.5f * (x * x));
  return x * (x >= zero ? 1.0f - tail : tail);
}
}  // namespace vectorizable

}  // namespace ctnn::math
