#pragma once
// Datagram → verdict, in the order of docs/protocol.md: length, (secure open), decode,
// kernel-credential and namespace checks for local agents, then the tracker. Every
// refusal is counted by kind; accepted beats and refusals go to the event file.

#include "core/export/event_file.h"
#include "core/ingest/datagram_sink.h"
#include "core/ingest/ingest_counters.h"
#include "core/tracking/agent_tracker.h"

namespace varta {

class SecureReceiver;

// What the engine wants to hear about, beyond counters.
class IngestEvents {
public:
    virtual ~IngestEvents() = default;
    virtual void onAgentResumed(Slot slot, std::int64_t silentForNs) = 0;  // a stalled agent beat again
    virtual void onAgentAdded(Slot) {}                                     // its first accepted beat
    // A known local pid beat as another process: the old agent is gone, onAgentAdded follows.
    virtual void onAgentRecycled(const AgentKey &) {}
    virtual void onAgentEvicted(const AgentKey &key) = 0;  // removed to make room
    // A local agent removed because its pid beat over a stronger local origin (origin pinning).
    virtual void onAgentReplaced(const AgentKey &weaker, const AgentKey &stronger) = 0;
    virtual void onIngestBatchEnd() = 0;
    virtual void onIngestIoError(std::string_view what) = 0;
    // --strict-namespace-check: a local agent beat from another pid namespace.
    virtual void onForeignNamespaceBeat(std::uint32_t pid) = 0;
};

class IngestPipeline final : public DatagramSink {
public:
    IngestPipeline(AgentTracker &tracker, IngestCounters &counters, EventFile *eventFile, bool allowCrossNamespace,
                   IngestEvents &events);

    // Every datagram of a secure UDP listener goes through it; required when one exists.
    void setSecureReceiver(SecureReceiver *receiver) { m_secure = receiver; }
    // Local frames claiming a pid above this are dropped and counted, as no process here
    // can have it (/proc/sys/kernel/pid_max; the engine re-reads it once a minute). UDP
    // frames come from hosts whose pid_max may be larger, so they are held to Linux's
    // limit instead (vlp::kLinuxPidMaxLimit).
    void setPidMax(std::uint32_t pidMax) { m_pidMax = pidMax; }
    std::uint32_t pidMax() const { return m_pidMax; }
    void setStrictNamespaceCheck(bool on) { m_strictNamespaceCheck = on; }

    void onDatagram(const Datagram &datagram) override;
    void onDatagrams(std::span<const Datagram> batch) override;
    void onBatchEnd() override;
    void onIoError(std::string_view what) override;

    // Datagrams of a recvmmsg batch looked ahead at a time.
    static constexpr std::size_t kLookAhead = 64;

private:
    void prefetch(std::span<const Datagram> batch);
    void receiveSecure(const Datagram &datagram, std::int64_t now);
    bool checkLocalSender(const Datagram &datagram, const vlp::Frame &frame, bool &crossNamespace);
    void deliver(const Datagram &datagram, const vlp::Frame &frame, std::int64_t nowNs);

    AgentTracker &m_tracker;
    IngestCounters &m_counters;
    EventFile *m_eventFile;
    SecureReceiver *m_secure = nullptr;
    bool m_allowCrossNamespace;
    bool m_strictNamespaceCheck = false;
    std::uint32_t m_pidMax = vlp::kLinuxPidMaxLimit;
    IngestEvents &m_events;
    // The last refusal's detail, for its decode line. A member, not a local, so that an
    // accepted beat does not pay for initialising it.
    vlp::DecodeFailure m_failure;
};

}  // namespace varta
