#pragma once
// The audit log's hash chain as docs/compat.md section 3 defines it, written out again
// for the tests so a mistake in AuditLog cannot hide behind shared code.

#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace varta::test {

// The lines of a file, without the empty one after the last newline.
inline QList<QByteArray> linesOfFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

inline QByteArray expectedChain(const QByteArray &kind, const QByteArray &prev, const QByteArray &body) {
    QByteArray input = QByteArrayLiteral("VARTA-AUDIT-v2");
    input.append('\0').append(kind).append('\0').append(prev).append('\0').append(body);
    return QCryptographicHash::hash(input, QCryptographicHash::Sha256);
}

// Whether every record line from `first` on chains from the line before (the first from
// `prev`) with a rising seq. A seq may jump ahead: a record given up on (docs/compat.md
// section 3, a full disk past the held records) uses its seq up without a line, and the
// next line chains from the last line written. *gaps gets each jump as (seq before, seq
// after).
inline bool chainHoldsAcrossGaps(const QList<QByteArray> &lines, qsizetype first, QByteArray prev,
                                 QList<std::pair<qulonglong, qulonglong>> *gaps, QString *where = nullptr) {
    std::optional<qulonglong> lastSeq;
    for (qsizetype i = first; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        const QList<QByteArray> columns = line.split('\t');
        const qsizetype lastTab = line.lastIndexOf('\t');
        if (columns.size() < 5) {
            if (where)
                *where = QStringLiteral("line %1 is no record: %2").arg(i).arg(QString::fromUtf8(line));
            return false;
        }
        const QByteArray chain = expectedChain(columns.at(3), prev, line.left(lastTab));
        const qulonglong seq = columns.at(0).toULongLong();
        if (line.mid(lastTab + 1) != chain.toHex() || (lastSeq && seq <= *lastSeq)) {
            if (where)
                *where = QStringLiteral("line %1: %2").arg(i).arg(QString::fromUtf8(line));
            return false;
        }
        if (lastSeq && seq != *lastSeq + 1 && gaps)
            gaps->append({*lastSeq, seq});
        prev = chain;
        lastSeq = seq;
    }
    return true;
}

// As chainHoldsAcrossGaps(), with each seq exactly one more than the line before's.
inline bool chainHolds(const QList<QByteArray> &lines, qsizetype first, QByteArray prev, QString *where = nullptr) {
    QList<std::pair<qulonglong, qulonglong>> gaps;
    if (!chainHoldsAcrossGaps(lines, first, std::move(prev), &gaps, where))
        return false;
    if (!gaps.isEmpty() && where)
        *where = QStringLiteral("seq jumps from %1 to %2").arg(gaps.first().first).arg(gaps.first().second);
    return gaps.isEmpty();
}

}  // namespace varta::test
