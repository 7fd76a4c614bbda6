// The process's memory allocator, as `flowgate version` reports it.
#pragma once

#include <string>

namespace flowgate {

// "mimalloc 2.0.9" when the binary links mimalloc (CMake's FLOWGATE_MIMALLOC, the default)
// and malloc is mimalloc's; "mimalloc 2.0.9, linked but not in use" when another
// allocator took malloc first (a wrong link order, or LD_PRELOAD); "system malloc" in a
// build without it (the sanitizer and fuzzing builds: ASan brings its own).
std::string allocatorDescription();

}  // namespace flowgate
