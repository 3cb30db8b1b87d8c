#include "core/recovery/audit_schema.h"

#include <QCryptographicHash>

#include <algorithm>
#include <limits>

namespace varta::audit {

namespace {

bool isDecimal(const QByteArray &text) {
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Digit by digit with an overflow check, so no length or value can wrap.
std::optional<std::uint64_t> decimalSeq(const QByteArray &text) {
    if (!isDecimal(text) || text.size() > kMaxSeqDigits)
        return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

bool isHex(const QByteArray &text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

}  // namespace

const char *bootReasonLabel(BootReason reason) noexcept {
    switch (reason) {
    case BootReason::Fresh: return "fresh";
    case BootReason::Resume: return "resume";
    case BootReason::LegacyV1: return "legacy_v1";
    case BootReason::CorruptTail: return "corrupt_tail";
    case BootReason::SchemaDrift: return "schema_drift";
    case BootReason::Rotation: return "rotation";
    case BootReason::Reopen: return "reopen";
    }
    return "unknown";
}

QByteArray headerLine() { return QByteArray(kHeaderV2) + '\n'; }

QByteArray zeroChain() { return QByteArray(kChainBytes, '\0'); }

QByteArray chainOf(const QByteArray &kind, const QByteArray &prevChain, const QByteArray &body) {
    static const char zero = '\0';
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayView("VARTA-AUDIT-v2"));
    hash.addData(QByteArrayView(&zero, 1));
    hash.addData(kind);
    hash.addData(QByteArrayView(&zero, 1));
    hash.addData(prevChain);
    hash.addData(QByteArrayView(&zero, 1));
    hash.addData(body);
    return hash.result();
}

std::optional<RecordTail> parseRecord(const QByteArray &line) {
    const qsizetype firstTab = line.indexOf('\t');
    if (line.startsWith('#') || firstTab < 0)
        return std::nullopt;
    const std::optional<std::uint64_t> seq = decimalSeq(line.left(firstTab));
    const QByteArray chain = line.mid(line.lastIndexOf('\t') + 1);
    if (!seq)
        return std::nullopt;
    if (chain == "-")
        return RecordTail{*seq, zeroChain(), false};
    if (chain.size() != 2 * kChainBytes || !isHex(chain))
        return std::nullopt;
    return RecordTail{*seq, QByteArray::fromHex(chain), true};
}

bool looksLikeRecord(const QByteArray &line) {
    const qsizetype firstTab = line.indexOf('\t');
    return firstTab > 0 && isDecimal(line.left(firstTab));
}

}  // namespace varta::audit
