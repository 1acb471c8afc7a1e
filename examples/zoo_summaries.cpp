// The model zoo: every network declared, checked and summarised at compile time, then printed.
#include "zoo/alexnet.hpp"
#include "zoo/convnext.hpp"
#include "zoo/efficientnet.hpp"
#include "zoo/ds_cnn.hpp"
#include "zoo/inception.hpp"
#include "zoo/lenet5.hpp"
#include "zoo/mobilenet_v1.hpp"
#include "zoo/mobilenet_v2.hpp"
#include "zoo/mobilenet_v3.hpp"
#include "zoo/regnet.hpp"
#include "zoo/resnet18.hpp"
#include "zoo/shufflenet_v2.hpp"
#include "zoo/unet.hpp"
#include "zoo/vgg16.hpp"

// The figures are constants: PyTorch's counts (tools/make_zoo_reference.py) hold at compile time.
static_assert(zoo::lenet5::params == 61706);
static_assert(zoo::resnet18::params == 11689512);
static_assert(zoo::vgg16::macs == 15470264320);
static_assert(zoo::mobilenet_v3_small::params == 2542856 && zoo::convnext_tiny::macs == 4455531264);

template <class Net>
void show(const char* title) {
  std::printf("\n%s\n", title);
  ctnn::print_summary<Net>();
}

int main() {
  show<zoo::lenet5>("LeNet-5");
  show<zoo::alexnet>("AlexNet");
  show<zoo::vgg16>("VGG-16");
  show<zoo::inception_3a>("GoogLeNet inception 3a");
  show<zoo::resnet18>("ResNet-18");
  show<zoo::mobilenet_v1>("MobileNetV1");
  show<zoo::mobilenet_v2>("MobileNetV2");
  show<zoo::ds_cnn>("DS-CNN keyword spotting");
  show<zoo::unet>("U-Net");
  show<zoo::mobilenet_v3_small>("MobileNetV3-small");
  show<zoo::mobilenet_v3_large>("MobileNetV3-large");
  show<zoo::efficientnet_b0>("EfficientNet-B0");
  show<zoo::regnet_y_400mf>("RegNetY-400MF");
  show<zoo::shufflenet_v2_x1_0>("ShuffleNetV2 1.0x");
  show<zoo::convnext_tiny>("ConvNeXt-T");
}
