#pragma once
// A cache-line prefetch the optimiser keeps. GCC 12 treats __builtin_prefetch as free
// of side effects: once a small wrapper around it is judged pure, calls to the wrapper
// are removed as dead code (seen in IngestPipeline's look-ahead: no prefetch survived).
// An asm statement cannot be removed.

namespace varta {

inline void prefetchForRead(const void *address) noexcept {
#if defined(__x86_64__) || defined(__i386__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char *>(address)));
#else
    __builtin_prefetch(address, 0);
#endif
}

// For a line about to be written. x86 without PREFETCHW gains nothing over a read
// prefetch; the line arrives either way.
inline void prefetchForWrite(const void *address) noexcept {
#if defined(__x86_64__) || defined(__i386__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char *>(address)));
#else
    __builtin_prefetch(address, 1);
#endif
}

}  // namespace varta
