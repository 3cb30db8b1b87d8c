// The VLP v0.2 base frame: upstream's conformance vectors, then the spec's rules one by one.
#include "core/vlp/crc32c.h"
#include "core/vlp/frame.h"
#include "tests/support/test_vectors.h"

#include <QHash>
#include <QTest>

using namespace varta;
using vlp::DecodeError;
using vlp::Frame;
using vlp::Status;

Q_DECLARE_METATYPE(vlp::Frame)
Q_DECLARE_METATYPE(vlp::DecodeError)

namespace {

using Bytes = std::array<std::uint8_t, vlp::kFrameSize>;

Bytes toBytes(const QByteArray &data) {
    Bytes bytes{};
    Q_ASSERT(data.size() == static_cast<int>(bytes.size()));
    std::memcpy(bytes.data(), data.constData(), bytes.size());
    return bytes;
}

// Re-seals a hand-edited frame so that only the intended fault remains.
Bytes withCrc(Bytes bytes) {
    const std::uint32_t crc = vlp::crc32c(std::span<const std::uint8_t>(bytes.data(), 28));
    for (int i = 0; i < 4; ++i)
        bytes[28 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
    return bytes;
}

Bytes goodBytes() { return vlp::encode(Frame{Status::Ok, 4242, 1000, 7, 99}); }

Status statusFromName(const QString &name) {
    if (name == QLatin1String("ok"))
        return Status::Ok;
    if (name == QLatin1String("degraded"))
        return Status::Degraded;
    if (name == QLatin1String("critical"))
        return Status::Critical;
    qFatal("unknown status %s", qPrintable(name));
}

QString detailOf(const vlp::DecodeFailure &failure) {
    char text[vlp::kDecodeDetailMax];
    const char *end = vlp::putDecodeDetail(text, failure);
    return QString::fromLatin1(text, end - text);
}

std::optional<DecodeError> errorFromName(const QString &name) {
    for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i) {
        const auto error = static_cast<DecodeError>(i);
        if (QLatin1String(vlp::decodeErrorName(error).data()) == name)
            return error;
    }
    return std::nullopt;
}

}  // namespace

class TestFrame : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- upstream's conformance vectors -------------------------------------------------
    void upstreamRoundTrip_data() {
        QTest::addColumn<Frame>("frame");
        QTest::addColumn<QByteArray>("wire");
        int rows = 0;
        for (const QJsonValue &v : test::vectorGroup("frame_vectors")) {
            const QJsonObject o = v.toObject();
            if (o.value(QLatin1String("kind")).toString() != QLatin1String("encode_decode_roundtrip"))
                continue;
            const QJsonObject in = o.value(QLatin1String("inputs")).toObject();
            Frame f;
            f.status = statusFromName(in.value(QLatin1String("status")).toString());
            f.pid = static_cast<std::uint32_t>(in.value(QLatin1String("pid")).toInteger());
            f.timestamp = static_cast<std::uint64_t>(in.value(QLatin1String("timestamp")).toInteger());
            // JSON numbers above 2^53 lose precision in QJsonValue; u64::MAX is the only one here.
            const double nonce = in.value(QLatin1String("nonce")).toDouble();
            f.nonce = nonce >= 1.8e19 ? vlp::kNonceTerminal : static_cast<std::uint64_t>(nonce);
            f.payload = static_cast<std::uint32_t>(in.value(QLatin1String("payload")).toInteger());
            QTest::newRow(qPrintable(o.value(QLatin1String("id")).toString()))
                << f << test::fromHex(o.value(QLatin1String("expected_wire_hex")));
            ++rows;
        }
        QCOMPARE(rows, 6);
    }
    void upstreamRoundTrip() {
        QFETCH(Frame, frame);
        QFETCH(QByteArray, wire);
        const Bytes encoded = vlp::encode(frame);
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(encoded.data()), 32).toHex(), wire.toHex());
        Frame decoded;
        const Bytes bytes = toBytes(wire);
        QCOMPARE(vlp::decode(bytes, decoded), std::nullopt);
        QCOMPARE(decoded, frame);
    }

    void upstreamDecodeErrors_data() {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<QString>("expected");
        int rows = 0;
        for (const QJsonValue &v : test::vectorGroup("frame_vectors")) {
            const QJsonObject o = v.toObject();
            if (o.value(QLatin1String("kind")).toString() != QLatin1String("decode_error"))
                continue;
            QTest::newRow(qPrintable(o.value(QLatin1String("id")).toString()))
                << test::fromHex(o.value(QLatin1String("wire_hex")))
                << o.value(QLatin1String("expected_decode_error")).toString();
            ++rows;
        }
        QCOMPARE(rows, 9);
    }
    void upstreamDecodeErrors() {
        QFETCH(QByteArray, wire);
        QFETCH(QString, expected);
        QCOMPARE(vlp::classifyLength(static_cast<std::size_t>(wire.size())), vlp::DatagramKind::Plain);
        Frame out;
        const auto error = vlp::decode(toBytes(wire), out);
        QVERIFY(error.has_value());
        QCOMPARE(QString::fromLatin1(vlp::decodeErrorName(*error).data()), expected);
        QCOMPARE(error, errorFromName(expected));
    }

    // The event file's decode payload for each of upstream's vectors: Rust's Debug text of
    // varta_vlp::DecodeError, worked out by hand from the wire bytes (the vectors name only
    // the kind). BadCrc's `expected` is the CRC computed over bytes 0..28, `actual` the one
    // sent: the vector flips the last CRC byte, 0x6e -> 0x6f.
    void upstreamDecodeDetails_data() {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<QString>("expected");
        const QHash<QString, QString> detail{
            {QStringLiteral("frame-error-bad-magic"), QStringLiteral("BadMagic")},
            {QStringLiteral("frame-error-bad-version"), QStringLiteral("BadVersion")},
            {QStringLiteral("frame-error-bad-crc"),
             QStringLiteral("BadCrc { expected: 1857092459, actual: 1873869675 }")},
            {QStringLiteral("frame-error-bad-status"), QStringLiteral("BadStatus(255)")},
            {QStringLiteral("frame-error-stall-on-wire"), QStringLiteral("StallOnWire")},
            {QStringLiteral("frame-error-bad-pid-zero"), QStringLiteral("BadPid(0)")},
            {QStringLiteral("frame-error-bad-pid-init"), QStringLiteral("BadPid(1)")},
            {QStringLiteral("frame-error-bad-timestamp"), QStringLiteral("BadTimestamp(18446744073709551615)")},
            {QStringLiteral("frame-error-bad-nonce-terminal-with-non-critical"),
             QStringLiteral("BadNonce { nonce: 18446744073709551615, status: Ok }")},
        };
        int rows = 0;
        for (const QJsonValue &v : test::vectorGroup("frame_vectors")) {
            const QJsonObject o = v.toObject();
            if (o.value(QLatin1String("kind")).toString() != QLatin1String("decode_error"))
                continue;
            const QString id = o.value(QLatin1String("id")).toString();
            QVERIFY2(detail.contains(id), qPrintable(QStringLiteral("no expected payload for vector %1").arg(id)));
            QTest::newRow(qPrintable(id)) << test::fromHex(o.value(QLatin1String("wire_hex"))) << detail.value(id);
            ++rows;
        }
        QCOMPARE(rows, detail.size());
    }
    void upstreamDecodeDetails() {
        QFETCH(QByteArray, wire);
        QFETCH(QString, expected);
        Frame out;
        vlp::DecodeFailure failure;
        const auto error = vlp::decode(toBytes(wire), out, &failure);
        QVERIFY(error.has_value());
        QCOMPARE(failure.kind, *error);
        QCOMPARE(detailOf(failure), expected);
    }

    // --- each error kind on its own ------------------------------------------------------
    void eachErrorKind_data() {
        QTest::addColumn<int>("offset");
        QTest::addColumn<int>("value");
        QTest::addColumn<int>("length");
        QTest::addColumn<DecodeError>("expected");
        QTest::addColumn<QString>("detail");
        QTest::newRow("magic byte 0") << 0 << 0x00 << 1 << DecodeError::BadMagic << QStringLiteral("BadMagic");
        QTest::newRow("magic byte 1") << 1 << 0x42 << 1 << DecodeError::BadMagic << QStringLiteral("BadMagic");
        QTest::newRow("version 1 (VLP v0.1)")
            << 2 << 0x01 << 1 << DecodeError::BadVersion << QStringLiteral("BadVersion");
        QTest::newRow("version 3") << 2 << 0x03 << 1 << DecodeError::BadVersion << QStringLiteral("BadVersion");
        QTest::newRow("status 4") << 3 << 0x04 << 1 << DecodeError::BadStatus << QStringLiteral("BadStatus(4)");
        QTest::newRow("status 0xff") << 3 << 0xff << 1 << DecodeError::BadStatus << QStringLiteral("BadStatus(255)");
        QTest::newRow("status stall on wire")
            << 3 << 0x03 << 1 << DecodeError::StallOnWire << QStringLiteral("StallOnWire");
        QTest::newRow("pid 0") << 4 << 0x00 << 4 << DecodeError::BadPid << QStringLiteral("BadPid(0)");
        QTest::newRow("timestamp all ff")
            << 8 << 0xff << 8 << DecodeError::BadTimestamp << QStringLiteral("BadTimestamp(18446744073709551615)");
        QTest::newRow("nonce terminal with ok")
            << 16 << 0xff << 8 << DecodeError::BadNonce
            << QStringLiteral("BadNonce { nonce: 18446744073709551615, status: Ok }");
    }
    void eachErrorKind() {
        QFETCH(int, offset);
        QFETCH(int, value);
        QFETCH(int, length);
        QFETCH(DecodeError, expected);
        QFETCH(QString, detail);
        Bytes bytes = goodBytes();
        for (int i = 0; i < length; ++i)
            bytes[static_cast<std::size_t>(offset + i)] = static_cast<std::uint8_t>(value);
        Frame out;
        vlp::DecodeFailure failure;
        QCOMPARE(vlp::decode(withCrc(bytes), out, &failure), std::optional(expected));
        QCOMPARE(failure.kind, expected);
        QCOMPARE(detailOf(failure), detail);
    }

    void pidOneIsInit() {
        Frame out;
        vlp::DecodeFailure failure;
        QCOMPARE(vlp::decode(vlp::encode(Frame{Status::Ok, 1, 0, 1, 0}), out, &failure),
                 std::optional(DecodeError::BadPid));
        QCOMPARE(detailOf(failure), QStringLiteral("BadPid(1)"));
    }

    void corruptedPayloadIsBadCrc() {
        Bytes bytes = goodBytes();
        const std::uint32_t sent = vlp::crc32c(std::span<const std::uint8_t>(bytes.data(), 28));
        bytes[24] ^= 0x01;
        const std::uint32_t computed = vlp::crc32c(std::span<const std::uint8_t>(bytes.data(), 28));
        Frame out;
        vlp::DecodeFailure failure;
        QCOMPARE(vlp::decode(bytes, out, &failure), std::optional(DecodeError::BadCrc));
        QCOMPARE(failure.expectedCrc, computed);
        QCOMPARE(failure.actualCrc, sent);
        QCOMPARE(detailOf(failure), QStringLiteral("BadCrc { expected: %1, actual: %2 }").arg(computed).arg(sent));
    }

    void anAcceptedFrameLeavesTheFailureAlone() {
        Frame out;
        vlp::DecodeFailure failure{.kind = DecodeError::BadNonce, .value = 42};
        QCOMPARE(vlp::decode(goodBytes(), out, &failure), std::nullopt);
        QCOMPARE(failure.kind, DecodeError::BadNonce);
        QCOMPARE(failure.value, std::uint64_t{42});
    }

    // The event file reserves kDecodeDetailMax for a payload: the widest values must fit.
    void theLongestDetailsFit() {
        const vlp::DecodeFailure widest[] = {
            {.kind = DecodeError::BadNonce, .status = 1, .value = vlp::kNonceTerminal},
            {.kind = DecodeError::BadCrc, .expectedCrc = 0xFFFFFFFFu, .actualCrc = 0xFFFFFFFFu},
            {.kind = DecodeError::BadTimestamp, .value = vlp::kTimestampInvalid},
            {.kind = DecodeError::BadStatus, .status = 255},
            {.kind = DecodeError::BadPid, .pid = 0xFFFFFFFFu},
        };
        QCOMPARE(detailOf(widest[0]), QStringLiteral("BadNonce { nonce: 18446744073709551615, status: Degraded }"));
        for (const vlp::DecodeFailure &failure : widest)
            QVERIFY(static_cast<std::size_t>(detailOf(failure).size()) <= vlp::kDecodeDetailMax);
    }

    // --- decode order: with two faults, the earlier rule wins -------------------------
    void decodeOrder_data() {
        QTest::addColumn<QList<int>>("edits");  // pairs: offset, value
        QTest::addColumn<bool>("reseal");
        QTest::addColumn<DecodeError>("expected");
        QTest::newRow("magic before version") << QList<int>{0, 0, 2, 9} << true << DecodeError::BadMagic;
        QTest::newRow("version before crc") << QList<int>{2, 1} << false << DecodeError::BadVersion;
        QTest::newRow("crc before status") << QList<int>{3, 0xff} << false << DecodeError::BadCrc;
        QTest::newRow("crc before pid") << QList<int>{4, 0, 5, 0, 6, 0, 7, 0} << false << DecodeError::BadCrc;
        QTest::newRow("status before pid")
            << QList<int>{3, 7, 4, 0, 5, 0, 6, 0, 7, 0} << true << DecodeError::BadStatus;
        QTest::newRow("stall before pid")
            << QList<int>{3, 3, 4, 1, 5, 0, 6, 0, 7, 0} << true << DecodeError::StallOnWire;
        QTest::newRow("pid before timestamp") << QList<int>{4,  0,    5,  0,    6,  0,    7,  0,    8,  0xff, 9,  0xff,
                                                            10, 0xff, 11, 0xff, 12, 0xff, 13, 0xff, 14, 0xff, 15, 0xff}
                                              << true << DecodeError::BadPid;
        QTest::newRow("timestamp before nonce")
            << QList<int>{8,  0xff, 9,  0xff, 10, 0xff, 11, 0xff, 12, 0xff, 13, 0xff, 14, 0xff, 15, 0xff,
                          16, 0xff, 17, 0xff, 18, 0xff, 19, 0xff, 20, 0xff, 21, 0xff, 22, 0xff, 23, 0xff}
            << true << DecodeError::BadTimestamp;
    }
    void decodeOrder() {
        QFETCH(QList<int>, edits);
        QFETCH(bool, reseal);
        QFETCH(DecodeError, expected);
        Bytes bytes = goodBytes();
        for (qsizetype i = 0; i + 1 < edits.size(); i += 2)
            bytes[static_cast<std::size_t>(edits[i])] = static_cast<std::uint8_t>(edits[i + 1]);
        if (reseal)
            bytes = withCrc(bytes);
        Frame out;
        QCOMPARE(vlp::decode(bytes, out), std::optional(expected));
    }

    // --- nonce wrap values and the panic frame ------------------------------------------
    void legalNonces_data() {
        QTest::addColumn<Status>("status");
        QTest::addColumn<quint64>("nonce");
        QTest::newRow("zero after wrap") << Status::Ok << quint64(0);
        QTest::newRow("first beat") << Status::Ok << quint64(1);
        QTest::newRow("last before wrap") << Status::Ok << quint64(0xFFFFFFFFFFFFFFFEull);
        QTest::newRow("degraded last before wrap") << Status::Degraded << quint64(0xFFFFFFFFFFFFFFFEull);
        QTest::newRow("panic frame") << Status::Critical << quint64(vlp::kNonceTerminal);
    }
    void legalNonces() {
        QFETCH(Status, status);
        QFETCH(quint64, nonce);
        const Frame frame{status, 31337, 5, nonce, 0};
        Frame out;
        QCOMPARE(vlp::decode(vlp::encode(frame), out), std::nullopt);
        QCOMPARE(out, frame);
        QCOMPARE(out.isPanic(), status == Status::Critical && nonce == vlp::kNonceTerminal);
    }

    void terminalNonceNeedsCritical() {
        Frame out;
        vlp::DecodeFailure failure;
        for (Status s : {Status::Ok, Status::Degraded}) {
            QCOMPARE(vlp::decode(vlp::encode(Frame{s, 77, 5, vlp::kNonceTerminal, 0}), out, &failure),
                     std::optional(DecodeError::BadNonce));
            QCOMPARE(detailOf(failure), QStringLiteral("BadNonce { nonce: 18446744073709551615, status: %1 }")
                                            .arg(s == Status::Ok ? QLatin1String("Ok") : QLatin1String("Degraded")));
        }
    }

    // --- length is checked before decoding ----------------------------------------------
    void lengthClassification_data() {
        QTest::addColumn<int>("length");
        QTest::addColumn<vlp::DatagramKind>("kind");
        QTest::newRow("empty") << 0 << vlp::DatagramKind::WrongLength;
        QTest::newRow("31") << 31 << vlp::DatagramKind::WrongLength;
        QTest::newRow("32 plain") << 32 << vlp::DatagramKind::Plain;
        QTest::newRow("33") << 33 << vlp::DatagramKind::WrongLength;
        QTest::newRow("60 shared key") << 60 << vlp::DatagramKind::SharedKeySecure;
        QTest::newRow("64 master key") << 64 << vlp::DatagramKind::MasterKeySecure;
        QTest::newRow("65 over-long") << 65 << vlp::DatagramKind::WrongLength;
        QTest::newRow("65535") << 65535 << vlp::DatagramKind::WrongLength;
    }
    void lengthClassification() {
        QFETCH(int, length);
        QFETCH(vlp::DatagramKind, kind);
        QCOMPARE(vlp::classifyLength(static_cast<std::size_t>(length)), kind);
    }

    void namesAreStable() {
        const char *names[] = {"BadMagic",    "BadVersion", "BadCrc",       "BadStatus",
                               "StallOnWire", "BadPid",     "BadTimestamp", "BadNonce"};
        const char *labels[] = {"bad_magic",     "bad_version", "bad_crc",       "bad_status",
                                "stall_on_wire", "bad_pid",     "bad_timestamp", "bad_nonce"};
        for (std::size_t i = 0; i < vlp::kDecodeErrorCount; ++i) {
            QCOMPARE(vlp::decodeErrorName(static_cast<DecodeError>(i)), std::string_view(names[i]));
            QCOMPARE(vlp::decodeErrorLabel(static_cast<DecodeError>(i)), std::string_view(labels[i]));
        }
    }
};

QTEST_GUILESS_MAIN(TestFrame)
#include "tst_frame.moc"
