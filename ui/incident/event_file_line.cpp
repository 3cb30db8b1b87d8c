#include "ui/incident/event_file_line.h"

#include "ui/incident/decimal_field.h"

#include <QByteArray>
#include <QList>

namespace varta::ui {

namespace {

constexpr int kColumns = 6;

std::optional<vlp::Status> beatStatus(QByteArrayView text) {
    if (text == "ok")
        return vlp::Status::Ok;
    if (text == "degraded")
        return vlp::Status::Degraded;
    if (text == "critical")
        return vlp::Status::Critical;
    return std::nullopt;
}

std::optional<EventFileLine::Kind> kindOf(QByteArrayView text) {
    using Kind = EventFileLine::Kind;
    if (text == "beat")
        return Kind::Beat;
    if (text == "stall")
        return Kind::Stall;
    if (text == "decode")
        return Kind::Decode;
    if (text == "io")
        return Kind::Io;
    if (text == "ctrunc")
        return Kind::Ctrunc;
    if (text == "mismatch")
        return Kind::Mismatch;
    if (text == "eviction")
        return Kind::Eviction;
    return std::nullopt;
}

}  // namespace

std::optional<EventFileLine> parseEventFileLine(QByteArrayView line) {
    if (line.endsWith('\n'))
        line.chop(1);
    QByteArrayView column[kColumns];
    qsizetype from = 0;
    for (int i = 0; i < kColumns; ++i) {
        const qsizetype tab = i + 1 < kColumns ? line.indexOf('\t', from) : line.size();
        if (tab < 0)
            return std::nullopt;
        column[i] = line.sliced(from, tab - from);
        from = tab + 1;
    }
    // The payload is the last column and may not hold a tab; a seventh column is no line of ours.
    if (column[kColumns - 1].contains('\t'))
        return std::nullopt;

    EventFileLine out;
    const auto ns = decimalField<std::int64_t>(column[0]);
    const auto kind = kindOf(column[1]);
    if (!ns || *ns < 0 || !kind)
        return std::nullopt;
    out.observerNs = *ns;
    out.kind = *kind;
    using Kind = EventFileLine::Kind;
    switch (out.kind) {
    case Kind::Beat: {
        const auto pid = decimalField<std::uint32_t>(column[2]);
        const auto nonce = decimalField<std::uint64_t>(column[3]);
        const auto status = beatStatus(column[4]);
        const auto payload = decimalField<std::uint32_t>(column[5]);
        if (!pid || !nonce || !status || !payload)
            return std::nullopt;
        out.pid = *pid;
        out.nonce = *nonce;
        out.status = *status;
        out.payload = *payload;
        return out;
    }
    case Kind::Stall: {
        const auto pid = decimalField<std::uint32_t>(column[2]);
        const auto nonce = decimalField<std::uint64_t>(column[3]);
        if (!pid || !nonce || column[4] != "stall")
            return std::nullopt;
        out.pid = *pid;
        out.nonce = *nonce;
        out.status = vlp::Status::Stall;
        return out;
    }
    case Kind::Mismatch:
    case Kind::Eviction: {
        const auto pid = decimalField<std::uint32_t>(column[2]);
        if (!pid)
            return std::nullopt;
        out.pid = *pid;
        out.text = QString::fromUtf8(column[5]);
        return out;
    }
    case Kind::Decode:
    case Kind::Io:
    case Kind::Ctrunc: out.text = QString::fromUtf8(column[5]); return out;
    }
    return std::nullopt;
}

}  // namespace varta::ui
