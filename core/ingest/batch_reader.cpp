#include "core/ingest/batch_reader.h"

#include "core/base/engine_clock.h"
#include "core/base/loop_stats.h"
#include "core/vlp/frame.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>

#include <sys/socket.h>
#include <unistd.h>

namespace varta {

namespace {

// Room for the control messages a datagram brings: its receive timestamp and, on the
// Unix socket, the sender's credentials.
struct alignas(cmsghdr) Control {
    char bytes[CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(ucred))];
};

std::int64_t wallNowNs() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The kernel's receive time (wall clock) as engine time, or `readNs` when it is too far
// off to believe (the wall clock was stepped).
std::int64_t arrivalNs(const timespec &ts, std::int64_t readNs, std::int64_t wallMinusEngineNs) noexcept {
    const std::int64_t at = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec - wallMinusEngineNs;
    // The two clocks are read a few nanoseconds apart: "after the read" by less than a
    // millisecond is that jitter, not a stepped clock.
    if (at < readNs - BatchReader::kMaxArrivalAgeNs || at > readNs + 1'000'000)
        return readNs;
    return std::min(at, readNs);
}

// Fills the datagram's arrival time and (Unix socket) sender pid from its control
// messages. A datagram without a timestamp (never seen on Linux) gets the time it was read.
// A sender can make the kernel cut them short by passing descriptors (SCM_RIGHTS): Control
// has no room past the timestamp and the credentials, so the kernel installs none of them
// here and sets MSG_CTRUNC. What was cut may have been the credentials, and a cut
// message's length is not to be trusted, so none of it is read.
void readControl(msghdr &h, std::int64_t readNs, std::int64_t wallMinusEngineNs, Datagram &d) noexcept {
    d.receivedNs = readNs;
    d.kernelPid = -1;
    d.controlTruncated = (h.msg_flags & MSG_CTRUNC) != 0;
    if (d.controlTruncated)
        return;
    for (cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level != SOL_SOCKET)
            continue;
        if (c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            d.receivedNs = arrivalNs(ts, readNs, wallMinusEngineNs);
        } else if (c->cmsg_type == SCM_CREDENTIALS) {
            ucred cred{};
            std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
            d.kernelPid = cred.pid;
        }
    }
}

// strerror_r is the XSI one (an int) or the GNU one (the text) by the C library's choice.
[[maybe_unused]] const char *errorDescription(int, const char *buffer) { return buffer; }
[[maybe_unused]] const char *errorDescription(const char *text, const char *) { return text; }

// An io line's payload as upstream writes it, Rust's Display of an io::Error from the
// system, so that one parser reads both event files: "Connection refused (os error 111)".
std::string osErrorText(int error) {
    char buffer[256] = {};
    std::string text = errorDescription(::strerror_r(error, buffer, sizeof buffer), buffer);
    text += " (os error ";
    text += std::to_string(error);
    text += ')';
    return text;
}

int setReceiveBuffer(int fd, int bytes) {
    if (bytes > 0 && ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    int granted = 0;
    socklen_t length = sizeof granted;
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length);
    return granted;
}

}  // namespace

struct BatchReader::Buffers {
    std::array<std::array<std::uint8_t, vlp::kReceiveBufferSize>, kBatch> data{};
    std::array<Control, kBatch> control{};
    std::array<sockaddr_storage, kBatch> peers{};
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> headers{};
    std::array<Datagram, kBatch> datagrams{};
};

BatchReader::BatchReader(Transport transport, DatagramSink &sink, QObject *parent)
    : QObject(parent), m_transport(transport), m_sink(sink), m_buffers(std::make_unique<Buffers>()) {
    for (unsigned i = 0; i < kBatch; ++i)
        m_buffers->iov[i] = iovec{m_buffers->data[i].data(), m_buffers->data[i].size()};
    m_coalesce.setSingleShot(true);
    m_coalesce.setTimerType(Qt::PreciseTimer);
    connect(&m_coalesce, &QTimer::timeout, this, &BatchReader::onReadable);
}

BatchReader::~BatchReader() { stop(); }

void BatchReader::start(int fd, std::int64_t queueLimit, int receiveBufferBytes) {
    stop();
    m_fd = fd;
    m_receiveBuffer = setReceiveBuffer(m_fd, receiveBufferBytes);
    const int on = 1;
    ::setsockopt(m_fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    std::int64_t queued = std::max(m_receiveBuffer, 0) / kQueuedDatagramBytes;
    if (queueLimit > 0)
        queued = std::min(queued, queueLimit);
    m_gatherLimit = std::min<std::int64_t>(queued / 4, kMaxGather);
    m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &BatchReader::onReadable);
}

void BatchReader::stop() {
    m_readThroughNs = 0;
    m_readSinceWake = 0;
    m_coalesce.stop();
    m_notifier.reset();
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

void BatchReader::onReadable() {
    if (!m_notifier)
        return;
    const LoopStats::Scope stage(LoopStage::Poll);
    const std::int64_t wokeNs = engineNowNs();
    const Drained drained = drain(std::numeric_limits<std::int64_t>::max(), true);
    if (!m_notifier)
        return;  // stopped by what the sink did with the batch
    const int pauseMs = nextPauseMs(drained, wokeNs);
    m_readSinceWake = 0;
    m_lastWakeNs = wokeNs;
    m_notifier->setEnabled(pauseMs == 0);
    if (pauseMs > 0)
        m_coalesce.start(pauseMs);
}

// 0: listen again at once (the socket is quiet, or still holds more than one wakeup may
// read, or it queues too little for a pause to be safe).
int BatchReader::nextPauseMs(const Drained &drained, std::int64_t wokeNs) const {
    if (drained.read == 0 || drained.more || !gathersReads())
        return 0;
    // What was read since the wakeup before (by this wakeup, and by the stall deadlines'
    // reads in between) arrived since then: the rate the next pause is sized by, so that
    // it gathers at most m_gatherLimit. After a quiet spell there is no rate.
    const std::int64_t cycleNs = wokeNs - m_lastWakeNs;
    if (m_lastWakeNs == 0 || cycleNs > kQuietNs)
        return kFirstPauseMs;
    const std::int64_t pauseNs = m_gatherLimit * std::max<std::int64_t>(cycleNs, 1) / m_readSinceWake;
    return static_cast<int>(std::min<std::int64_t>(pauseNs / 1'000'000, kCoalesceMs));
}

BatchReader::Drained BatchReader::drainArrivedBefore(std::int64_t untilNs) {
    if (m_fd < 0)
        return Drained{0, untilNs, false};
    if (untilNs <= m_readThroughNs)
        return Drained{0, m_readThroughNs, false};
    return drain(untilNs, false);
}

BatchReader::Drained BatchReader::drain(std::int64_t untilNs, bool yields) {
    Buffers &b = *m_buffers;
    // The Unix socket's sender is known by its credentials; its address says nothing.
    const bool wantPeer = m_transport != Transport::Uds;
    Drained drained;
    for (;;) {
        if (drained.read >= kMaxPerWakeup) {
            drained.more = true;
            break;
        }
        for (unsigned i = 0; i < kBatch; ++i) {
            msghdr &h = b.headers[i].msg_hdr;
            h = msghdr{};
            if (wantPeer) {
                h.msg_name = &b.peers[i];
                h.msg_namelen = sizeof(sockaddr_storage);
            }
            h.msg_iov = &b.iov[i];
            h.msg_iovlen = 1;
            h.msg_control = b.control[i].bytes;
            h.msg_controllen = sizeof(Control);
        }
        const std::int64_t callNs = engineNowNs();
        // MSG_TRUNC makes msg_len the datagram's real length, so an over-long
        // datagram is seen as over-long rather than as a clipped frame.
        const int n = ::recvmmsg(m_fd, b.headers.data(), kBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                m_sink.onIoError(osErrorText(errno));
            drained.readThroughNs = callNs;  // empty (or unreadable) when asked
            break;
        }
        const std::int64_t wallNs = wallNowNs();
        const std::int64_t readNs = engineNowNs();
        for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
            Datagram &d = b.datagrams[i];
            d.data = b.data[i].data();
            d.length = b.headers[i].msg_len;
            d.transport = m_transport;
            d.peer = wantPeer ? &b.peers[i] : nullptr;
            readControl(b.headers[i].msg_hdr, readNs, wallNs - readNs, d);
        }
        m_sink.onDatagrams(std::span<const Datagram>(b.datagrams.data(), static_cast<std::size_t>(n)));
        drained.read += static_cast<unsigned>(n);
        if (static_cast<unsigned>(n) < kBatch) {
            drained.readThroughNs = callNs;  // the call took all there was
            break;
        }
        // A datagram that arrived at the same moment as the last one read may be next.
        const std::int64_t lastArrivalNs = b.datagrams[kBatch - 1].receivedNs;
        drained.readThroughNs = lastArrivalNs;
        if (lastArrivalNs >= untilNs)
            break;  // the rest arrived later still
        if (m_fd < 0)
            break;
        if (yields && readNs >= m_yieldAtNs) {
            drained.more = true;
            break;
        }
    }
    m_readThroughNs = std::max(m_readThroughNs, drained.readThroughNs);
    m_readSinceWake += drained.read;
    m_sink.onBatchEnd();
    return drained;
}

}  // namespace varta
