#include "app/allocator.hpp"

#include <cstdlib>

#ifdef FLOWGATE_MIMALLOC
#include <mimalloc.h>
#endif

namespace flowgate {

std::string allocatorDescription() {
#ifdef FLOWGATE_MIMALLOC
  // mimalloc replaces malloc by symbol interposition: libmimalloc.so comes before libc in
  // the binary's list of libraries. A block from malloc then lies in mimalloc's heap.
  void* block = std::malloc(64);
  bool inUse = false;
  if (block != nullptr) {
    *static_cast<char*>(block) = 0;  // (GCC would warn that the block is read uninitialized)
    inUse = mi_is_in_heap_region(block);
  }
  std::free(block);
  const int v = mi_version();  // 209 for 2.0.9
  std::string name = "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) +
                     "." + std::to_string(v % 10);
  return inUse ? name : name + ", linked but not in use";
#else
  return "system malloc";
#endif
}

}  // namespace flowgate
