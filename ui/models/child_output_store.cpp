#include "ui/models/child_output_store.h"

#include <algorithm>

namespace varta::ui {

ChildOutputStore::ChildOutputStore(QObject *parent) : QObject(parent) {}

void ChildOutputStore::append(const QList<OutputChunk> &chunks) {
    QList<std::uint64_t> touched;
    for (const OutputChunk &chunk : chunks) {
        if (chunk.data.isEmpty())
            continue;
        appendChunk(chunk.childId, chunk);
        if (!touched.contains(chunk.childId))
            touched.append(chunk.childId);
    }
    while (m_totalBytes > kMaxTotalBytes && m_arrivalOrder.size() > 1)
        evictOldest();
    for (std::uint64_t id : std::as_const(touched))
        if (m_outputs.contains(id))
            Q_EMIT outputAppended(id);
}

void ChildOutputStore::appendChunk(std::uint64_t id, const OutputChunk &chunk) {
    auto it = m_outputs.find(id);
    if (it == m_outputs.end()) {
        it = m_outputs.insert(id, Output{});
        m_arrivalOrder.push_back(id);
    }
    Output &out = *it;
    // Like the engine, keep the head: the first lines usually say what went wrong.
    const qsizetype room = kMaxBytesPerChild - out.bytes;
    if (room <= 0) {
        out.clipped = true;
        return;
    }
    const QByteArray data = chunk.data.size() > room ? chunk.data.first(room) : chunk.data;
    out.clipped = out.clipped || data.size() < chunk.data.size();
    if (data.size() < kJoinBelowBytes && !out.chunks.isEmpty() && out.chunks.back().stream == chunk.stream
        && out.chunks.back().data.size() < kJoinChunkBytes) {
        QByteArray &last = out.chunks.back().data;
        last.append(data);
        if (last.size() >= kJoinChunkBytes)
            last.squeeze();  // full: no room kept for more
    } else {
        out.chunks.append(StoredChunk{chunk.stream, data});
    }
    out.bytes += data.size();
    m_totalBytes += data.size();
}

void ChildOutputStore::evictOldest() {
    const std::uint64_t id = m_arrivalOrder.front();
    m_arrivalOrder.pop_front();
    const auto it = m_outputs.find(id);
    if (it == m_outputs.end())
        return;
    m_totalBytes -= it->bytes;
    m_outputs.erase(it);
    Q_EMIT outputDropped(id);
}

void ChildOutputStore::remove(const QList<std::uint64_t> &ids) {
    for (std::uint64_t id : ids) {
        const auto it = m_outputs.find(id);
        if (it == m_outputs.end())
            continue;
        m_totalBytes -= it->bytes;
        m_outputs.erase(it);
        m_arrivalOrder.erase(std::remove(m_arrivalOrder.begin(), m_arrivalOrder.end(), id), m_arrivalOrder.end());
        Q_EMIT outputDropped(id);
    }
}

const QList<StoredChunk> &ChildOutputStore::chunks(std::uint64_t id) const {
    static const QList<StoredChunk> kNone;
    const auto it = m_outputs.constFind(id);
    return it == m_outputs.cend() ? kNone : it->chunks;
}

qsizetype ChildOutputStore::bytes(std::uint64_t id) const {
    const auto it = m_outputs.constFind(id);
    return it == m_outputs.cend() ? 0 : it->bytes;
}

bool ChildOutputStore::clipped(std::uint64_t id) const {
    const auto it = m_outputs.constFind(id);
    return it != m_outputs.cend() && it->clipped;
}

}  // namespace varta::ui
