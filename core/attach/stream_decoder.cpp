#include "core/attach/stream_decoder.h"

#include "core/published/published_json_read.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cstring>

namespace varta {

namespace {

StreamMessage malformedMessage(QString why, QJsonValue id = QJsonValue::Undefined) {
    StreamMessage m;
    m.kind = StreamMessage::Kind::Malformed;
    m.error = std::move(why);
    m.id = std::move(id);
    return m;
}

}  // namespace

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
        m.kind = StreamMessage::Kind::Batch;
        m.batch = std::move(*decoded);
        return m;
    }
    if (object.contains(QLatin1String("event"))) {
        m.kind = StreamMessage::Kind::Ignored;
        return m;
    }
    return malformedMessage(QStringLiteral("neither a reply nor a stream message"), id);
}

}  // namespace varta
