// libFuzzer target: length classification and the base-frame decoder. Beyond "no crash",
// it checks that decode() is consistent: an accepted frame re-encodes to the very same
// bytes, and a reported error means every earlier rule of the normative order passed.
#include "core/vlp/crc32c.h"
#include "core/vlp/frame.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace varta::vlp;

namespace {

void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_decode: %s\n", what);
        std::abort();
    }
}

template <typename T>
T loadLe(const std::uint8_t *p) {
    T value = 0;
    for (std::size_t i = sizeof(T); i-- > 0;)
        value = static_cast<T>(value << 8 | p[i]);
    return value;
}

void checkLength(std::size_t size) {
    const DatagramKind kind = classifyLength(size);
    require((kind == DatagramKind::Plain) == (size == kFrameSize), "plain length");
    require((kind == DatagramKind::SharedKeySecure) == (size == kSharedSecureFrameSize), "60 length");
    require((kind == DatagramKind::MasterKeySecure) == (size == kMasterSecureFrameSize), "64 length");
}

// The error is the FIRST rule that fails: all rules before it hold.
void checkErrorOrder(const std::uint8_t *p, DecodeError error) {
    const auto rank = static_cast<int>(error);
    const bool crcOk = crc32c(std::span<const std::uint8_t>(p, 28)) == loadLe<std::uint32_t>(p + 28);
    const auto pid = loadLe<std::uint32_t>(p + 4);
    const bool rules[kDecodeErrorCount] = {
        p[0] == kMagic0 && p[1] == kMagic1,
        p[2] == kVersion,
        crcOk,
        p[3] <= 3,
        p[3] != 3,
        pid > 1,
        loadLe<std::uint64_t>(p + 8) != kTimestampInvalid,
        loadLe<std::uint64_t>(p + 16) != kNonceTerminal || p[3] == static_cast<std::uint8_t>(Status::Critical),
    };
    for (int i = 0; i < rank; ++i)
        require(rules[i], "an earlier rule failed but a later error was reported");
    require(!rules[rank], "the reported rule holds");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    checkLength(size);
    if (size < kFrameSize)
        return 0;
    const std::span<const std::uint8_t, kFrameSize> bytes(data, kFrameSize);
    Frame frame;
    if (const auto error = decode(bytes, frame)) {
        checkErrorOrder(data, *error);
        return 0;
    }
    const auto encoded = encode(frame);
    require(std::memcmp(encoded.data(), data, kFrameSize) == 0, "accepted frame re-encodes differently");
    return 0;
}
