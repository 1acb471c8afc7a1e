// ctnn/analysis/draw.hpp: the convolution arithmetic of a declared layer, a network's diagram and the
// receptive field of an output pixel, drawn as SVG from the numbers the compiler derived.
//
//   ctnn::draw_layer<net, 3>(file);          the layer at path 3 (layer, branch, layer... as weights_of::at)
//   ctnn::draw_arithmetic(file, a);          an arithmetic value (ctnn/shapes/result.hpp), e.g. arithmetic_of(p, in)
//   ctnn::draw_network<net>(file);           boxes, shapes on the edges, branches side by side
//   ctnn::draw_receptive_field<net>(file, y, x);   the input pixels output pixel (y, x) depends on
//
// A window layer (convolution, pooling, partial convolution) is its padded input grid, the kernel's
// taps (stride and dilation visible) sliding over it, and the output grid; a transposed convolution is
// drawn both ways, as the direct convolution over the zero-inserted, padded input (the output padding a
// in its own colour) and as the scatter of each input cell; upsampling and padding show where each
// output cell's value comes from. The footprint moves over the output positions by SMIL animation, so a
// browser plays it. 2-D and 3-D layers are drawn over their last two dims, 1-D ones as a row. Every grid
// cell is a rect with class "cell <role>" (input, pad, zero, a, output, ...), which the tests count.
// No dependency beyond <cstdio>.
#pragma once

#include <algorithm>
#include <array>
#include <cstdio>

#include "ctnn/core/text.hpp"
#include "ctnn/families.hpp"
#include "ctnn/network.hpp"

CTNN_BEGIN_CONFIG

namespace impl::draw {

inline constexpr const char* style =
    "<style>text{font-family:monospace;font-size:12px;fill:#222}.cell{stroke:#555;stroke-width:1}"
    ".input{fill:#9ecae1}.pad{fill:#f2f2f2;stroke-dasharray:3 2}.zero{fill:#fff;stroke-dasharray:1 2}"
    ".a{fill:#fdd0a2;stroke-dasharray:3 2}.output{fill:#a1d99b}.hole{fill:#fff}.tap{fill:#e6550d;fill-opacity:.45;"
    "stroke:#a63603;stroke-width:2}.current{fill:none;stroke:#a63603;stroke-width:3}.box{fill:#deebf7;stroke:#3182bd}"
    ".merge{fill:#fee6ce;stroke:#e6550d}.edge{stroke:#777;stroke-width:1.5;fill:none}.field{fill:#e6550d;fill-opacity:.5}"
    ".small{font-size:10px}</style>\n";

// The last two spatial dims of an arithmetic (a 1-D layer is one row): extents and window per axis.
struct axis {
  index_t in = 1, out = 1, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0, a = 0;
};
inline axis axis_of(const arithmetic& a, int which) {  // which: 0 rows (H), 1 columns (W)
  const int dim = a.rank - 2 + which;
  axis x;
  if (dim < 0) return x;
  x = {a.in[dim], a.out[dim], a.kernel[dim], a.stride[dim], a.dilation[dim], a.pad_begin[dim], a.pad_end[dim],
       a.output_padding[dim]};
  if (x.kernel == 0) x.kernel = x.stride = x.dilation = 1;  // upsampling and padding have no window
  return x;
}

// Text inside an element, with XML's two reserved characters escaped (names may hold '<').
inline void put_text(std::FILE* out, const char* t) {
  for (; *t != '\0'; ++t) {
    if (*t == '<') {
      std::fputs("&lt;", out);
    } else if (*t == '&') {
      std::fputs("&amp;", out);
    } else {
      std::fputc(*t, out);
    }
  }
}

struct writer {
  std::FILE* out;
  int cell = 24;  // pixels per grid cell

  void begin(int width, int height, const char* title) const {
    std::fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>",
                 width, height, width, height);
    put_text(out, title);
    std::fprintf(out, "</title>\n%s<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", style);
  }
  void end() const { std::fputs("</svg>\n", out); }
  void rect(double x, double y, double w, double h, const char* cls) const {
    std::fprintf(out, "<rect class=\"%s\" x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\"/>\n", cls, x, y, w, h);
  }
  void cell_at(int x0, int y0, long long row, long long col, const char* role) const {
    std::fprintf(out, "<rect class=\"cell %s\" x=\"%lld\" y=\"%lld\" width=\"%d\" height=\"%d\"/>\n", role,
                 x0 + col * cell, y0 + row * cell, cell, cell);
  }
  void label_at(int x0, int y0, long long row, long long col, const char* text) const {
    std::fprintf(out, "<text class=\"small\" x=\"%lld\" y=\"%lld\" text-anchor=\"middle\">%s</text>\n",
                 x0 + col * cell + cell / 2, y0 + row * cell + cell / 2 + 4, text);
  }
  void text(int x, int y, const char* t) const {
    std::fprintf(out, "<text x=\"%d\" y=\"%d\">", x, y);
    put_text(out, t);
    std::fputs("</text>\n", out);
  }
  // A group of rects translated through `count` positions, one every 0.6 s: (row, col) of position i.
  template <class Position>
  void animate(long long count, Position position) const {
    std::fprintf(out, "<animateTransform attributeName=\"transform\" type=\"translate\" calcMode=\"discrete\" "
                      "repeatCount=\"indefinite\" dur=\"%gs\" values=\"",
                 0.6 * static_cast<double>(count < 1 ? 1 : count));
    for (long long i = 0; i < count; ++i) {
      long long r = 0, c = 0;
      position(i, r, c);
      std::fprintf(out, "%s%lld,%lld", i ? ";" : "", c * cell, r * cell);
    }
    std::fputs("\"/>\n", out);
  }
  void grid(int x0, int y0, long long rows, long long cols, const char* role) const {
    for (long long r = 0; r < rows; ++r)
      for (long long c = 0; c < cols; ++c) cell_at(x0, y0, r, c, role);
  }
  // `shape` drawn at (x0, y0) and moved through `count` positions: position p at row p / across times
  // row_step, column p % across times column_step.
  template <class Shape>
  void slide(long long across, long long count, long long row_step, long long column_step, Shape shape) const {
    std::fputs("<g>\n", out);
    shape();
    animate(count, [&](long long p, long long& r, long long& c) {
      r = p / across * row_step;
      c = p % across * column_step;
    });
    std::fputs("</g>\n", out);
  }
  // The kernel's taps, `dilation` cells apart, from (x0, y0), sliding as above.
  void sliding_taps(int x0, int y0, long long kernel_rows, long long kernel_cols, long long row_dilation,
                    long long column_dilation, long long across, long long count, long long row_step,
                    long long column_step) const {
    slide(across, count, row_step, column_step, [&] {
      for (long long i = 0; i < kernel_rows; ++i)
        for (long long j = 0; j < kernel_cols; ++j)
          rect(x0 + j * column_dilation * cell, y0 + i * row_dilation * cell, cell, cell, "tap");
    });
  }
  // One highlighted cell stepping through a grid `across` cells wide.
  void sliding_cell(int x0, int y0, long long across, long long count) const {
    slide(across, count, 1, 1, [&] { rect(x0, y0, cell, cell, "current"); });
  }
};

// Pixels per cell so that the widest figure stays near 900 pixels.
inline int cell_size(long long columns) {
  const long long c = columns > 0 ? 900 / columns : 24;
  return static_cast<int>(c > 28 ? 28 : c < 4 ? 4 : c);
}

inline void caption_window(const writer& w, int x, int& y, const char* name, const axis& a, bool ceil_mode) {
  char line[256];
  const long long dilated = static_cast<long long>(a.dilation) * (a.kernel - 1) + 1;
  std::snprintf(line, sizeof line, "%s: i = %d, k = %d, s = %d, p = %d + %d, d = %d: o = %s((%d + %d + %d - %lld) / %d) + 1 = %d",
                name, a.in, a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation, ceil_mode ? "ceil" : "floor",
                a.in, a.pad_begin, a.pad_end, dilated, a.stride, a.out);
  w.text(x, y, line);
  y += 16;
}

// A padded input grid with the window's taps sliding over it, and the output grid.
inline void window_figure(const writer& w, const arithmetic& ar, int x0, int y0, const axis& h, const axis& v) {
  const long long rows = h.pad_begin + h.in + h.pad_end, cols = v.pad_begin + v.in + v.pad_end;
  for (long long r = 0; r < rows; ++r)
    for (long long c = 0; c < cols; ++c) {
      const bool inside = r >= h.pad_begin && r < h.pad_begin + h.in && c >= v.pad_begin && c < v.pad_begin + v.in;
      w.cell_at(x0, y0, r, c, inside ? "input" : "pad");
    }
  const int ox0 = x0 + static_cast<int>(cols + 2) * w.cell;
  w.grid(ox0, y0, h.out, v.out, "output");
  if (ar.partial) {  // each output's ratio k_area / taps inside the input
    char t[48];
    for (long long r = 0; r < h.out; ++r)
      for (long long c = 0; c < v.out; ++c) {
        long long inside = 0;
        for (long long i = 0; i < h.kernel; ++i)
          for (long long j = 0; j < v.kernel; ++j) {
            const long long rr = r * h.stride + i * h.dilation - h.pad_begin, cc = c * v.stride + j * v.dilation - v.pad_begin;
            inside += rr >= 0 && rr < h.in && cc >= 0 && cc < v.in;
          }
        std::snprintf(t, sizeof t, "%lld/%lld", static_cast<long long>(h.kernel) * v.kernel, inside);
        w.label_at(ox0, y0, r, c, t);
      }
  }
  const long long positions = static_cast<long long>(h.out) * v.out;
  w.sliding_taps(x0, y0, h.kernel, v.kernel, h.dilation, v.dilation, v.out, positions, h.stride, v.stride);
  w.sliding_cell(ox0, y0, v.out, positions);
}

// A transposed convolution as the direct convolution (stride 1) over its zero-inserted input, padded
// by d(k - 1) - p on each side and a more at the end; and as each input cell's scatter.
inline void transposed_figure(const writer& w, int x0, int y0, const axis& h, const axis& v) {
  const auto inserted = [](const axis& a) { return static_cast<long long>(a.in - 1) * a.stride + 1; };
  const auto before = [](const axis& a) { return static_cast<long long>(a.dilation) * (a.kernel - 1) - a.pad_begin; };
  const auto after = [](const axis& a) { return static_cast<long long>(a.dilation) * (a.kernel - 1) - a.pad_end; };
  const long long rows = before(h) + inserted(h) + after(h) + h.a, cols = before(v) + inserted(v) + after(v) + v.a;
  for (long long r = 0; r < rows; ++r)
    for (long long c = 0; c < cols; ++c) {
      const long long ir = r - before(h), ic = c - before(v);
      const char* role = "pad";
      if (ir >= inserted(h) + after(h) || ic >= inserted(v) + after(v)) {
        role = "a";
      } else if (ir >= 0 && ic >= 0 && ir < inserted(h) && ic < inserted(v)) {
        role = ir % h.stride == 0 && ic % v.stride == 0 ? "input" : "zero";
      }
      w.cell_at(x0, y0, r, c, role);
    }
  const int ox0 = x0 + static_cast<int>(cols + 2) * w.cell;
  w.grid(ox0, y0, h.out, v.out, "output");
  const long long positions = static_cast<long long>(h.out) * v.out;
  w.sliding_taps(x0, y0, h.kernel, v.kernel, h.dilation, v.dilation, v.out, positions, 1, 1);
  w.sliding_cell(ox0, y0, v.out, positions);
}

// The input grid and, two cells to its right, the output grid; returns the output grid's x.
inline int input_and_output(const writer& w, int x0, int y0, const axis& h, const axis& v) {
  w.grid(x0, y0, h.in, v.in, "input");
  const int ox0 = x0 + (v.in + 2) * w.cell;
  w.grid(ox0, y0, h.out, v.out, "output");
  return ox0;
}

inline void scatter_figure(const writer& w, int x0, int y0, const axis& h, const axis& v) {
  const int ox0 = input_and_output(w, x0, y0, h, v);
  const long long positions = static_cast<long long>(h.in) * v.in;
  w.sliding_cell(x0, y0, v.in, positions);
  // Input (r, c) writes output (r s - p + i d, c s - p + j d): the taps from (-p, -p), moved by s.
  w.sliding_taps(ox0 - v.pad_begin * w.cell, y0 - h.pad_begin * w.cell, h.kernel, v.kernel, h.dilation, v.dilation,
                 v.in, positions, h.stride, v.stride);
}

// Upsampling: each output cell and the input cell(s) it reads, source = (dst + 0.5) in / out - 0.5
// for linear and cubic (dst (in - 1) / (out - 1) with align_corners), floor(dst in / out) for nearest,
// floor((dst + 0.5) in / out) for nearest-exact; the four cells of a cubic clamped into the grid.
inline void upsample_figure(const writer& w, const arithmetic& ar, int x0, int y0, const axis& h, const axis& v) {
  const int ox0 = input_and_output(w, x0, y0, h, v);
  const bool exact = ar.mode == static_cast<int>(upsample_mode::nearest_exact);
  const bool nearest = ar.mode == static_cast<int>(upsample_mode::nearest) || exact;
  const bool cubic = ar.mode == static_cast<int>(upsample_mode::cubic);
  const auto source = [&](const axis& a, long long dst) {
    if (nearest) return std::min<long long>((2 * dst + exact) * a.in / (2 * a.out), a.in - 1);
    const double s = ar.align_corners ? (a.out > 1 ? double(dst) * (a.in - 1) / (a.out - 1) : 0.0)
                                      : (dst + 0.5) * a.in / a.out - 0.5;
    return s < 0 ? 0LL : static_cast<long long>(s);
  };
  const long long positions = static_cast<long long>(h.out) * v.out;
  const int taps = nearest ? 1 : cubic ? 4 : 2;  // a cubic's first tap is one before floor(src)
  const int span_r = std::min(taps, h.in), span_c = std::min(taps, v.in);
  std::fputs("<g>\n", w.out);
  for (int i = 0; i < span_r; ++i)
    for (int j = 0; j < span_c; ++j) w.rect(x0 + j * w.cell, y0 + i * w.cell, w.cell, w.cell, "tap");
  w.animate(positions, [&](long long p, long long& r, long long& c) {
    r = source(h, p / v.out);
    c = source(v, p % v.out);
    if (cubic) --r, --c;
    r = std::max(0LL, std::min<long long>(r, h.in - span_r));
    c = std::max(0LL, std::min<long long>(c, v.in - span_c));
  });
  std::fputs("</g>\n", w.out);
  w.sliding_cell(ox0, y0, v.out, positions);
}

// Padding: the output grid, each cell labelled with the input cell it copies (row-major index), or with
// the fill value.
inline void pad_figure(const writer& w, const arithmetic& ar, int x0, int y0, const axis& h, const axis& v) {
  char t[48];
  for (long long r = 0; r < h.in; ++r)
    for (long long c = 0; c < v.in; ++c) {
      w.cell_at(x0, y0, r, c, "input");
      std::snprintf(t, sizeof t, "%lld", r * v.in + c);
      w.label_at(x0, y0, r, c, t);
    }
  const int ox0 = x0 + (v.in + 2) * w.cell;
  const auto from = [&](long long i, long long n) {
    if (ar.mode == static_cast<int>(pad_mode::replicate)) return i < 0 ? 0 : i >= n ? n - 1 : i;
    if (ar.mode == static_cast<int>(pad_mode::reflect)) return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    return i;
  };
  for (long long r = 0; r < h.out; ++r)
    for (long long c = 0; c < v.out; ++c) {
      const long long ir = r - h.pad_begin, ic = c - v.pad_begin;
      const bool inside = ir >= 0 && ir < h.in && ic >= 0 && ic < v.in;
      w.cell_at(ox0, y0, r, c, inside ? "output" : "pad");
      if (ar.mode == static_cast<int>(pad_mode::constant) && !inside) {
        w.label_at(ox0, y0, r, c, "c");
      } else {
        std::snprintf(t, sizeof t, "%lld", from(ir, h.in) * v.in + from(ic, v.in));
        w.label_at(ox0, y0, r, c, t);
      }
    }
}

}  // namespace impl::draw

// The figure of one layer's arithmetic; `title` names it (e.g. the layer's position and type).
inline void draw_arithmetic(std::FILE* out, const arithmetic& ar, const char* title = "") {
  namespace d = impl::draw;
  const d::axis h = d::axis_of(ar, 0), v = d::axis_of(ar, 1);
  const auto transposed_extent = [](const d::axis& a) {
    return static_cast<long long>(a.in - 1) * a.stride + 1 + 2LL * a.dilation * (a.kernel - 1) - a.pad_begin -
           a.pad_end + a.a;
  };
  long long grid_cols = 0, grid_rows = 0;  // the wider of the figure's panels, in cells
  switch (ar.kind) {
    case arithmetic_kind::window:
      grid_cols = v.pad_begin + v.in + v.pad_end + 2 + v.out;
      grid_rows = std::max<long long>(h.pad_begin + h.in + h.pad_end, h.out);
      break;
    case arithmetic_kind::transposed:
      grid_cols = std::max<long long>(transposed_extent(v) + 2 + v.out, v.in + 2 + v.out + v.kernel);
      grid_rows = std::max<long long>(transposed_extent(h), h.out) + 2 + std::max<long long>(h.in, h.out + h.kernel);
      break;
    case arithmetic_kind::upsample:
    case arithmetic_kind::pad:
      grid_cols = v.in + 2 + v.out;
      grid_rows = std::max<long long>(h.in, h.out);
      break;
    case arithmetic_kind::none: break;
  }
  d::writer w{out, d::cell_size(grid_cols)};
  const int captions = ar.kind == arithmetic_kind::none ? 1 : (ar.rank >= 2 ? 2 : 1) + 2;
  const int width = static_cast<int>(grid_cols + 2) * w.cell + 40 > 980 ? static_cast<int>(grid_cols + 2) * w.cell + 40 : 980;
  const int height = 40 + static_cast<int>(grid_rows) * w.cell + 30 + 16 * captions + (ar.kind == arithmetic_kind::transposed ? 40 : 0);
  w.begin(width, height, title);
  w.text(20, 22, title);
  const int x0 = 20 + w.cell, y0 = 40;
  int y = y0 + static_cast<int>(grid_rows) * w.cell + 24;
  char line[256];
  switch (ar.kind) {
    case arithmetic_kind::window:
      d::window_figure(w, ar, x0, y0, h, v);
      std::snprintf(line, sizeof line, "%s: the padded input (dashed: padding), the taps, the output%s", ar.what,
                    ar.partial ? " (labels: the ratio k_area / taps inside the input; 0 inside: output 0)" : "");
      w.text(20, y, line);
      y += 16;
      if (ar.rank >= 2) d::caption_window(w, 20, y, "rows", h, ar.ceil_mode);
      d::caption_window(w, 20, y, ar.rank >= 2 ? "columns" : "length", v, ar.ceil_mode);
      break;
    case arithmetic_kind::transposed: {
      const int rows_a = static_cast<int>(std::max<long long>(transposed_extent(h), h.out));
      d::transposed_figure(w, x0, y0, h, v);
      w.text(20, y0 + rows_a * w.cell + 18,
             "as a convolution, stride 1, over the input with s - 1 zeros inserted (dotted), padded by d(k - 1) - p "
             "(dashed) and a more at the end (orange)");
      d::scatter_figure(w, x0, y0 + (rows_a + 2) * w.cell + 20, h, v);
      y += 40;
      w.text(20, y - 16, "as a scatter: each input cell adds its kernel-weighted values into the output");
      for (const d::axis* a : {&h, &v}) {
        if (ar.rank < 2 && a == &h) continue;
        std::snprintf(line, sizeof line, "%s: i = %d, k = %d, s = %d, p = %d + %d, d = %d, a = %d: o = (%d - 1) %d - %d - %d + %d (%d - 1) + 1 + %d = %d",
                      a == &h ? "rows" : "columns", a->in, a->kernel, a->stride, a->pad_begin, a->pad_end, a->dilation,
                      a->a, a->in, a->stride, a->pad_begin, a->pad_end, a->dilation, a->kernel, a->a, a->out);
        w.text(20, y, line);
        y += 16;
      }
      break;
    }
    case arithmetic_kind::upsample:
      d::upsample_figure(w, ar, x0, y0, h, v);
      std::snprintf(line, sizeof line, "%s: %d x %d -> %d x %d; the cells each output reads%s", ar.what, h.in, v.in, h.out,
                    v.out, ar.align_corners ? " (align_corners)" : "");
      w.text(20, y, line);
      break;
    case arithmetic_kind::pad:
      d::pad_figure(w, ar, x0, y0, h, v);
      std::snprintf(line, sizeof line, "%s by %d, %d (rows) and %d, %d (columns): each cell names the input cell it copies%s",
                    ar.what, h.pad_begin, h.pad_end, v.pad_begin, v.pad_end,
                    ar.mode == static_cast<int>(pad_mode::constant) ? " (c: the fill value)" : "");
      w.text(20, y, line);
      break;
    case arithmetic_kind::none: w.text(20, y0 + 10, "no spatial arithmetic: this layer keeps or mixes every position"); break;
  }
  w.end();
}

namespace impl {
// Each node's arithmetic, and whether it mixes every position (flatten, linear, global pooling...).
struct node_arithmetic {
  arithmetic a;
  bool mixes = false;
};
struct arithmetic_for {
  using value_type = node_arithmetic;
  static constexpr bool uses_followers = false;
  template <class Node, class N1, class N2, class N3>
  static constexpr node_arithmetic of() {
    if constexpr (block_layer<typename Node::type>) {
      return {};
    } else {
      const auto& p = Node::type::params;
      return {arithmetic_of(p, Node::input_shape),
              grow_field(p, Node::input_shape, Node::result, input_field(Node::input_shape)).whole_input};
    }
  }
};
}  // namespace impl

// The figure of the layer at Path (layer, branch, layer, ...), at its place in the network.
template <class Net, int... Path>
void draw_layer(std::FILE* out) {
  constexpr const auto& s = schedule_of<Net>::value;
  constexpr int path[] = {Path..., 0};
  constexpr int node = node_at_path(s, path, static_cast<int>(sizeof...(Path)));
  static_assert(node >= 0, "ctnn: draw_layer<Net, Path...>: no layer at that path (layer, branch, layer, ...)");
  char title[320];
  std::snprintf(title, sizeof title, "%s: %s -> %s", s.nodes[node].name, to_text(s.nodes[node].in).c_str(),
                to_text(s.nodes[node].out).c_str());
  draw_arithmetic(out, node_table<schedule_of<Net>, impl::arithmetic_for>[node].a, title);
}

namespace impl::draw {
// Input rows [lo, hi] x columns [lo, hi] that output pixel (y, x) of the network depends on, by
// walking the schedule backwards from the output; whole when a layer mixes every position.
struct region {
  bool set = false;
  long long lo[2] = {}, hi[2] = {};
};
template <class Net>
region receptive_region(long long y, long long x) {
  constexpr const auto& s = schedule_of<Net>::value;
  const auto& table = node_table<schedule_of<Net>, impl::arithmetic_for>;
  std::array<region, s.node_count + 1> at{};
  const auto extent = [&](int tensor, int which) -> long long {
    const shape sh = tensor == 0 ? Net::input_shape : s.nodes[tensor - 1].out;
    const int dim = sh.rank - 2 + which;  // (rows, columns) = the last two dims; one row for [C, L]
    return dim >= 1 ? sh[dim] : 1;
  };
  const auto whole = [&](int tensor) {
    region r{true, {0, 0}, {extent(tensor, 0) - 1, extent(tensor, 1) - 1}};
    return r;
  };
  const auto merge = [](region& into, const region& r) {
    if (!r.set) return;
    if (!into.set) {
      into = r;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      into.lo[i] = std::min(into.lo[i], r.lo[i]);
      into.hi[i] = std::max(into.hi[i], r.hi[i]);
    }
  };
  at[s.result] = {true, {Net::output_shape.rank >= 3 ? y : 0, x}, {Net::output_shape.rank >= 3 ? y : 0, x}};
  if (Net::output_shape.rank < 2) at[s.result] = whole(s.result);
  for (int k = s.node_count - 1; k >= 0; --k) {
    const region r = at[k + 1];
    if (!r.set) continue;
    const schedule_node& n = s.nodes[k];
    if (n.kind != node_kind::layer) {  // a merge: every input as the output
      for (int i = 0; i < n.input_count; ++i) merge(at[n.inputs[i]], r);
      continue;
    }
    const arithmetic& a = table[k].a;
    const int in = n.inputs[0];
    region q{true, {}, {}};
    for (int i = 0; i < 2; ++i) {
      const axis ax = axis_of(a, i);
      const long long lo = r.lo[i], hi = r.hi[i], n_in = extent(in, i);
      long long from = lo, to = hi;
      switch (a.kind) {
        case arithmetic_kind::window:
          from = lo * ax.stride - ax.pad_begin;
          to = hi * ax.stride - ax.pad_begin + static_cast<long long>(ax.dilation) * (ax.kernel - 1);
          break;
        case arithmetic_kind::transposed: {
          const long long reach = static_cast<long long>(ax.dilation) * (ax.kernel - 1);
          from = floor_div(lo + ax.pad_begin - reach + ax.stride - 1, ax.stride);
          to = floor_div(hi + ax.pad_begin, ax.stride);
          break;
        }
        case arithmetic_kind::upsample:
          from = lo * ax.in / ax.out - 1;
          to = hi * ax.in / ax.out + 1;
          break;
        case arithmetic_kind::pad:
          from = lo - ax.pad_begin;
          to = hi - ax.pad_begin;
          break;
        case arithmetic_kind::none:
          if (table[k].mixes || extent(in, i) != extent(k + 1, i)) {
            from = 0;
            to = n_in - 1;
          }
          break;
      }
      q.lo[i] = from < 0 ? 0 : from;
      q.hi[i] = to >= n_in ? n_in - 1 : to;
    }
    merge(at[in], q);
  }
  return at[0];
}
}  // namespace impl::draw

// The network's input grid with the pixels output pixel (y, x) depends on; for a classifier's flat
// output, all of them.
template <class Net>
void draw_receptive_field(std::FILE* out, long long y, long long x) {
  namespace d = impl::draw;
  const d::region r = d::receptive_region<Net>(y, x);
  const shape in = Net::input_shape;
  const long long rows = in.rank >= 3 ? in[in.rank - 2] : 1, cols = in[in.rank - 1];
  d::writer w{out, d::cell_size(cols)};
  const bool cells = rows * cols <= 64 * 64;  // a grid of cells; past that, one rect and lines every 8
  const int width = static_cast<int>(cols) * w.cell + 60 > 700 ? static_cast<int>(cols) * w.cell + 60 : 700;
  const int height = static_cast<int>(rows) * w.cell + 110;
  char title[200];
  std::snprintf(title, sizeof title, "receptive field of output pixel (%lld, %lld): input rows %lld-%lld, columns %lld-%lld",
                y, x, r.lo[0], r.hi[0], r.lo[1], r.hi[1]);
  w.begin(width, height, title);
  w.text(20, 22, title);
  const int x0 = 30, y0 = 40;
  if (cells) {
    w.grid(x0, y0, rows, cols, "input");
  } else {
    w.rect(x0, y0, static_cast<double>(cols * w.cell), static_cast<double>(rows * w.cell), "cell input");
  }
  if (r.set)
    w.rect(x0 + r.lo[1] * w.cell, y0 + r.lo[0] * w.cell, static_cast<double>((r.hi[1] - r.lo[1] + 1) * w.cell),
           static_cast<double>((r.hi[0] - r.lo[0] + 1) * w.cell), "field");
  char line[256];
  std::snprintf(line, sizeof line, "input %s, output %s: %lld x %lld pixels", to_text(in).c_str(),
                to_text(Net::output_shape).c_str(), r.hi[0] - r.lo[0] + 1, r.hi[1] - r.lo[1] + 1);
  w.text(20, y0 + static_cast<int>(rows) * w.cell + 24, line);
  w.end();
}

// The network as boxes (a layer's name and output shape) from top to bottom, edges labelled with the
// shapes they carry, a block's branches side by side above its merge.
template <class Net>
void draw_network(std::FILE* out) {
  constexpr const auto& s = schedule_of<Net>::value;
  constexpr int N = s.node_count;
  constexpr int box_w = 170, box_h = 36, col_w = 190, row_h = 62;
  // Width (columns) and height (rows) of each node's drawing, children first (they precede their block).
  std::array<int, N + 1> cols{}, rows{}, x{}, y{};
  const auto children = [&](int parent, int branch, auto&& f) {
    for (int k = 0; k < N; ++k)
      if (s.nodes[k].parent == parent && s.nodes[k].in_branch == branch) f(k);
  };
  const auto branches = [&](int k) {
    int b = 0;
    for (int j = 0; j < N; ++j)
      if (s.nodes[j].parent == k && s.nodes[j].in_branch + 1 > b) b = s.nodes[j].in_branch + 1;
    return b;
  };
  for (int k = 0; k < N; ++k) {
    const schedule_node& n = s.nodes[k];
    if (n.kind == node_kind::layer) {
      cols[k] = 1;
      rows[k] = 1;
      continue;
    }
    int width = 0, height = 0;
    for (int b = 0; b < std::max(branches(k), 1); ++b) {
      int bw = 1, bh = 0;  // an empty branch (identity) still takes a column
      children(k, b, [&](int j) {
        bw = std::max(bw, cols[j]);
        bh += rows[j];
      });
      width += bw;
      height = std::max(height, bh);
    }
    cols[k] = std::max(width, 1);
    rows[k] = height + (n.kind == node_kind::chain ? 0 : 1);
  }
  // Places the items of one branch from (cx, cy), centred in `span` columns.
  const auto place = [&](auto&& self, int parent, int branch, int cx, int cy, int span) -> void {
    int row = cy;
    children(parent, branch, [&](int k) {
      const schedule_node& n = s.nodes[k];
      if (n.kind == node_kind::layer) {
        x[k] = cx + (span - 1) * col_w / 2;
        y[k] = row;
        row += row_h;
        return;
      }
      int bx = cx + (span - cols[k]) * col_w / 2, tallest = 0;
      for (int b = 0; b < std::max(branches(k), 1); ++b) {
        int bw = 1, bh = 0;
        children(k, b, [&](int j) {
          bw = std::max(bw, cols[j]);
          bh += rows[j];
        });
        self(self, k, b, bx, row, bw);
        bx += bw * col_w;
        tallest = std::max(tallest, bh);
      }
      row += tallest * row_h;
      x[k] = cx + (span - 1) * col_w / 2;
      y[k] = row;
      if (n.kind != node_kind::chain) row += row_h;
    });
  };
  int total_rows = 0;
  int total_cols = 1;
  children(-1, 0, [&](int k) {
    total_rows += rows[k];
    total_cols = std::max(total_cols, cols[k]);
  });
  place(place, -1, 0, 20, 20 + row_h, total_cols);
  const int width = total_cols * col_w + 40, height = (total_rows + 2) * row_h + 40;
  impl::draw::writer w{out};
  w.begin(width, height, "network");
  // The tensor each node writes comes from a box: a chain passes its last layer's through.
  std::array<int, N + 1> from_x{}, from_y{};
  from_x[0] = 20 + (total_cols - 1) * col_w / 2 + box_w / 2;
  from_y[0] = 20 + box_h;
  std::fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">input %s</text>\n", from_x[0], 20 + box_h / 2,
               to_text(Net::input_shape).c_str());
  // The shape is written by the edge's end, or by its start where several edges meet at a merge.
  const auto edge = [&](int tensor, int tx, int ty, bool label_at_start) {
    const shape sh = tensor == 0 ? Net::input_shape : s.nodes[tensor - 1].out;
    std::fprintf(out, "<path class=\"edge\" d=\"M%d %d C%d %d %d %d %d %d\"/>\n", from_x[tensor], from_y[tensor],
                 from_x[tensor], (from_y[tensor] + ty) / 2, tx, (from_y[tensor] + ty) / 2, tx, ty);
    std::fprintf(out, "<text class=\"small\" x=\"%d\" y=\"%d\">%s</text>\n", (label_at_start ? from_x[tensor] : tx) + 4,
                 label_at_start ? from_y[tensor] + 14 : ty - 6, to_text(sh).c_str());
  };
  for (int k = 0; k < N; ++k) {
    const schedule_node& n = s.nodes[k];
    if (n.kind == node_kind::chain) {
      from_x[k + 1] = from_x[n.inputs[0]];
      from_y[k + 1] = from_y[n.inputs[0]];
      continue;
    }
    const int cx = x[k] + box_w / 2;
    for (int i = 0; i < n.input_count; ++i) edge(n.inputs[i], cx, y[k], n.input_count > 1);
    w.rect(x[k], y[k], box_w, box_h, n.kind == node_kind::layer ? "box" : "merge");
    std::fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", cx, y[k] + 15);
    // A merge by its operation; a multiply or max_unpool block (say a squeeze_excitation) by its name.
    impl::draw::put_text(out, n.kind == node_kind::add ? "add" : n.kind == node_kind::concat ? "concat" : n.name);
    std::fputs("</text>\n", out);
    std::fprintf(out, "<text class=\"small\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", cx, y[k] + 30,
                 to_text(n.out).c_str());
    from_x[k + 1] = cx;
    from_y[k + 1] = y[k] + box_h;
  }
  const int end_y = (total_rows + 1) * row_h + 20 + 10;
  edge(s.result, from_x[0], end_y, false);
  std::fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">output %s</text>\n", from_x[0], end_y + 16,
               to_text(Net::output_shape).c_str());
  w.end();
}

CTNN_END_CONFIG
