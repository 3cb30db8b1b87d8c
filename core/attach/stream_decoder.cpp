#include "core/attach/stream_decoder.h"

#include "core/published/published_json_read.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace varta {

namespace {

StreamMessage malformedMessage(QString why, QJsonValue id = QJsonValue::Undefined) {
    StreamMessage m;
    m.kind = StreamMessage::Kind::Malformed;
    m.error = std::move(why);
    m.id = std::move(id);
    return m;
}

// A JSON number that is an integer in [min, max] (doubles past 2^53 as the writer's are).
std::optional<std::int64_t> integerIn(const QJsonValue &v, std::int64_t min, std::int64_t max) {
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
        return std::nullopt;
    return std::clamp<std::int64_t>(v.toInteger(), min, max);
}

}  // namespace

std::optional<QList<StreamBeat>> StreamDecoder::beatsFromJson(const QJsonValue &value, QString *error) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
    const auto refuse = [error](qsizetype at, const char *why) {
        if (error != nullptr)
            *error = QStringLiteral("batch.beats[%1]: %2").arg(at).arg(QLatin1String(why));
        return std::nullopt;
    };
    QList<StreamBeat> out;
    if (value.isUndefined())
        return out;
    if (!value.isArray()) {
        if (error != nullptr)
            *error = QStringLiteral("batch.beats: not a list");
        return std::nullopt;
    }
    const QJsonArray list = value.toArray();
    out.reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonValue item = list.at(i);
        const QJsonArray entry = item.toArray();
        if (!item.isArray() || entry.size() != 5)
            return refuse(i, "not a list of key, last_beat_ms, beats, nonce and payload");
        const std::optional<AgentKey> key =
            entry.at(0).isString() ? AgentKey::parse(entry.at(0).toString()) : std::nullopt;
        if (!key)
            return refuse(i, "not an agent key");
        const std::optional<std::int64_t> lastBeat = integerIn(entry.at(1), kMin, kMax);
        const std::optional<std::int64_t> beats = integerIn(entry.at(2), 0, kMax);
        const std::optional<std::int64_t> nonce = integerIn(entry.at(3), 0, kMax);
        const std::optional<std::int64_t> payload = integerIn(entry.at(4), 0, kMaxU32);
        if (!lastBeat || !beats || !nonce || !payload)
            return refuse(i, "a number that is not an integer in range");
        out.append(StreamBeat{*key, *lastBeat, static_cast<std::uint64_t>(*beats), static_cast<std::uint64_t>(*nonce),
                              static_cast<std::uint32_t>(*payload)});
    }
    return out;
}

QJsonArray StreamDecoder::beatsJson(const QList<StreamBeat> &beats) {
    QJsonArray out;
    for (const StreamBeat &b : beats)
        out.append(QJsonArray{b.key.text(), static_cast<qint64>(b.lastBeatMs), static_cast<qint64>(b.beats),
                              static_cast<qint64>(b.nonce), static_cast<qint64>(b.payload)});
    return out;
}

void StreamDecoder::feed(QByteArrayView bytes, QList<StreamMessage> &out) {
    const char *at = bytes.data();
    const char *const end = at + bytes.size();
    while (at < end) {
        const auto *newline = static_cast<const char *>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
        const qsizetype segment = (newline != nullptr ? newline : end) - at;
        if (!m_skipping) {
            if (m_line.size() + segment > kMaxLineBytes) {
                m_skipping = true;
                m_line = QByteArray();  // hand the memory back now, not at the line's end
                ++m_tooLong;
                out.append(malformedMessage(QStringLiteral("a line longer than %1 bytes; skipped").arg(kMaxLineBytes)));
            } else {
                m_line.append(at, segment);
            }
        }
        if (newline == nullptr)
            return;
        at = newline + 1;
        if (m_skipping)
            m_skipping = false;
        else
            finish(out);
    }
}

void StreamDecoder::finish(QList<StreamMessage> &out) {
    const QByteArray line = std::exchange(m_line, QByteArray());
    if (line.trimmed().isEmpty())
        return;
    StreamMessage message = decodeLine(line);
    if (message.kind == StreamMessage::Kind::Malformed)
        ++m_malformed;
    out.append(std::move(message));
}

void StreamDecoder::reset() {
    m_line = QByteArray();
    m_skipping = false;
}

StreamMessage StreamDecoder::decodeLine(QByteArrayView line) {
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(line.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return malformedMessage(
            QStringLiteral("not JSON: %1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return malformedMessage(QStringLiteral("a message is a JSON object"));
    const QJsonObject object = document.object();
    const QJsonValue id = object.value(QLatin1String("id"));
    const QJsonValue version = object.value(QLatin1String("v"));
    if (!version.isUndefined() && !(version.isDouble() && version.toDouble() == 1.0))
        return malformedMessage(QStringLiteral("protocol version %1 is not 1").arg(version.toVariant().toString()), id);

    StreamMessage m;
    m.id = id;
    QString error;
    if (const QJsonValue ok = object.value(QLatin1String("ok")); !ok.isUndefined()) {
        if (!ok.isBool())
            return malformedMessage(QStringLiteral("\"ok\" is not true or false"), id);
        m.ok = ok.toBool();
        if (!m.ok) {
            m.kind = StreamMessage::Kind::Reply;
            m.code = object.value(QLatin1String("code")).toString();
            m.error = object.value(QLatin1String("error")).toString();
            return m;
        }
        const QJsonValue result = object.value(QLatin1String("result"));
        if (!result.isObject())
            return malformedMessage(QStringLiteral("a reply's \"result\" is not an object"), id);
        m.result = result.toObject();
        const QJsonValue snapshot = m.result.value(QLatin1String("snapshot"));
        if (snapshot.isUndefined()) {
            m.kind = StreamMessage::Kind::Reply;
            return m;
        }
        std::optional<EngineBatch> batch =
            snapshot.isObject() ? json::batchFromJson(snapshot.toObject(), &error) : std::nullopt;
        if (!batch)
            return malformedMessage(snapshot.isObject() ? QStringLiteral("snapshot: ") + error
                                                        : QStringLiteral("\"snapshot\" is not an object"),
                                    id);
        m.kind = StreamMessage::Kind::Snapshot;
        m.batch = std::move(*batch);
        m.result.remove(QLatin1String("snapshot"));  // its rows live on in the batch alone
        return m;
    }
    if (const QJsonValue batch = object.value(QLatin1String("batch")); !batch.isUndefined()) {
        std::optional<EngineBatch> decoded =
            batch.isObject() ? json::batchFromJson(batch.toObject(), &error) : std::nullopt;
        if (!decoded)
            return malformedMessage(batch.isObject() ? error : QStringLiteral("\"batch\" is not an object"), id);
        std::optional<QList<StreamBeat>> beats = beatsFromJson(batch.toObject().value(QLatin1String("beats")), &error);
        if (!beats)
            return malformedMessage(error, id);
        m.kind = StreamMessage::Kind::Batch;
        m.batch = std::move(*decoded);
        m.beats = std::move(*beats);
        return m;
    }
    if (object.contains(QLatin1String("event"))) {
        m.kind = StreamMessage::Kind::Ignored;
        return m;
    }
    return malformedMessage(QStringLiteral("neither a reply nor a stream message"), id);
}

}  // namespace varta
