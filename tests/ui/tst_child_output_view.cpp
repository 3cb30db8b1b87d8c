// The child output view: stderr set apart, text appended as it arrives, UTF-8 split
// across chunks decoded whole, and the truncation banner.
#include "tests/support/test_batches.h"
#include "ui/models/child_output_store.h"
#include "ui/widgets/child_output_view.h"

#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>

using namespace varta;
using namespace varta::test;
using varta::ui::ChildOutputStore;
using varta::ui::ChildOutputView;

class TestChildOutputView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        m_store = std::make_unique<ChildOutputStore>();
        m_view = std::make_unique<ChildOutputView>();
        m_view->setStore(m_store.get());
        m_view->resize(600, 300);
        m_view->show();
    }
    void cleanup() {
        m_view.reset();
        m_store.reset();
    }

    void stderrIsPrefixedAndTinted() {
        m_view->showChild(child(1, AgentKey::local(5), ChildState::Running));
        m_store->append({chunk(1, OutputStream::Stdout, "out line\n"), chunk(1, OutputStream::Stderr, "bad\nworse\n")});
        QCOMPARE(m_view->text(), QStringLiteral("out line\n[err] bad\n[err] worse\n"));
        const QTextDocument *doc = document();
        const auto background = [doc](int block) {
            return doc->findBlockByNumber(block).begin().fragment().charFormat().background().color();
        };
        QVERIFY(background(1) != background(0));
        QCOMPARE(background(1), background(2));
    }

    void outputIsAppendedNotRedrawn() {
        m_view->showChild(child(1, AgentKey::local(5), ChildState::Running));
        m_store->append({chunk(1, OutputStream::Stdout, "first\n")});
        const int before = document()->characterCount();
        QSignalSpy changes(document(), &QTextDocument::contentsChange);
        m_store->append({chunk(1, OutputStream::Stdout, "second\n"), chunk(2, OutputStream::Stdout, "other\n")});
        QVERIFY(!changes.isEmpty());
        for (const QList<QVariant> &change : changes) {
            QCOMPARE(change[1].toInt(), 0);  // nothing removed
            QVERIFY(change[0].toInt() >= before - 1);
        }
        QCOMPARE(m_view->text(), QStringLiteral("first\nsecond\n"));
    }

    void utf8SplitAcrossChunks() {
        m_view->showChild(child(1, AgentKey::local(5), ChildState::Running));
        const QByteArray euro = QStringLiteral("€ ok\n").toUtf8();
        m_store->append({OutputChunk{1, OutputStream::Stdout, euro.left(2)}});
        m_store->append({OutputChunk{1, OutputStream::Stdout, euro.mid(2)}});
        QCOMPARE(m_view->text(), QStringLiteral("€ ok\n"));
    }

    void switchingChildrenShowsTheirOwnOutput() {
        m_store->append({chunk(1, OutputStream::Stdout, "one\n"), chunk(2, OutputStream::Stdout, "two\n")});
        m_view->showChild(child(2, AgentKey::local(5), ChildState::Exited));
        QCOMPARE(m_view->text(), QStringLiteral("two\n"));
        m_view->showChild(child(1, AgentKey::local(5), ChildState::Exited));
        QCOMPARE(m_view->text(), QStringLiteral("one\n"));
        m_view->showChild(std::nullopt);
        QVERIFY(m_view->text().isEmpty());
    }

    void truncationBanner_data() {
        QTest::addColumn<bool>("truncated");
        QTest::addColumn<qint64>("kept");
        QTest::newRow("complete") << false << qint64(100);
        QTest::newRow("truncated") << true << qint64(65536);
    }
    void truncationBanner() {
        QFETCH(bool, truncated);
        QFETCH(qint64, kept);
        ChildInfo c = child(1, AgentKey::local(5), ChildState::Exited);
        c.truncated = truncated;
        c.bytesKept = kept;
        m_view->showChild(c);
        QCOMPARE(m_view->isTruncationBannerShown(), truncated);
        if (truncated)
            QVERIFY(
                m_view->bannerText().contains(QStringLiteral("truncated at %1 bytes").arg(QLocale().toString(kept))));
    }

    void failedToStartSaysWhy() {
        m_view->showChild(child(1, AgentKey::local(5), ChildState::FailedToStart));
        const auto *edit = m_view->findChild<QPlainTextEdit *>();
        QVERIFY(edit->placeholderText().contains(QStringLiteral("No such file or directory")));
    }

private:
    QTextDocument *document() const { return m_view->findChild<QPlainTextEdit *>()->document(); }

    std::unique_ptr<ChildOutputStore> m_store;
    std::unique_ptr<ChildOutputView> m_view;
};

QTEST_MAIN(TestChildOutputView)
#include "tst_child_output_view.moc"
