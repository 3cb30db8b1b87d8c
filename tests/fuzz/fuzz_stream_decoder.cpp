// libFuzzer target: the control protocol's stream as a console reads it from an observer
// it does not have to trust (StreamDecoder, published_json_read). The first byte picks
// the size of the pieces the rest is fed in, as a socket may hand it over. Beyond "no
// crash": no line is held past the bound, and whatever decodes as a batch or snapshot
// is a fixed point: written again and read back, it is the same JSON (its compact
// beats too).
#include "core/attach/stream_decoder.h"
#include "core/published/published_json.h"
#include "core/published/published_json_read.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <cstdio>
#include <cstdlib>

using namespace varta;

namespace {

void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_stream_decoder: %s\n", what);
        std::abort();
    }
}

void checkFixedPoint(const EngineBatch &batch) {
    const QJsonObject written = json::batchJson(batch);
    QString error;
    const std::optional<EngineBatch> again = json::batchFromJson(written, &error);
    require(again.has_value(), "a decoded batch, written again, does not decode");
    require(json::batchJson(*again) == written, "a decoded batch does not survive being written and read again");
}

void checkBeatsFixedPoint(const QList<StreamBeat> &beats) {
    const std::optional<QList<StreamBeat>> again =
        StreamDecoder::beatsFromJson(StreamDecoder::beatsJson(beats), nullptr);
    require(again.has_value(), "decoded beats, written again, do not decode");
    require(*again == beats, "decoded beats do not survive being written and read again");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size == 0)
        return 0;
    const qsizetype piece = 1 + data[0] % 64;
    const auto *bytes = reinterpret_cast<const char *>(data + 1);
    const auto length = static_cast<qsizetype>(size - 1);
    StreamDecoder decoder;
    QList<StreamMessage> messages;
    for (qsizetype at = 0; at < length; at += piece) {
        decoder.feed(QByteArrayView(bytes + at, std::min(piece, length - at)), messages);
        require(decoder.pendingBytes() <= StreamDecoder::kMaxLineBytes, "a line held past the bound");
    }
    decoder.feed("\n", messages);
    std::uint64_t malformed = 0;
    for (const StreamMessage &m : messages) {
        if (m.kind == StreamMessage::Kind::Malformed) {
            ++malformed;
            require(!m.error.isEmpty(), "a malformed message without a reason");
        }
        if (m.kind == StreamMessage::Kind::Batch || m.kind == StreamMessage::Kind::Snapshot)
            checkFixedPoint(m.batch);
        if (m.kind == StreamMessage::Kind::Batch)
            checkBeatsFixedPoint(m.beats);
    }
    require(malformed == decoder.malformed(), "malformed messages miscounted");
    return 0;
}
