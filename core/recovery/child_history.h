#pragma once
// The recovery children an operator can still ask about (`ctl children`, `ctl output`):
// every running one and the last kEndedChildren that ended, each with the output the
// runner kept (already capped by --recovery-capture-bytes). Ended children beyond
// kEndedChildren, or whose output would take the total past kMaxOutputBytes, are
// forgotten oldest first (counted).

#include "core/published/engine_batch.h"

#include <QList>
#include <QStringList>

#include <cstdint>
#include <deque>
#include <map>
#include <utility>

namespace varta {

class ChildHistory {
public:
    static constexpr std::size_t kEndedChildren = 256;
    static constexpr std::int64_t kMaxOutputBytes = 64 * 1024 * 1024;
    static constexpr int kTailLines = 10;
    static constexpr qsizetype kTailBytes = 2048;

    struct Entry {
        ChildInfo info;
        QList<OutputChunk> output;
    };

    void update(const ChildInfo &info);  // started or changed; an ended child is kept as ended
    void append(const OutputChunk &chunk);

    const Entry *find(std::uint64_t id) const;
    // Running and remembered children, oldest first.
    QList<ChildInfo> list() const;
    QList<ChildInfo> listFor(const AgentKey &agent) const;
    // The last lines of a child's output, both streams in arrival order: at most
    // kTailLines lines and kTailBytes bytes, a longer line cut at its start.
    QStringList tail(std::uint64_t id) const;
    std::uint64_t forgotten() const noexcept { return m_forgotten; }
    // The children forgotten since the last call, oldest first: a console mirroring their
    // output drops its copy too, so the two stores keep the same chunks.
    QList<std::uint64_t> takeForgotten() { return std::exchange(m_forgottenIds, {}); }

private:
    void trim();

    std::map<std::uint64_t, Entry> m_entries;  // ids increase: oldest first
    std::deque<std::uint64_t> m_ended;         // in the order they ended
    std::int64_t m_outputBytes = 0;
    std::uint64_t m_forgotten = 0;
    QList<std::uint64_t> m_forgottenIds;  // since the last takeForgotten()
};

}  // namespace varta
