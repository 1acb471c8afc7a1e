// The negative control of the heap check: this image calls malloc (with the minimal _sbrk newlib needs),
// so the check that passes the examples must reject it, naming malloc.
#include <cstddef>
#include <cstdlib>

extern "C" void* _sbrk(std::ptrdiff_t increment) {
  alignas(8) static char heap[4096];
  static std::size_t used = 0;
  void* start = heap + used;
  used += static_cast<std::size_t>(increment);
  return start;
}

int main() {
  void* p = std::malloc(16);
  std::free(p);
  return p == nullptr;
}
