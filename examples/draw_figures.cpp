// Draws the convolution-arithmetic figures (SVG) into a folder: the classic cases of Dumoulin and Visin's
// guide and their transposed counterparts, pooling, upsampling, padding and partial convolution, and the
// zoo's networks with a receptive field. `draw_figures docs/figures` makes the committed ones.
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include <ctnn/analysis/draw.hpp>
#include <ctnn/ctnn.hpp>

#include "zoo/inception.hpp"
#include "zoo/lenet5.hpp"
#include "zoo/resnet18.hpp"
#include "zoo/unet.hpp"

using namespace ctnn;

namespace {
std::string folder = "figures";
int written = 0;

// Writes through a temporary file and renames it, so that a failed run leaves no half figure.
template <class Draw>
bool write(const char* name, Draw draw) {
  const std::string path = folder + "/" + name + ".svg", temporary = path + ".tmp";
  std::FILE* f = std::fopen(temporary.c_str(), "w");
  if (f == nullptr) return std::fprintf(stderr, "draw_figures: cannot write %s\n", temporary.c_str()), false;
  draw(f);
  const bool ok = std::fclose(f) == 0 && std::rename(temporary.c_str(), path.c_str()) == 0;
  if (!ok) std::remove(temporary.c_str());
  written += ok;
  return ok;
}
template <index_t I, class Layer>
using one = sequential<input<1, I, I>, Layer>;
template <class Net>
bool layer(const char* name) {
  return write(name, [](std::FILE* f) { draw_layer<Net, 0>(f); });
}

// A 3x3 stack with a pooling layer, for a receptive field that grows.
using vgg_block = sequential<input<3, 32, 32>, conv2d<8, 3, pad<1>>, relu, conv2d<8, 3, pad<1>>, relu, max_pool2d<2>,
                             conv2d<16, 3, pad<1>>, relu>;
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) folder = argv[1];
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return std::fprintf(stderr, "draw_figures: cannot create %s: %s\n", folder.c_str(), error.message().c_str()), 1;
  bool ok = true;
  // The guide's convolutions (its figures 2.1-2.4, 2.5-2.7, 5.1) and their transposed counterparts
  // (4.1-4.7, 5.2): the transposed one takes the direct one's output and restores its input size.
  ok &= layer<one<4, conv2d<1, 3>>>("no_padding_no_strides");
  ok &= layer<one<2, conv_transpose2d<1, 3>>>("no_padding_no_strides_transposed");
  ok &= layer<one<5, conv2d<1, 4, pad<2>>>>("arbitrary_padding_no_strides");
  ok &= layer<one<6, conv_transpose2d<1, 4, pad<2>>>>("arbitrary_padding_no_strides_transposed");
  ok &= layer<one<5, conv2d<1, 3, pad_same>>>("same_padding_no_strides");
  ok &= layer<one<5, conv_transpose2d<1, 3, pad<1>>>>("same_padding_no_strides_transposed");
  ok &= layer<one<5, conv2d<1, 3, pad_full>>>("full_padding_no_strides");
  ok &= layer<one<7, conv_transpose2d<1, 3, pad<2>>>>("full_padding_no_strides_transposed");
  ok &= layer<one<5, conv2d<1, 3, stride<2>>>>("no_padding_strides");
  ok &= layer<one<2, conv_transpose2d<1, 3, stride<2>>>>("no_padding_strides_transposed");
  ok &= layer<one<5, conv2d<1, 3, stride<2>, pad<1>>>>("padding_strides");
  ok &= layer<one<3, conv_transpose2d<1, 3, stride<2>, pad<1>>>>("padding_strides_transposed");
  ok &= layer<one<6, conv2d<1, 3, stride<2>, pad<1>>>>("padding_strides_odd");
  ok &= layer<one<3, conv_transpose2d<1, 3, stride<2>, pad<1>, output_padding<1>>>>("padding_strides_odd_transposed");
  ok &= layer<one<7, conv2d<1, 3, dilation<2>>>>("dilation");
  ok &= layer<one<3, conv_transpose2d<1, 3, dilation<2>>>>("dilation_transposed");
  ok &= layer<one<5, conv2d<1, kernel<3, 2>, pad_tf_same, stride<2>>>>("tf_same_asymmetric");
  // Pooling, upsampling, padding and partial convolution.
  ok &= layer<one<6, max_pool2d<3, stride<2>, ceil_mode>>>("max_pool_ceil_mode");
  ok &= layer<one<5, avg_pool2d<3, stride<1>, pad<1>, exclude_pad>>>("avg_pool_padding");
  ok &= layer<one<3, upsample_nearest2d<scale_factor<2>>>>("upsample_nearest");
  ok &= layer<one<3, upsample_bilinear2d<scale_factor<2>>>>("upsample_bilinear");
  ok &= layer<one<4, reflection_pad2d<pad<2>>>>("reflection_pad");
  ok &= layer<one<4, replication_pad2d<pad_begin<1, 2>, pad_end<2, 1>>>>("replication_pad");
  ok &= layer<one<5, partial_conv2d<1, 3, pad<1>>>>("partial_conv");
  // Whole networks, and receptive fields drawn back onto the input.
  ok &= write("lenet5_network", [](std::FILE* f) { draw_network<zoo::lenet5>(f); });
  ok &= write("inception_3a_network", [](std::FILE* f) { draw_network<zoo::inception_3a>(f); });
  ok &= write("resnet18_network", [](std::FILE* f) { draw_network<zoo::resnet18>(f); });
  ok &= write("vgg_block_receptive_field", [](std::FILE* f) { draw_receptive_field<vgg_block>(f, 8, 5); });
  ok &= write("unet_receptive_field", [](std::FILE* f) { draw_receptive_field<zoo::unet>(f, 128, 128); });
  std::printf("draw_figures: %d figures in %s\n", written, folder.c_str());
  return ok ? 0 : 1;
}
