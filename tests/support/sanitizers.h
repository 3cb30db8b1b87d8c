#pragma once
// What a test must know about the sanitizer build (scripts/test.sh asan: ASan + UBSan).

namespace varta::test {

// Under AddressSanitizer malloc is the sanitizer's: freed memory waits in a quarantine
// (256 MiB) before reuse, so a process's resident memory measures the sanitizer. Tests
// report it there and assert it in the release build.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedAllocator = true;
#else
inline constexpr bool kSanitizedAllocator = false;
#endif

// UBSan checks a virtual call by reading the object's vtable, and first makes sure that
// memory is readable by writing it into a pipe it opens for the purpose. In a process with
// no descriptor left that pipe cannot be made, and the check reports a false "invalid
// vptr". Tests that run a process out of descriptors run in the release build only.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizersNeedDescriptors = true;
#else
inline constexpr bool kSanitizersNeedDescriptors = false;
#endif
inline constexpr const char *kSanitizersNeedDescriptorsWhy =
    "UBSan needs a free descriptor (a pipe) to check a virtual call; at the limit it reports false errors";

}  // namespace varta::test
