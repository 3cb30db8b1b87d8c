#pragma once
// The VLP v0.2 base frame: 32 bytes, little-endian (docs/protocol.md section 1).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace varta::vlp {

// Linux's PID_MAX_LIMIT: no host's /proc/sys/kernel/pid_max goes higher, so no agent on
// any host can claim a pid above it.
inline constexpr std::uint32_t kLinuxPidMaxLimit = 4'194'304;
inline constexpr std::size_t kFrameSize = 32;
inline constexpr std::size_t kSharedSecureFrameSize = 60;
inline constexpr std::size_t kMasterSecureFrameSize = 64;
// Receive buffers are one byte larger than the largest valid frame so that an
// over-long datagram shows up as over-long instead of being silently cut.
inline constexpr std::size_t kReceiveBufferSize = kMasterSecureFrameSize + 1;

inline constexpr std::uint8_t kMagic0 = 0x56;  // 'V'
inline constexpr std::uint8_t kMagic1 = 0x41;  // 'A'
inline constexpr std::uint8_t kVersion = 0x02;
inline constexpr std::uint64_t kNonceTerminal = 0xFFFFFFFFFFFFFFFFull;
inline constexpr std::uint64_t kTimestampInvalid = 0xFFFFFFFFFFFFFFFFull;

enum class Status : std::uint8_t { Ok = 0, Degraded = 1, Critical = 2, Stall = 3 };

// Normative order: decode() reports the first of these that applies.
enum class DecodeError : std::uint8_t {
    BadMagic,
    BadVersion,
    BadCrc,
    BadStatus,
    StallOnWire,
    BadPid,
    BadTimestamp,
    BadNonce,
};
inline constexpr std::size_t kDecodeErrorCount = 8;

// "BadMagic": the event-file spelling.
std::string_view decodeErrorName(DecodeError error) noexcept;
// "bad_magic": the metric label spelling.
std::string_view decodeErrorLabel(DecodeError error) noexcept;
// "ok" / "degraded" / "critical" / "stall": the event-file spelling.
std::string_view statusName(Status status) noexcept;

// What decode() saw when it refused a frame: the values upstream's varta_vlp::DecodeError
// carries, kept for the event file's decode lines. Only a refusal fills it, so an
// accepted frame pays nothing for it.
struct DecodeFailure {
    DecodeError kind = DecodeError::BadMagic;
    std::uint8_t status = 0;        // BadStatus: the byte sent; BadNonce: the status it came with
    std::uint32_t expectedCrc = 0;  // BadCrc: computed over bytes 0..28 (upstream's `expected`)
    std::uint32_t actualCrc = 0;    // BadCrc: the u32 at offset 28 as sent (upstream's `actual`)
    std::uint32_t pid = 0;          // BadPid
    std::uint64_t value = 0;        // BadTimestamp: the timestamp; BadNonce: the nonce
};

// The longest detail, "BadNonce { nonce: 18446744073709551615, status: Degraded }", is 58.
inline constexpr std::size_t kDecodeDetailMax = 64;
// Writes a decode line's payload as upstream does, Rust's Debug text of the error:
// "BadMagic", "BadStatus(7)", "BadCrc { expected: 1, actual: 2 }", ... into `out`, which
// has room for kDecodeDetailMax bytes. Returns the end of what it wrote.
char *putDecodeDetail(char *out, const DecodeFailure &failure) noexcept;

struct Frame {
    Status status = Status::Ok;
    std::uint32_t pid = 0;
    std::uint64_t timestamp = 0;
    std::uint64_t nonce = 0;
    std::uint32_t payload = 0;

    // The panic hook's last word: Critical with the terminal nonce.
    bool isPanic() const noexcept { return status == Status::Critical && nonce == kNonceTerminal; }
    friend bool operator==(const Frame &, const Frame &) = default;
};

// What a datagram of this length can be. Decided before any decoding: a length that
// is none of these is "truncated", not a decode error.
enum class DatagramKind : std::uint8_t { Plain, SharedKeySecure, MasterKeySecure, WrongLength };
DatagramKind classifyLength(std::size_t length) noexcept;

// Returns the first failure in normative order, or nothing when `out` holds the frame.
// On a failure, `failure` (when given) receives what was seen.
std::optional<DecodeError> decode(std::span<const std::uint8_t, kFrameSize> bytes, Frame &out,
                                  DecodeFailure *failure = nullptr) noexcept;

// Encodes any frame, including ones decode() would reject (tests need those).
std::array<std::uint8_t, kFrameSize> encode(const Frame &frame) noexcept;

}  // namespace varta::vlp
