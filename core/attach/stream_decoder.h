#pragma once
// The control protocol's lines as a console receives them (docs/control.md section 2):
// bytes in, whole messages out. Replies, the subscribe reply's snapshot and `batch`
// stream messages are decoded into the published values; anything else is a malformed
// message, counted and dropped alone, never the end of the connection's later lines.
//
// Bounds: a line may hold a whole snapshot, so it may be long, but not without limit:
// past kMaxLineBytes the rest of the line is skipped unread and counted.

#include "core/published/engine_batch.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

#include <cstdint>
#include <optional>

namespace varta {

// One entry of a batch's `beats` list (docs/control.md section 4): an agent whose only
// change since the observer last sent its full row is a beat. Only meaningful on top of
// that row, which the link keeps (RemoteEngineLink); engine times, the observer's keys.
struct StreamBeat {
    AgentKey key;
    EngineMs lastBeatMs = 0;
    std::uint64_t beats = 0;
    std::uint64_t nonce = 0;
    std::uint32_t payload = 0;

    friend bool operator==(const StreamBeat &, const StreamBeat &) = default;
};

struct StreamMessage {
    enum class Kind : std::uint8_t {
        Reply,      // an answer to a request: ok, or code and error
        Snapshot,   // the subscribe reply: every agent and child now (batch), and the reply
        Batch,      // a `batch` stream message
        Ignored,    // well-formed, not for a console (an `event` stream message)
        Malformed,  // error says why
    };
    Kind kind = Kind::Malformed;
    QJsonValue id;
    bool ok = false;
    QString code;
    QString error;
    QJsonObject result;
    EngineBatch batch;
    QList<StreamBeat> beats;  // a Batch's compact rows, in the order sent
};

class StreamDecoder {
public:
    // Above the largest snapshot an observer makes (a million agents' rows), below what
    // would hurt a workstation if a peer sent one line forever.
    static constexpr qsizetype kMaxLineBytes = qsizetype{256} * 1024 * 1024;

    // Appends the messages `bytes` completes, in order.
    void feed(QByteArrayView bytes, QList<StreamMessage> &out);
    // Forgets a line begun: the connection it came from is gone.
    void reset();

    static StreamMessage decodeLine(QByteArrayView line);
    // A `beats` list: every entry [KEY, last_beat_ms, beats, nonce, payload] with a key
    // that parses and integers in range, else nullopt and *error names the first bad one.
    static std::optional<QList<StreamBeat>> beatsFromJson(const QJsonValue &beats, QString *error);
    // The inverse, as the observer writes it (for tests and the fuzzer's fixed point).
    static QJsonArray beatsJson(const QList<StreamBeat> &beats);

    std::uint64_t malformed() const { return m_malformed; }
    std::uint64_t tooLong() const { return m_tooLong; }
    qsizetype pendingBytes() const { return m_line.size(); }

private:
    void finish(QList<StreamMessage> &out);

    QByteArray m_line;
    bool m_skipping = false;  // past kMaxLineBytes: dropping until the next newline
    std::uint64_t m_malformed = 0;
    std::uint64_t m_tooLong = 0;
};

}  // namespace varta
