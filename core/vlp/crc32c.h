#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every VLP frame.

#include <cstddef>
#include <cstdint>
#include <span>

namespace varta::vlp {

// Dispatches once, at start-up, to the SSE4.2 instruction when the CPU has it.
std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept;

// Both paths are public so tests can prove they agree and benchmarks can compare them.
std::uint32_t crc32cTable(std::span<const std::uint8_t> data) noexcept;
std::uint32_t crc32cHardware(std::span<const std::uint8_t> data) noexcept;  // needs SSE4.2
bool crc32cHardwareAvailable() noexcept;

}  // namespace varta::vlp
