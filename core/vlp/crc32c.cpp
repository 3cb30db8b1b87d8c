#include "core/vlp/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define VARTA_HAVE_X86_CRC 1
#endif

namespace varta::vlp {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78u;

constexpr std::array<std::uint32_t, 256> makeTable() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 1u) ? (c >> 1) ^ kPolynomial : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr auto kTable = makeTable();

using CrcFn = std::uint32_t (*)(std::span<const std::uint8_t>) noexcept;

CrcFn pickImplementation() noexcept { return crc32cHardwareAvailable() ? &crc32cHardware : &crc32cTable; }

const CrcFn kSelected = pickImplementation();

}  // namespace

std::uint32_t crc32cTable(std::span<const std::uint8_t> data) noexcept {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::uint8_t byte : data)
        crc = kTable[(crc ^ byte) & 0xFFu] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

#ifdef VARTA_HAVE_X86_CRC
__attribute__((target("sse4.2"))) std::uint32_t crc32cHardware(std::span<const std::uint8_t> data) noexcept {
    std::uint64_t crc = 0xFFFFFFFFu;
    const std::uint8_t *p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof word);
        crc = _mm_crc32_u64(crc, word);
        p += 8;
        n -= 8;
    }
    auto crc32 = static_cast<std::uint32_t>(crc);
    while (n-- > 0)
        crc32 = _mm_crc32_u8(crc32, *p++);
    return crc32 ^ 0xFFFFFFFFu;
}

bool crc32cHardwareAvailable() noexcept {
    __builtin_cpu_init();  // may run before the CPU-model constructor
    return __builtin_cpu_supports("sse4.2");
}
#else
std::uint32_t crc32cHardware(std::span<const std::uint8_t> data) noexcept { return crc32cTable(data); }

bool crc32cHardwareAvailable() noexcept { return false; }
#endif

std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept { return kSelected(data); }

}  // namespace varta::vlp
