#include "ui/widgets/child_output_view.h"

#include "ui/models/agent_table_model.h"
#include "ui/models/child_output_store.h"
#include "ui/models/children_model.h"
#include "ui/style/state_style.h"

#include <QAction>
#include <QEvent>
#include <QFontDatabase>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSettings>
#include <QTextCursor>
#include <QVBoxLayout>

#include <algorithm>

namespace varta::ui {

namespace {
constexpr const char *kWrapKey = "output/wrap";
}  // namespace

ChildOutputView::ChildOutputView(QWidget *parent) : QWidget(parent) {
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("childHeader"));
    m_header->setTextFormat(Qt::PlainText);
    m_header->setWordWrap(true);
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("truncationBanner"));
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setWordWrap(true);
    // Explicit colours on both sides: the banner must stay readable on any palette.
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #5d4037; border: 1px solid #f9a825;"
                                           " border-radius: 3px; padding: 4px 6px; font-weight: bold; }"));
    m_banner->hide();
    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("childOutputText"));
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setUndoRedoEnabled(false);
    m_text->setTabChangesFocus(true);  // Tab leaves the pane; the output never takes a tab
    // Read-only text is mouse-only by default: reached by Tab, read and copied by keyboard.
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_text->setFocusPolicy(Qt::StrongFocus);
    setFocusProxy(m_text);
    m_wrap = new QAction(tr("&Wrap output lines"), this);
    m_wrap->setCheckable(true);
    m_wrap->setChecked(QSettings().value(QLatin1String(kWrapKey), false).toBool());
    const auto applyWrap = [this](bool wrap) {
        m_text->setLineWrapMode(wrap ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap);
    };
    applyWrap(m_wrap->isChecked());
    connect(m_wrap, &QAction::toggled, this, [applyWrap](bool wrap) {
        applyWrap(wrap);
        QSettings().setValue(QLatin1String(kWrapKey), wrap);
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(3);
    layout->addWidget(m_header);
    layout->addWidget(m_banner);
    layout->addWidget(m_text, 1);
    updateFormats();
    showChild(std::nullopt);
}

void ChildOutputView::setStore(const ChildOutputStore *store) {
    if (m_store)
        disconnect(m_store, nullptr, this, nullptr);
    m_store = store;
    if (m_store) {
        connect(m_store, &ChildOutputStore::outputAppended, this, &ChildOutputView::onOutputAppended);
        connect(m_store, &ChildOutputStore::outputDropped, this, &ChildOutputView::onOutputDropped);
    }
    restartRendering();
}

void ChildOutputView::showChild(const std::optional<ChildInfo> &child) {
    const bool sameChild = child && m_child && child->id == m_child->id;
    m_child = child;
    updateHeader();
    updateBanner();
    if (!sameChild)
        restartRendering();
}

void ChildOutputView::updateChild(const ChildInfo &child) {
    if (!m_child || m_child->id != child.id)
        return;
    m_child = child;
    updateHeader();
    updateBanner();
}

std::optional<std::uint64_t> ChildOutputView::childId() const {
    return m_child ? std::optional<std::uint64_t>(m_child->id) : std::nullopt;
}

QString ChildOutputView::text() const { return m_text->toPlainText(); }

bool ChildOutputView::wrapsLines() const { return m_text->lineWrapMode() != QPlainTextEdit::NoWrap; }

bool ChildOutputView::isTruncationBannerShown() const { return !m_banner->isHidden(); }

QString ChildOutputView::bannerText() const { return m_banner->text(); }

void ChildOutputView::changeEvent(QEvent *event) {
    if (event->type() == QEvent::PaletteChange) {
        updateFormats();
        restartRendering();
    }
    QWidget::changeEvent(event);
}

void ChildOutputView::updateFormats() {
    const bool dark = StateStyle::isDark(palette().color(QPalette::Base));
    m_stdoutFormat = QTextCharFormat();
    m_stderrFormat = QTextCharFormat();
    m_stderrFormat.setForeground(dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb7, 0x1c, 0x1c));
    m_stderrFormat.setBackground(dark ? QColor(0x3e, 0x1c, 0x1c) : QColor(0xfd, 0xec, 0xea));
}

void ChildOutputView::onOutputAppended(std::uint64_t childId) {
    if (m_child && m_child->id == childId) {
        renderNewOutput();
        updateBanner();
    }
}

void ChildOutputView::onOutputDropped(std::uint64_t childId) {
    if (m_child && m_child->id == childId) {
        restartRendering();
        m_text->setPlaceholderText(tr("The output of this child is no longer kept."));
    }
}

void ChildOutputView::restartRendering() {
    m_text->clear();
    m_renderedChunks = 0;
    m_renderedBytesInLast = 0;
    m_stdoutDecoder = QStringDecoder(QStringDecoder::Utf8);
    m_stderrDecoder = QStringDecoder(QStringDecoder::Utf8);
    m_atLineStart = true;
    m_lineChars = 0;
    m_shownBytes = 0;
    m_cutShown = false;
    m_lastStream = OutputStream::Stdout;
    if (!m_child)
        m_text->setPlaceholderText(tr("Select a recovery child to see its output."));
    else if (m_child->state == ChildState::FailedToStart)
        m_text->setPlaceholderText(tr("The command never started: %1").arg(m_child->error));
    else
        m_text->setPlaceholderText(m_noOutputText.isEmpty() ? tr("No output captured yet.") : m_noOutputText);
    renderNewOutput();
}

void ChildOutputView::renderNewOutput() {
    if (!m_store || !m_child)
        return;
    const QList<StoredChunk> &chunks = m_store->chunks(m_child->id);
    QScrollBar *bar = m_text->verticalScrollBar();
    const bool followTail = bar->value() == bar->maximum();

    qsizetype index = std::max<qsizetype>(0, m_renderedChunks - 1);
    qsizetype offset = m_renderedChunks > 0 ? m_renderedBytesInLast : 0;
    for (; index < chunks.size(); ++index, offset = 0) {
        const StoredChunk &chunk = chunks[index];
        const qsizetype room = kMaxShownBytes - m_shownBytes;
        const qsizetype length = std::min(chunk.data.size() - offset, std::max<qsizetype>(room, 0));
        if (length > 0) {
            QStringDecoder &decoder = chunk.stream == OutputStream::Stderr ? m_stderrDecoder : m_stdoutDecoder;
            renderText(decoder.decode(QByteArrayView(chunk.data).sliced(offset, length)), chunk.stream);
            m_shownBytes += length;
        }
        if (offset + length < chunk.data.size()) {
            showCut();
            break;
        }
        m_renderedChunks = index + 1;
        m_renderedBytesInLast = chunk.data.size();
    }
    if (followTail)
        bar->setValue(bar->maximum());
}

void ChildOutputView::renderText(const QString &text, OutputStream stream) {
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::End);
    const bool isStderr = stream == OutputStream::Stderr;
    const QTextCharFormat &format = isStderr ? m_stderrFormat : m_stdoutFormat;
    // A switch of stream in mid-line starts a new line, so every stderr line carries
    // its prefix and never hides at the end of a stdout line.
    if (!m_atLineStart && stream != m_lastStream) {
        cursor.insertBlock();
        m_atLineStart = true;
        m_lineChars = 0;
    }
    m_lastStream = stream;
    qsizetype start = 0;
    while (start < text.size()) {
        const qsizetype newline = text.indexOf(QLatin1Char('\n'), start);
        const qsizetype end = newline < 0 ? text.size() : newline;
        if (isStderr && m_atLineStart)
            cursor.insertText(QLatin1String(kStderrPrefix), format);
        // QPlainTextEdit starts a new block for every "\n", so lines go in one by one; a
        // line past kMaxLineChars goes on in a new block.
        const qsizetype length = std::min(end - start, kMaxLineChars - m_lineChars);
        cursor.insertText(text.mid(start, length), format);
        m_lineChars += length;
        start += length;
        if (start < end || (newline >= 0 && start == newline)) {
            cursor.insertBlock();
            m_atLineStart = true;  // a broken line's next part is prefixed too
            m_lineChars = 0;
            if (start == newline)
                ++start;
            continue;
        }
        m_atLineStart = false;
        break;
    }
}

void ChildOutputView::showCut() {
    if (m_cutShown)
        return;
    m_cutShown = true;
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::End);
    if (!m_atLineStart)
        cursor.insertBlock();
    cursor.insertText(tr("[only the first %1 are shown here; varta-watch ctl output %2 prints what the engine kept]")
                          .arg(QLocale().formattedDataSize(kMaxShownBytes))
                          .arg(m_child ? m_child->id : 0));
}

void ChildOutputView::updateHeader() {
    if (!m_child) {
        m_header->setText(tr("Recovery output"));
        return;
    }
    const ChildInfo &c = *m_child;
    const QString pid = c.pid > 0 ? QString::number(c.pid) : tr("not started");
    m_header->setText(tr("Child %1 for %2: %3 | %4 | %5 kept")
                          .arg(pid, AgentTableModel::agentLabel(c.agent), ChildrenModel::commandText(c),
                               ChildrenModel::stateText(c), QLocale().formattedDataSize(c.bytesKept)));
}

void ChildOutputView::updateBanner() {
    const bool storeClipped = m_child && m_store && m_store->clipped(m_child->id);
    if (!m_child || (!m_child->truncated && !storeClipped)) {
        m_banner->hide();
        return;
    }
    const qint64 kept = m_child->truncated ? m_child->bytesKept : qint64(m_store->bytes(m_child->id));
    m_banner->setText(tr("⚠ Output truncated at %1 bytes: the child printed more than the capture limit "
                         "and the rest was discarded.")
                          .arg(QLocale().toString(kept)));
    m_banner->show();
}

}  // namespace varta::ui
