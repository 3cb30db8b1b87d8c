// Captured output: stream tags survive, small chunks of one stream are joined, and both
// the per-child and the total bound hold.
#include "tests/support/test_batches.h"
#include "ui/models/child_output_store.h"

#include <QSignalSpy>
#include <QTest>

using namespace varta;
using namespace varta::test;
using varta::ui::ChildOutputStore;

class TestChildOutputStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void keepsStreamsApartAndJoinsRuns() {
        ChildOutputStore store;
        QSignalSpy appended(&store, &ChildOutputStore::outputAppended);
        store.append({chunk(1, OutputStream::Stdout, "a"), chunk(1, OutputStream::Stdout, "b"),
                      chunk(1, OutputStream::Stderr, "E"), chunk(2, OutputStream::Stdout, "x"),
                      chunk(1, OutputStream::Stdout, "c")});
        const auto &chunks = store.chunks(1);
        QCOMPARE(chunks.size(), 3);
        QCOMPARE(chunks[0].data, QByteArray("ab"));
        QCOMPARE(chunks[1].stream, OutputStream::Stderr);
        QCOMPARE(chunks[2].data, QByteArray("c"));
        QCOMPARE(store.bytes(1), 4);
        QCOMPARE(appended.count(), 2);  // once per child per batch
        QCOMPARE(store.totalBytes(), 5);
    }

    void perChildBoundKeepsTheHead() {
        ChildOutputStore store;
        const QByteArray big(ChildOutputStore::kMaxBytesPerChild - 2, 'o');
        store.append({OutputChunk{1, OutputStream::Stdout, big}, chunk(1, OutputStream::Stderr, "12345")});
        QCOMPARE(store.bytes(1), ChildOutputStore::kMaxBytesPerChild);
        QVERIFY(store.clipped(1));
        QCOMPARE(store.chunks(1).back().data, QByteArray("12"));
        QVERIFY(!store.clipped(2));
    }

    void totalBoundDropsOldestChildren() {
        ChildOutputStore store;
        QSignalSpy dropped(&store, &ChildOutputStore::outputDropped);
        const QByteArray big(ChildOutputStore::kMaxBytesPerChild, 'o');
        const int children = int(ChildOutputStore::kMaxTotalBytes / ChildOutputStore::kMaxBytesPerChild) + 2;
        for (int id = 1; id <= children; ++id)
            store.append({OutputChunk{std::uint64_t(id), OutputStream::Stdout, big}});
        QVERIFY(store.totalBytes() <= ChildOutputStore::kMaxTotalBytes);
        QCOMPARE(dropped.count(), 2);
        QCOMPARE(dropped[0][0].value<std::uint64_t>(), 1u);
        QCOMPARE(dropped[1][0].value<std::uint64_t>(), 2u);
        QCOMPARE(store.bytes(1), 0);
        QCOMPARE(store.bytes(std::uint64_t(children)), ChildOutputStore::kMaxBytesPerChild);
    }

    void removeReleasesOutput() {
        ChildOutputStore store;
        store.append({chunk(1, OutputStream::Stdout, "abc"), chunk(2, OutputStream::Stdout, "de")});
        QSignalSpy dropped(&store, &ChildOutputStore::outputDropped);
        store.remove({1, 99});
        QCOMPARE(dropped.count(), 1);
        QVERIFY(store.chunks(1).isEmpty());
        QCOMPARE(store.totalBytes(), 2);
    }
};

QTEST_MAIN(TestChildOutputStore)
#include "tst_child_output_store.moc"
