#pragma once
// The recovery audit log's schema v2 (docs/compat.md section 3), shared by the writer and
// the probe that reads an existing file: the header lines, the boot reasons, the chain
// and what counts as a record when resuming.

#include <QByteArray>

#include <cstdint>
#include <optional>

namespace varta::audit {

inline constexpr const char *kHeaderV2 = "# varta-watch recovery audit v2";
inline constexpr const char *kHeaderV1Prefix = "# varta-watch recovery audit v1";
inline constexpr qsizetype kChainBytes = 32;

// Why a `boot` record was written; its label is the record's `reason` column.
enum class BootReason : std::uint8_t {
    Fresh,        // an empty file (or a header without records)
    Resume,       // the last line is a record: seq and chain continue from it
    LegacyV1,     // a v1 file: a v2 header is appended, seq restarts at 1
    CorruptTail,  // bytes after the last newline were cut off the file
    SchemaDrift,  // an unknown header, or a last line that is no record
    Rotation,     // the first record of a new generation after a rotation
    Reopen,       // the first record after PATH was moved, deleted or truncated under us
};

const char *bootReasonLabel(BootReason reason) noexcept;

QByteArray headerLine();  // kHeaderV2 and its newline
QByteArray zeroChain();   // the chain before the first record

// SHA-256("VARTA-AUDIT-v2" 0x00 kind 0x00 prevChain 0x00 body), 32 raw bytes.
QByteArray chainOf(const QByteArray &kind, const QByteArray &prevChain, const QByteArray &body);

// Decimal digits of the largest seq (2^64-1): a longer first column is no seq of ours,
// and is never handed to a parser that could misread it.
inline constexpr qsizetype kMaxSeqDigits = 20;

struct RecordTail {
    std::uint64_t seq = 0;
    QByteArray chain;     // 32 raw bytes; zeros for `-`
    bool chained = true;  // false for `-`: nothing to verify
};

// A line (without its newline) is a record to resume from when, as upstream reads it,
// it is no comment, its first column is a decimal seq and its last column is a chain
// (64 hex digits) or `-`. The columns in between are not judged: a newer schema's extra
// columns still resume.
std::optional<RecordTail> parseRecord(const QByteArray &line);
// Whether a line starts with a decimal column, of any length: a record, or one whose seq
// does not fit (a forged or corrupt tail rather than a foreign schema).
bool looksLikeRecord(const QByteArray &line);

}  // namespace varta::audit
