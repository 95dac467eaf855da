// Replaces the global operator new/delete of the executable that includes this header (include
// it from exactly one source file of that executable) with malloc/free that count: the
// allocations made between two reads of allocation_count(). Used by tests/unit/rules_alloc and
// tests/bench/rules_eval.cpp.
#pragma once

// GCC pairs the replaced operators with malloc/free and warns when it inlines them.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace cg::test {
inline std::size_t g_allocation_count = 0;
// Heap allocations through operator new since the program started (single-threaded use).
inline std::size_t allocation_count() { return g_allocation_count; }
}  // namespace cg::test

void* operator new(std::size_t n) {
  ++cg::test::g_allocation_count;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
