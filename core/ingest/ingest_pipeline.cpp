#include "core/ingest/ingest_pipeline.h"

#include "core/base/engine_clock.h"
#include "core/ingest/pid_namespace.h"
#include "core/ingest/secure_receiver.h"

#include <algorithm>
#include <array>

namespace varta {

IngestPipeline::IngestPipeline(AgentTracker &tracker, IngestCounters &counters, EventFile *eventFile,
                               bool allowCrossNamespace, IngestEvents &events)
    : m_tracker(tracker),
      m_counters(counters),
      m_eventFile(eventFile),
      m_allowCrossNamespace(allowCrossNamespace),
      m_events(events) {}

void IngestPipeline::onDatagram(const Datagram &d) {
    ++m_counters.datagrams;
    const std::int64_t now = d.receivedNs;
    // As upstream: refused before anything else, since its sender cannot be known.
    if (d.controlTruncated) [[unlikely]] {
        ++m_counters.ctrlTruncated;
        if (m_eventFile)
            m_eventFile->controlTruncated(now);
        return;
    }
    const vlp::DatagramKind kind = vlp::classifyLength(d.length);
    if (d.transport == Transport::SecureUdp) {
        receiveSecure(d, now);
        return;
    }
    if (kind != vlp::DatagramKind::Plain) {
        ++m_counters.truncated;
        return;
    }
    vlp::Frame frame;
    if (const auto error =
            vlp::decode(std::span<const std::uint8_t, vlp::kFrameSize>(d.data, vlp::kFrameSize), frame, &m_failure)) {
        ++m_counters.decodeErrors[static_cast<std::size_t>(*error)];
        if (m_eventFile)
            m_eventFile->decodeError(now, m_failure);
        return;
    }
    deliver(d, frame, now);
}

void IngestPipeline::onDatagrams(std::span<const Datagram> batch) {
    while (!batch.empty()) {
        const std::span<const Datagram> part = batch.first(std::min(batch.size(), kLookAhead));
        prefetch(part);
        for (const Datagram &d : part)
            onDatagram(d);
        batch = batch.subspan(part.size());
    }
}

// On a large table every beat's record is a cache miss, and so are its index bucket and
// its two deadline neighbours; one beat after another, each miss waits for the one
// before. Looking ahead over the batch first starts those loads for every plain UDP
// datagram (from its claimed pid: a hint, checked by the real look-up later), so the
// misses overlap and the beats are then handled from warm caches.
void IngestPipeline::prefetch(std::span<const Datagram> batch) {
    std::array<std::size_t, kLookAhead> hashes;
    std::array<Slot, kLookAhead> found;
    std::size_t n = 0;
    for (const Datagram &d : batch) {
        if (d.transport != Transport::Udp || d.length != vlp::kFrameSize)
            continue;
        const std::uint32_t pid = std::uint32_t{d.data[4]} | std::uint32_t{d.data[5]} << 8
                                  | std::uint32_t{d.data[6]} << 16 | std::uint32_t{d.data[7]} << 24;
        hashes[n++] = m_tracker.prefetchBucket(AgentKey::fromSockaddr(d.transport, *d.peer, pid));
    }
    for (std::size_t i = 0; i < n; ++i)
        found[i] = m_tracker.prefetchRecord(hashes[i]);
    for (std::size_t i = 0; i < n; ++i)
        m_tracker.prefetchNeighbours(found[i]);
}

void IngestPipeline::receiveSecure(const Datagram &d, std::int64_t now) {
    // An over-long datagram is cut to the buffer, one byte past the largest frame, so
    // the receiver still sees it as the wrong length.
    const std::size_t seen = std::min(d.length, vlp::kReceiveBufferSize);
    const SecureReceiver::Outcome outcome = m_secure->receive(std::span<const std::uint8_t>(d.data, seen), now);
    switch (outcome.result) {
    case SecureReceiver::Result::Accepted: deliver(d, outcome.frame, now); break;
    case SecureReceiver::Result::PidMismatch:
        if (m_eventFile)
            m_eventFile->mismatch(now, outcome.claimedPid, "auth_failure");
        break;
    case SecureReceiver::Result::DecodeFailed:
        if (m_eventFile)
            m_eventFile->decodeError(now, outcome.decodeFailure);
        break;
    default: break;  // counted by the receiver
    }
}

bool IngestPipeline::checkLocalSender(const Datagram &d, const vlp::Frame &frame, bool &crossNamespace) {
    if (d.kernelPid > 0 && static_cast<std::uint32_t>(d.kernelPid) == frame.pid)
        return true;
    // A different pid is either a lie or the same process seen from another pid
    // namespace; /proc tells which. Only this rare path pays for the look-up.
    if (d.kernelPid > 0 && comparePidNamespace(d.kernelPid) == NamespaceCheck::Different) {
        if (m_strictNamespaceCheck) {
            m_events.onForeignNamespaceBeat(frame.pid);
            return false;
        }
        if (m_allowCrossNamespace) {
            crossNamespace = true;
            return true;
        }
        ++m_counters.namespaceConflicts;
        if (m_eventFile)
            m_eventFile->mismatch(engineNowNs(), frame.pid, "namespace_conflict");
        return false;
    }
    ++m_counters.authFailures;
    if (m_eventFile)
        m_eventFile->mismatch(engineNowNs(), frame.pid, "auth_failure");
    return false;
}

void IngestPipeline::deliver(const Datagram &d, const vlp::Frame &frame, std::int64_t nowNs) {
    if (frame.pid > (d.transport == Transport::Uds ? m_pidMax : vlp::kLinuxPidMaxLimit)) {
        ++m_counters.pidAboveMax;
        return;
    }
    bool crossNamespace = false;
    if (d.transport == Transport::Uds && !checkLocalSender(d, frame, crossNamespace))
        return;
    const AgentKey key = d.transport == Transport::Uds ? AgentKey::local(frame.pid)
                                                       : AgentKey::fromSockaddr(d.transport, *d.peer, frame.pid);
    const BeatOutcome outcome = m_tracker.onBeat(key, frame, nowNs, crossNamespace);
    if (outcome.verdict != BeatVerdict::Accepted) {
        // The tracker counted why; of its refusals only this one has a line of its own.
        if (outcome.verdict == BeatVerdict::OriginConflict && m_eventFile) [[unlikely]]
            m_eventFile->mismatch(engineNowNs(), frame.pid, "origin_conflict");
        return;
    }
    // As upstream, where a stronger origin resets the pid's slot, the file shows only the
    // new agent's beat.
    if (outcome.recycled) [[unlikely]]
        m_events.onAgentRecycled(key);
    if (outcome.newAgent) [[unlikely]]
        m_events.onAgentAdded(outcome.slot);
    if (outcome.replaced) [[unlikely]]
        m_events.onAgentReplaced(*outcome.replaced, key);
    if (outcome.evicted) {
        if (m_eventFile)
            m_eventFile->eviction(nowNs, outcome.evicted->pid);
        m_events.onAgentEvicted(*outcome.evicted);
    }
    if (m_eventFile)
        m_eventFile->beat(nowNs, frame);
    if (outcome.resumed)
        m_events.onAgentResumed(outcome.slot, outcome.silentForNs);
}

void IngestPipeline::onBatchEnd() {
    if (m_eventFile)
        m_eventFile->flush();
    m_events.onIngestBatchEnd();
}

void IngestPipeline::onIoError(std::string_view what) {
    ++m_counters.ioErrors;
    if (m_eventFile)
        m_eventFile->ioError(engineNowNs(), what);
    m_events.onIngestIoError(what);
}

}  // namespace varta
