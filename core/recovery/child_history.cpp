#include "core/recovery/child_history.h"

namespace varta {

void ChildHistory::update(const ChildInfo &info) {
    Entry &entry = m_entries[info.id];
    const bool wasRunning = entry.info.id == 0 || entry.info.state == ChildState::Running;
    entry.info = info;
    if (wasRunning && info.state != ChildState::Running) {
        m_ended.push_back(info.id);
        trim();
    }
}

void ChildHistory::append(const OutputChunk &chunk) {
    const auto it = m_entries.find(chunk.childId);
    if (it == m_entries.end())
        return;
    it->second.output.append(chunk);
    m_outputBytes += chunk.data.size();
    trim();
}

void ChildHistory::trim() {
    while (!m_ended.empty() && (m_ended.size() > kEndedChildren || m_outputBytes > kMaxOutputBytes)) {
        const auto it = m_entries.find(m_ended.front());
        m_ended.pop_front();
        if (it == m_entries.end())
            continue;
        for (const OutputChunk &chunk : it->second.output)
            m_outputBytes -= chunk.data.size();
        m_forgottenIds.append(it->first);
        m_entries.erase(it);
        ++m_forgotten;
    }
}

const ChildHistory::Entry *ChildHistory::find(std::uint64_t id) const {
    const auto it = m_entries.find(id);
    return it == m_entries.end() ? nullptr : &it->second;
}

QList<ChildInfo> ChildHistory::list() const {
    QList<ChildInfo> out;
    out.reserve(qsizetype(m_entries.size()));
    for (const auto &[id, entry] : m_entries)
        out.append(entry.info);
    return out;
}

QList<ChildInfo> ChildHistory::listFor(const AgentKey &agent) const {
    QList<ChildInfo> out;
    for (const auto &[id, entry] : m_entries)
        if (entry.info.agent == agent)
            out.append(entry.info);
    return out;
}

QStringList ChildHistory::tail(std::uint64_t id) const {
    const Entry *entry = find(id);
    if (!entry)
        return {};
    // Only the end matters: gather chunks from the last backwards until enough bytes.
    QByteArray bytes;
    for (auto it = entry->output.crbegin(); it != entry->output.crend() && bytes.size() <= kTailBytes * 2; ++it)
        bytes.prepend(it->data);
    QList<QByteArray> lines = bytes.split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    QStringList out;
    qsizetype used = 0;
    for (auto it = lines.crbegin(); it != lines.crend() && out.size() < kTailLines; ++it) {
        QByteArray line = it->endsWith('\r') ? it->chopped(1) : *it;
        if (used + line.size() > kTailBytes) {
            if (out.isEmpty())  // one long last line: its end
                out.prepend(QString::fromUtf8(line.right(kTailBytes)));
            break;
        }
        used += line.size();
        out.prepend(QString::fromUtf8(line));
    }
    return out;
}

}  // namespace varta
