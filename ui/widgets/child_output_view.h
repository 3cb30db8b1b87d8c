#pragma once
// The selected recovery child's captured output: monospace, stderr set apart by colour,
// background and a line prefix, a banner when the capture was truncated. New output is
// appended as it arrives instead of re-rendering everything.
//
// A text document costs several times its text (UTF-16, blocks, layouts), and each insert
// into a block lays that whole block out again: the view shows the first kMaxShownBytes of
// a child's output (the store keeps more; `varta-watch ctl output` has all the engine
// kept) and breaks a line longer than kMaxLineChars, so neither its memory nor the cost of
// an append grows with what a child prints.

#include "core/published/engine_batch.h"

#include <QStringDecoder>
#include <QTextCharFormat>
#include <QWidget>

#include <optional>

class QAction;
class QLabel;
class QPlainTextEdit;

namespace varta::ui {

class ChildOutputStore;

class ChildOutputView : public QWidget {
    Q_OBJECT
public:
    static constexpr char kStderrPrefix[] = "[err] ";
    static constexpr qsizetype kMaxShownBytes = 1024 * 1024;
    static constexpr qsizetype kMaxLineChars = 4096;

    explicit ChildOutputView(QWidget *parent = nullptr);

    void setStore(const ChildOutputStore *store);
    // Shows this child's output from the start; nullopt shows a hint instead.
    void showChild(const std::optional<ChildInfo> &child);
    // What an empty output says instead of "No output captured yet." (a post-mortem: the
    // files keep no output).
    void setNoOutputText(const QString &text) { m_noOutputText = text; }
    // New facts about the child being shown (state, bytes, truncation); others are ignored.
    void updateChild(const ChildInfo &child);

    std::optional<std::uint64_t> childId() const;
    QString text() const;
    bool isTruncationBannerShown() const;
    QString bannerText() const;
    // Checkable, kept in the settings: long lines wrap instead of scrolling sideways.
    QAction *wrapAction() const { return m_wrap; }
    bool wrapsLines() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void onOutputAppended(std::uint64_t childId);
    void onOutputDropped(std::uint64_t childId);
    void restartRendering();
    void renderNewOutput();
    void renderText(const QString &text, OutputStream stream);
    void showCut();
    void updateHeader();
    void updateBanner();
    void updateFormats();

    QLabel *m_header = nullptr;
    QLabel *m_banner = nullptr;
    QPlainTextEdit *m_text = nullptr;
    QAction *m_wrap = nullptr;
    const ChildOutputStore *m_store = nullptr;
    std::optional<ChildInfo> m_child;
    QString m_noOutputText;

    // How much of the stored output is on screen: whole chunks plus part of the last.
    qsizetype m_renderedChunks = 0;
    qsizetype m_renderedBytesInLast = 0;
    // Per stream, because a chunk may end in the middle of a UTF-8 sequence.
    QStringDecoder m_stdoutDecoder{QStringDecoder::Utf8};
    QStringDecoder m_stderrDecoder{QStringDecoder::Utf8};
    bool m_atLineStart = true;
    qsizetype m_lineChars = 0;   // in the last line on screen
    qsizetype m_shownBytes = 0;  // of the child's output, at most kMaxShownBytes
    bool m_cutShown = false;     // the note that the rest is not shown
    OutputStream m_lastStream = OutputStream::Stdout;

    QTextCharFormat m_stdoutFormat;
    QTextCharFormat m_stderrFormat;
};

}  // namespace varta::ui
