// CRC-32C: upstream's check values, and the hardware path agreeing with the table.
#include "core/vlp/crc32c.h"
#include "tests/support/test_vectors.h"

#include <QRandomGenerator>
#include <QTest>

using namespace varta;

class TestCrc32c : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void upstreamVectors_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<quint32>("expected");
        const QJsonArray vectors = test::vectorGroup("crc32c_vectors");
        QCOMPARE(vectors.size(), 5);
        for (const QJsonValue &v : vectors) {
            const QJsonObject o = v.toObject();
            const quint32 expected = o.value(QLatin1String("expected_crc_hex")).toString().toUInt(nullptr, 16);
            QTest::newRow(qPrintable(o.value(QLatin1String("id")).toString()))
                << test::fromHex(o.value(QLatin1String("input_hex"))) << expected;
        }
    }
    void upstreamVectors() {
        QFETCH(QByteArray, input);
        QFETCH(quint32, expected);
        QCOMPARE(vlp::crc32c(test::bytesOf(input)), expected);
        QCOMPARE(vlp::crc32cTable(test::bytesOf(input)), expected);
        if (vlp::crc32cHardwareAvailable())
            QCOMPARE(vlp::crc32cHardware(test::bytesOf(input)), expected);
    }

    void hardwareMatchesTableOnRandomInput() {
        if (!vlp::crc32cHardwareAvailable())
            QSKIP("this CPU has no SSE4.2; only the table path exists here");
        QRandomGenerator rng(20261126);
        for (int round = 0; round < 20000; ++round) {
            QByteArray data(static_cast<int>(rng.bounded(0, 200)), Qt::Uninitialized);
            for (char &c : data)
                c = static_cast<char>(rng.bounded(256));
            // Also vary alignment: the hardware path reads 8-byte words.
            const int offset = data.isEmpty() ? 0 : static_cast<int>(rng.bounded(data.size()));
            const auto span = test::bytesOf(data).subspan(static_cast<std::size_t>(offset));
            QCOMPARE(vlp::crc32cHardware(span), vlp::crc32cTable(span));
        }
    }
};

QTEST_GUILESS_MAIN(TestCrc32c)
#include "tst_crc32c.moc"
