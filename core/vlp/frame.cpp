#include "core/vlp/frame.h"

#include "core/vlp/crc32c.h"

#include <charconv>
#include <cstring>

namespace varta::vlp {
namespace {

constexpr std::size_t kCrcOffset = 28;

template <typename T>
T loadLe(const std::uint8_t *p) noexcept {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value |= static_cast<T>(p[i]) << (8 * i);
    return value;
}

template <typename T>
void storeLe(std::uint8_t *p, T value) noexcept {
    for (std::size_t i = 0; i < sizeof(T); ++i)
        p[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// Refusals are rare: out of line, they leave the accepted path short.
[[gnu::cold]] std::optional<DecodeError> refuse(DecodeFailure *failure, const DecodeFailure &seen) noexcept {
    if (failure)
        *failure = seen;
    return seen.kind;
}

char *put(char *p, std::string_view text) noexcept {
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
}

template <typename T>
char *putNumber(char *p, T value) noexcept {
    return std::to_chars(p, p + 20, value).ptr;
}

// Rust's Debug spelling of varta_vlp::Status.
std::string_view statusVariant(std::uint8_t status) noexcept {
    switch (status) {
    case 0: return "Ok";
    case 1: return "Degraded";
    case 2: return "Critical";
    case 3: return "Stall";
    default: return "Unknown";
    }
}

}  // namespace

std::string_view decodeErrorName(DecodeError error) noexcept {
    switch (error) {
    case DecodeError::BadMagic: return "BadMagic";
    case DecodeError::BadVersion: return "BadVersion";
    case DecodeError::BadCrc: return "BadCrc";
    case DecodeError::BadStatus: return "BadStatus";
    case DecodeError::StallOnWire: return "StallOnWire";
    case DecodeError::BadPid: return "BadPid";
    case DecodeError::BadTimestamp: return "BadTimestamp";
    case DecodeError::BadNonce: return "BadNonce";
    }
    return "Unknown";
}

std::string_view decodeErrorLabel(DecodeError error) noexcept {
    switch (error) {
    case DecodeError::BadMagic: return "bad_magic";
    case DecodeError::BadVersion: return "bad_version";
    case DecodeError::BadCrc: return "bad_crc";
    case DecodeError::BadStatus: return "bad_status";
    case DecodeError::StallOnWire: return "stall_on_wire";
    case DecodeError::BadPid: return "bad_pid";
    case DecodeError::BadTimestamp: return "bad_timestamp";
    case DecodeError::BadNonce: return "bad_nonce";
    }
    return "unknown";
}

std::string_view statusName(Status status) noexcept {
    switch (status) {
    case Status::Ok: return "ok";
    case Status::Degraded: return "degraded";
    case Status::Critical: return "critical";
    case Status::Stall: return "stall";
    }
    return "unknown";
}

char *putDecodeDetail(char *out, const DecodeFailure &failure) noexcept {
    char *p = put(out, decodeErrorName(failure.kind));
    switch (failure.kind) {
    case DecodeError::BadCrc:
        p = put(p, " { expected: ");
        p = putNumber(p, failure.expectedCrc);
        p = put(p, ", actual: ");
        p = putNumber(p, failure.actualCrc);
        return put(p, " }");
    case DecodeError::BadStatus:
        *p++ = '(';
        p = putNumber(p, failure.status);
        *p++ = ')';
        return p;
    case DecodeError::BadPid:
        *p++ = '(';
        p = putNumber(p, failure.pid);
        *p++ = ')';
        return p;
    case DecodeError::BadTimestamp:
        *p++ = '(';
        p = putNumber(p, failure.value);
        *p++ = ')';
        return p;
    case DecodeError::BadNonce:
        p = put(p, " { nonce: ");
        p = putNumber(p, failure.value);
        p = put(p, ", status: ");
        p = put(p, statusVariant(failure.status));
        return put(p, " }");
    case DecodeError::BadMagic:
    case DecodeError::BadVersion:
    case DecodeError::StallOnWire: return p;
    }
    return p;
}

DatagramKind classifyLength(std::size_t length) noexcept {
    switch (length) {
    case kFrameSize: return DatagramKind::Plain;
    case kSharedSecureFrameSize: return DatagramKind::SharedKeySecure;
    case kMasterSecureFrameSize: return DatagramKind::MasterKeySecure;
    default: return DatagramKind::WrongLength;
    }
}

std::optional<DecodeError> decode(std::span<const std::uint8_t, kFrameSize> bytes, Frame &out,
                                  DecodeFailure *failure) noexcept {
    const std::uint8_t *p = bytes.data();
    if (p[0] != kMagic0 || p[1] != kMagic1)
        return refuse(failure, {.kind = DecodeError::BadMagic});
    if (p[2] != kVersion)
        return refuse(failure, {.kind = DecodeError::BadVersion});
    const std::uint32_t computedCrc = crc32c(bytes.first<kCrcOffset>());
    const auto sentCrc = loadLe<std::uint32_t>(p + kCrcOffset);
    if (computedCrc != sentCrc)
        return refuse(failure, {.kind = DecodeError::BadCrc, .expectedCrc = computedCrc, .actualCrc = sentCrc});
    const std::uint8_t status = p[3];
    if (status > static_cast<std::uint8_t>(Status::Stall))
        return refuse(failure, {.kind = DecodeError::BadStatus, .status = status});
    if (status == static_cast<std::uint8_t>(Status::Stall))
        return refuse(failure, {.kind = DecodeError::StallOnWire});
    const auto pid = loadLe<std::uint32_t>(p + 4);
    if (pid == 0 || pid == 1)
        return refuse(failure, {.kind = DecodeError::BadPid, .pid = pid});
    const auto timestamp = loadLe<std::uint64_t>(p + 8);
    if (timestamp == kTimestampInvalid)
        return refuse(failure, {.kind = DecodeError::BadTimestamp, .value = timestamp});
    const auto nonce = loadLe<std::uint64_t>(p + 16);
    if (nonce == kNonceTerminal && status != static_cast<std::uint8_t>(Status::Critical))
        return refuse(failure, {.kind = DecodeError::BadNonce, .status = status, .value = nonce});

    out.status = static_cast<Status>(status);
    out.pid = pid;
    out.timestamp = timestamp;
    out.nonce = nonce;
    out.payload = loadLe<std::uint32_t>(p + 24);
    return std::nullopt;
}

std::array<std::uint8_t, kFrameSize> encode(const Frame &frame) noexcept {
    std::array<std::uint8_t, kFrameSize> bytes{};
    std::uint8_t *p = bytes.data();
    p[0] = kMagic0;
    p[1] = kMagic1;
    p[2] = kVersion;
    p[3] = static_cast<std::uint8_t>(frame.status);
    storeLe(p + 4, frame.pid);
    storeLe(p + 8, frame.timestamp);
    storeLe(p + 16, frame.nonce);
    storeLe(p + 24, frame.payload);
    storeLe(p + kCrcOffset, crc32c(std::span<const std::uint8_t>(p, kCrcOffset)));
    return bytes;
}

}  // namespace varta::vlp
