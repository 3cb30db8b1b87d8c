#pragma once
// What each recovery child printed, as the engine captured it: chunks tagged stdout or
// stderr. The engine already caps each child; the store adds its own per-child and total
// bounds so a long session cannot grow without limit. When the total is exceeded the
// output of the oldest children goes first.

#include "core/published/engine_batch.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>

#include <deque>

namespace varta::ui {

struct StoredChunk {
    OutputStream stream = OutputStream::Stdout;
    QByteArray data;
};

class ChildOutputStore : public QObject {
    Q_OBJECT
public:
    // The engine's own cap can be set up to 16 MiB; never keep more than that per child.
    static constexpr qsizetype kMaxBytesPerChild = 16 * 1024 * 1024;
    static constexpr qsizetype kMaxTotalBytes = 64 * 1024 * 1024;
    // Consecutive small chunks of one stream are joined up to kJoinChunkBytes, so a child
    // printing a byte at a time does not cost one chunk per byte. A chunk of kJoinBelowBytes
    // or more is kept as it came: the engine's ChildHistory holds the same bytes, and a
    // join would copy them.
    static constexpr qsizetype kJoinChunkBytes = 64 * 1024;
    static constexpr qsizetype kJoinBelowBytes = 4 * 1024;

    explicit ChildOutputStore(QObject *parent = nullptr);

    void append(const QList<OutputChunk> &chunks);
    void remove(const QList<std::uint64_t> &ids);

    const QList<StoredChunk> &chunks(std::uint64_t id) const;
    qsizetype bytes(std::uint64_t id) const;
    // True when the store itself dropped bytes (its bound, not the engine's).
    bool clipped(std::uint64_t id) const;
    qsizetype totalBytes() const { return m_totalBytes; }

Q_SIGNALS:
    // New bytes for the child: either new chunks or a longer last chunk.
    void outputAppended(std::uint64_t childId);
    // Everything kept for the child is gone (evicted or removed).
    void outputDropped(std::uint64_t childId);

private:
    struct Output {
        QList<StoredChunk> chunks;
        qsizetype bytes = 0;
        bool clipped = false;
    };

    void appendChunk(std::uint64_t id, const OutputChunk &chunk);
    void evictOldest();

    QHash<std::uint64_t, Output> m_outputs;
    std::deque<std::uint64_t> m_arrivalOrder;
    qsizetype m_totalBytes = 0;
};

}  // namespace varta::ui
