#include "ui/incident/audit_line.h"

#include "ui/incident/decimal_field.h"

#include <QList>

namespace varta::ui {

namespace {

// seq, wallclock_ms, observer_ns, kind ... chain.
constexpr qsizetype kFixedColumns = 5;

// `-` is the audit log's empty field.
QString field(QByteArrayView text) { return text == "-" ? QString() : QString::fromUtf8(text); }

std::optional<int> optionalInt(QByteArrayView text, bool *ok) {
    if (text == "-")
        return std::nullopt;
    const auto value = decimalField<int>(text);
    *ok = *ok && value.has_value();
    return value;
}

qsizetype fieldsOf(AuditLine::Kind kind) {
    switch (kind) {
    case AuditLine::Kind::Boot: return 3;
    case AuditLine::Kind::Spawn: return 6;
    case AuditLine::Kind::Complete: return 9;
    case AuditLine::Kind::Refused: return 2;
    case AuditLine::Kind::Operator: return 7;
    }
    return 0;
}

std::optional<AuditLine::Kind> kindOf(QByteArrayView text) {
    using Kind = AuditLine::Kind;
    if (text == "boot")
        return Kind::Boot;
    if (text == "spawn")
        return Kind::Spawn;
    if (text == "complete")
        return Kind::Complete;
    if (text == "refused")
        return Kind::Refused;
    if (text == "operator")
        return Kind::Operator;
    return std::nullopt;
}

bool readFields(const QList<QByteArrayView> &f, AuditLine *out) {
    bool ok = true;
    const auto pid = [&ok](QByteArrayView text) {
        const auto value = decimalField<std::uint32_t>(text);
        ok = ok && value.has_value();
        return value;
    };
    switch (out->kind) {
    case AuditLine::Kind::Boot: out->reason = field(f[2]); return true;
    case AuditLine::Kind::Spawn: {
        out->agentPid = pid(f[0]);
        const auto child = decimalField<qint64>(f[1]);
        out->childPid = child.value_or(0);
        out->program = field(f[3]);
        out->manual = f[4] == "manual";
        return ok && child.has_value();
    }
    case AuditLine::Kind::Complete: {
        out->agentPid = pid(f[0]);
        const auto child = decimalField<qint64>(f[1]);
        out->childPid = child.value_or(0);
        out->status = field(f[2]);
        out->exitCode = optionalInt(f[3], &ok);
        out->signal = optionalInt(f[4], &ok);
        const auto duration = decimalField<std::int64_t>(f[5]);
        const auto stdoutLen = decimalField<std::int64_t>(f[6]);
        const auto stderrLen = decimalField<std::int64_t>(f[7]);
        out->durationNs = duration.value_or(0);
        out->bytesKept = stdoutLen.value_or(0) + stderrLen.value_or(0);
        out->truncated = f[8] == "true";
        return ok && child && duration && stdoutLen && stderrLen;
    }
    case AuditLine::Kind::Refused:
        out->agentPid = pid(f[0]);
        out->reason = field(f[1]);
        return ok;
    case AuditLine::Kind::Operator:
        out->user = field(f[1]);
        out->action = field(f[2]);
        if (f[3] != "-")
            out->agentPid = pid(f[3]);
        out->target = field(f[4]);
        out->reason = field(f[5]);
        out->detail = field(f[6]);
        return ok;
    }
    return false;
}

}  // namespace

AuditLineResult parseAuditLine(QByteArrayView line, AuditLine *out) {
    if (line.endsWith('\n'))
        line.chop(1);
    if (line.startsWith('#'))
        return AuditLineResult::Header;
    QList<QByteArrayView> columns;
    for (qsizetype from = 0;;) {
        const qsizetype tab = line.indexOf('\t', from);
        columns.append(line.sliced(from, (tab < 0 ? line.size() : tab) - from));
        if (tab < 0)
            break;
        from = tab + 1;
    }
    if (columns.size() < kFixedColumns)
        return AuditLineResult::Malformed;
    const auto seq = decimalField<std::uint64_t>(columns[0]);
    const auto wall = decimalField<std::int64_t>(columns[1]);
    const auto ns = decimalField<std::int64_t>(columns[2]);
    if (!seq || !wall || !ns)
        return AuditLineResult::Malformed;
    const auto kind = kindOf(columns[3]);
    if (!kind)
        return AuditLineResult::UnknownKind;  // a later schema's kind: skipped, as upstream's readers do
    *out = AuditLine{};
    out->seq = *seq;
    out->wallMs = *wall;
    out->observerNs = *ns;
    out->kind = *kind;
    if (columns.size() != kFixedColumns + fieldsOf(*kind))
        return AuditLineResult::Malformed;
    return readFields(columns.mid(4, fieldsOf(*kind)), out) ? AuditLineResult::Record : AuditLineResult::Malformed;
}

}  // namespace varta::ui
