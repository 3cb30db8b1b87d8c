#pragma once
// Reading a bound datagram socket, shared by the UDP and Unix-socket listeners: recvmmsg
// in batches, drained until the socket is empty (or a per-wakeup bound lets the event
// loop breathe). Not a QUdpSocket: draining a QUdpSocket's descriptor behind its back
// silences it (docs/architecture.md section 4), and readDatagram costs more syscalls per datagram.
//
// Reads are coalesced: the first datagram after a quiet spell is read at once, then the
// reader stops listening for a pause and reads everything that came meanwhile in one
// batch. Thousands of agents beating independently would otherwise wake the engine
// thousands of times a second, and a wakeup costs far more than a datagram. The pause is
// at most kCoalesceMs, and short enough that what gathers in it at the rate just seen
// stays within a quarter of what the socket can queue, so coalescing never drops a
// datagram. A Unix datagram socket queues few datagrams (net.unix.max_dgram_qlen: 10 by
// the kernel's default, 512 where systemd sets it) and makes its senders wait or fail
// when full; below kMinGather the reader does not pause at all. What the delay would
// cost in accuracy is given back by the kernel's receive timestamp (SO_TIMESTAMPNS): a
// beat's time is when it arrived, not when it was read; and the engine reads what arrived
// before a deadline (drainArrivedBefore) before it surfaces a stall. (Linux turns
// timestamping on a moment after the first socket asks; datagrams of that first moment
// are stamped when read.)
//
// A wakeup under a flood never ends by the socket running dry, so it ends by count
// (kMaxPerWakeup) or when the next stall deadline comes (yieldAt): a stall falling due
// waits for one recvmmsg batch, not a whole wakeup, before its timer runs. Yielding on
// the clock alone (every 2 ms) cost 4 % more CPU per datagram under a flood, for the
// many deadline-free wakeups it split.

#include "core/ingest/datagram_sink.h"

#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <cstdint>
#include <limits>
#include <memory>

namespace varta {

class BatchReader : public QObject {
    Q_OBJECT
public:
    // Datagrams per recvmmsg: 256 costs the kernel ~5 % less per datagram than 64
    // (bench_ingest_path recv N).
    static constexpr unsigned kBatch = 256;
    static constexpr unsigned kMaxPerWakeup = 8192;  // then yield to the event loop
    // SO_RCVBUF asked for (Linux grants twice this): ~80,000 queued UDP beats, a fifth of
    // a second at the rate one core sends, to ride out the engine losing its core.
    static constexpr int kReceiveBufferBytes = 32 * 1024 * 1024;
    // At most ~20 reads a second under light load: the observer publishes at 20 Hz too.
    static constexpr int kCoalesceMs = 50;
    // The first pause after a quiet spell, before the rate is known.
    static constexpr int kFirstPauseMs = 5;
    // Wakeups further apart than this are a quiet spell.
    static constexpr std::int64_t kQuietNs = std::int64_t{2} * kCoalesceMs * 1'000'000;
    // What one queued datagram costs the receive buffer (832 bytes measured for a 32-byte
    // datagram over loopback), rounded up.
    static constexpr int kQueuedDatagramBytes = 1024;
    // A pause must be able to gather at least this many datagrams to be worth taking.
    static constexpr std::int64_t kMinGather = 16;
    // Nor does it gather more than this, whatever the socket could hold: a stall falling
    // due in a pause is decided only once what arrived before it is read, so under a
    // flood a pause lasts about 2 ms, and reading what it gathered about as long.
    static constexpr std::int64_t kMaxGather = 2048;
    // A receive timestamp further back than this is not believed (the wall clock was
    // stepped); the datagram gets the time it was read.
    static constexpr std::int64_t kMaxArrivalAgeNs = 1'000'000'000;

    BatchReader(Transport transport, DatagramSink &sink, QObject *parent = nullptr);
    ~BatchReader() override;

    // Takes over the bound, non-blocking socket `fd` (closed by stop()): asks for the
    // receive buffer (`receiveBufferBytes`; 0 leaves the kernel's default) and timestamps,
    // and starts listening. `queueLimit` is how many datagrams the socket queues at most
    // (0: as many as its receive buffer holds).
    void start(int fd, std::int64_t queueLimit, int receiveBufferBytes = kReceiveBufferBytes);
    void stop();
    bool isReading() const { return m_fd >= 0; }
    int receiveBufferBytes() const { return m_receiveBuffer; }  // as the kernel granted it
    // False when the socket queues too little for any pause: a pause may gather a
    // quarter of what it can queue, and that must reach kMinGather.
    bool gathersReads() const { return m_gatherLimit >= kMinGather; }
    std::int64_t gatherLimit() const { return m_gatherLimit; }  // datagrams a pause may gather
    // True while reads are paused to gather a batch, and for how much longer.
    bool paused() const { return m_coalesce.isActive(); }
    int pauseRemainingMs() const { return m_coalesce.remainingTime(); }

    struct Drained {
        unsigned read = 0;
        // Every datagram that arrived before this time has been handed to the sink (it may
        // be later than what was asked for: the last batch read reached past it).
        std::int64_t readThroughNs = 0;
        bool more = false;  // it stopped at a bound with datagrams still queued
    };
    // Reads what arrived before `untilNs` (the engine calls it before surfacing stalls, so
    // a beat that arrived in time is never mistaken for silence). The socket is a queue in
    // arrival order, so the read stops at the first datagram that arrived at `untilNs` or
    // later: under a flood it reads the backlog, not the flood; and asked for a time it
    // has already read through, it reads nothing. It also stops at kMaxPerWakeup;
    // readThroughNs then says how far it got.
    Drained drainArrivedBefore(std::int64_t untilNs);
    // A wakeup that is still reading at this engine time yields to the event loop after
    // the batch in hand: the engine sets its next stall deadline here after every batch
    // (docs/architecture.md section 2). Beats only move that deadline later, so the one
    // set is never later than the true one.
    void yieldAt(std::int64_t deadlineNs) { m_yieldAtNs = deadlineNs; }

private:
    void onReadable();
    // Reads until the socket is empty, a datagram that arrived at `untilNs` or later was
    // read, or a bound: kMaxPerWakeup, and the yieldAt deadline when `yields`.
    Drained drain(std::int64_t untilNs, bool yields);
    int nextPauseMs(const Drained &drained, std::int64_t wokeNs) const;

    Transport m_transport;
    DatagramSink &m_sink;
    int m_fd = -1;
    int m_receiveBuffer = 0;
    std::int64_t m_gatherLimit = 0;  // datagrams a pause may gather
    std::unique_ptr<QSocketNotifier> m_notifier;
    QTimer m_coalesce;
    std::int64_t m_lastWakeNs = 0;     // when the last wakeup began reading
    std::int64_t m_readThroughNs = 0;  // every datagram that arrived before it has been read
    std::int64_t m_readSinceWake = 0;  // datagrams read since the last wakeup began, by any read
    std::int64_t m_yieldAtNs = std::numeric_limits<std::int64_t>::max();
    struct Buffers;
    std::unique_ptr<Buffers> m_buffers;
};

}  // namespace varta
