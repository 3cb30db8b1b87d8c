#include "core/vlp/frame.h"

#include "core/vlp/crc32c.h"

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

DatagramKind classifyLength(std::size_t length) noexcept {
    switch (length) {
    case kFrameSize: return DatagramKind::Plain;
    case kSharedSecureFrameSize: return DatagramKind::SharedKeySecure;
    case kMasterSecureFrameSize: return DatagramKind::MasterKeySecure;
    default: return DatagramKind::WrongLength;
    }
}

std::optional<DecodeError> decode(std::span<const std::uint8_t, kFrameSize> bytes, Frame &out) noexcept {
    const std::uint8_t *p = bytes.data();
    if (p[0] != kMagic0 || p[1] != kMagic1)
        return DecodeError::BadMagic;
    if (p[2] != kVersion)
        return DecodeError::BadVersion;
    if (crc32c(bytes.first<kCrcOffset>()) != loadLe<std::uint32_t>(p + kCrcOffset))
        return DecodeError::BadCrc;
    const std::uint8_t status = p[3];
    if (status > static_cast<std::uint8_t>(Status::Stall))
        return DecodeError::BadStatus;
    if (status == static_cast<std::uint8_t>(Status::Stall))
        return DecodeError::StallOnWire;
    const auto pid = loadLe<std::uint32_t>(p + 4);
    if (pid == 0 || pid == 1)
        return DecodeError::BadPid;
    const auto timestamp = loadLe<std::uint64_t>(p + 8);
    if (timestamp == kTimestampInvalid)
        return DecodeError::BadTimestamp;
    const auto nonce = loadLe<std::uint64_t>(p + 16);
    if (nonce == kNonceTerminal && status != static_cast<std::uint8_t>(Status::Critical))
        return DecodeError::BadNonce;

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
