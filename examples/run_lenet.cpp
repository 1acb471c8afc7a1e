// Runs LeNet-5 on one 32x32 image: weights in PyTorch's state_dict order, activations in a static
// arena whose size the compiler knows, no heap.
//
// With a trained PyTorch model, write the weights with
//   torch.cat([t.flatten() for k, t in model.state_dict().items()
//              if not k.endswith("num_batches_tracked")]).numpy().astype("float32").tofile("lenet.bin")
// and read the file into `flat` instead of the made-up values below.
#include <ctnn/ctnn.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace ctnn;

using lenet = sequential<input<1, 32, 32>,
                         conv2d<6, 5>, relu, max_pool2d<2>,
                         conv2d<16, 5>, relu, max_pool2d<2>,
                         flatten, linear<120>, relu, linear<84>, relu, linear<10>>;

static lenet::weights weights;        // 61,706 parameters
static static_arena<lenet> arena;     // every activation of one forward pass

int main() {
  std::vector<float> flat(61706);
  for (std::size_t i = 0; i < flat.size(); ++i) flat[i] = 0.1f * std::sin(0.37f * float(i));
  const load_result loaded = load_weights(weights, std::span<const float>(flat));
  if (!loaded.ok) {
    std::printf("expected %lld weights, got %lld\n", (long long)loaded.expected, (long long)loaded.given);
    return 1;
  }

  std::array<float, lenet::input_size> image{};  // a vertical bar
  for (int y = 4; y < 28; ++y)
    for (int x = 14; x < 18; ++x) image[y * 32 + x] = 1.0f;

  std::array<float, lenet::output_size> logits{};
  lenet::forward(weights, image, logits, arena);
  std::printf("arena: %zu bytes\nlogits:", sizeof(arena));
  for (float v : logits) std::printf(" %.4f", v);
  std::printf("\n");
}
