#include "core/sender/load_generator.h"

#include "core/base/engine_clock.h"
#include "core/base/monotonic_sleep.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

namespace varta {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr double kNsPerSecond = 1e9;
// Below this a sleep costs more than it saves; pacing sends what is due instead.
constexpr std::int64_t kMinSleepNs = kNsPerMs;
// Upper bound on one sleep, so a stop request from another thread is seen promptly.
constexpr std::int64_t kMaxSleepNs = 50 * kNsPerMs;
constexpr std::size_t kMaxBatch = 1024;  // UIO_MAXIOV

bool isTransient(int error) {
    return error == ECONNREFUSED || error == ENOBUFS || error == EAGAIN || error == EWOULDBLOCK;
}

}  // namespace

LoadGenerator::LoadGenerator(const Config &config) : m_config(config) {
    m_config.agents = std::max<std::uint32_t>(m_config.agents, 1);
    m_config.batchSize = std::clamp<std::size_t>(m_config.batchSize, 1, kMaxBatch);
    const std::uint32_t n = m_config.agents;

    if (m_config.stallAfterMs >= 0) {
        const double wanted = std::llround(std::clamp(m_config.stallFraction, 0.0, 1.0) * n);
        m_stallCount = static_cast<std::uint32_t>(wanted);
    }
    // Agent i stalls when floor(i*M/N) steps up at i: exactly M agents, evenly spread.
    m_stallCandidate.assign(n, 0);
    for (std::uint64_t i = 0; i < n; ++i)
        m_stallCandidate[i] = (i * m_stallCount) / n != ((i + 1) * m_stallCount) / n;

    m_nextNonce.assign(n, m_config.nonceStart);
    m_beats.assign(n, 0);
    if (m_config.key.size() == static_cast<qsizetype>(vlp::kKeySize)) {
        const vlp::KeyView key(reinterpret_cast<const std::uint8_t *>(m_config.key.constData()), vlp::kKeySize);
        m_sealers.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i)
            m_sealers.push_back(m_config.masterKey ? std::make_unique<SecureSealer>(key, pidOf(i), m_aead)
                                                   : std::make_unique<SecureSealer>(key, m_aead));
    }
    const std::size_t batch = m_config.batchSize;
    m_buffers.resize(batch);
    m_iovecs.resize(batch);
    m_messages.resize(batch);
    m_entries.resize(batch);
    for (std::size_t k = 0; k < batch; ++k) {
        m_iovecs[k] = iovec{m_buffers[k].data(), vlp::kFrameSize};  // writeDatagram sets the length
        m_messages[k] = mmsghdr{};
        m_messages[k].msg_hdr.msg_iov = &m_iovecs[k];
        m_messages[k].msg_hdr.msg_iovlen = 1;
    }
}

bool LoadGenerator::connectUdp(const QHostAddress &host, quint16 port) {
    const bool ok = m_client.connectUdp(host, port);
    m_error = m_client.errorString();
    return ok;
}

void LoadGenerator::run(const std::atomic<bool> &stop) {
    m_sealFailed = std::any_of(m_sealers.begin(), m_sealers.end(), [](const auto &s) { return !s->isValid(); });
    if (m_sealFailed) {
        m_error = QStringLiteral("cannot start a secure session (OpenSSL failed)");
        return;
    }
    m_startNs = monotonicNs();
    m_stallAtNs = m_startNs + m_config.stallAfterMs * kNsPerMs;
    m_resumeAtNs = m_stallAtNs + m_config.resumeAfterMs * kNsPerMs;
    m_phase = m_stallCount > 0 ? StallPhase::Before : StallPhase::Over;
    std::fill(m_nextNonce.begin(), m_nextNonce.end(), m_config.nonceStart);
    std::fill(m_beats.begin(), m_beats.end(), 0);
    m_slot = 0;
    m_slotAgent = 0;
    m_unfinished = m_config.beatsPerAgent > 0 ? m_config.agents : 0;
    m_framesSent = 0;
    m_sendFailures = 0;

    const std::int64_t endNs =
        m_config.durationMs > 0 ? m_startNs + m_config.durationMs * kNsPerMs : std::numeric_limits<std::int64_t>::max();
    const bool paced = m_config.ratePerAgentHz > 0;
    while (!stop.load(std::memory_order_relaxed) && !finished()) {
        const std::int64_t now = monotonicNs();
        if (now >= endNs)
            break;
        updateStallPhase(now);
        const std::uint64_t limit = paced ? dueSlots(now) : std::numeric_limits<std::uint64_t>::max();
        const std::size_t built = buildBatch(limit, now);
        if (built > 0 && !transmit(built))
            break;
        if (m_sealFailed) {
            m_error = QStringLiteral("cannot seal a frame (OpenSSL failed)");
            break;
        }
        if (built == 0)
            sleepUntilNs(std::min(nextWakeNs(now), endNs));
    }
    m_elapsedNs = monotonicNs() - m_startNs;
}

void LoadGenerator::updateStallPhase(std::int64_t now) {
    if (m_phase == StallPhase::Before && now >= m_stallAtNs) {
        m_phase = StallPhase::Stalled;
        m_unfinishedWhileStalled = 0;
        if (m_config.beatsPerAgent > 0)
            for (std::uint32_t i = 0; i < m_config.agents; ++i)
                m_unfinishedWhileStalled += m_stallCandidate[i] && m_beats[i] < m_config.beatsPerAgent;
    }
    if (m_phase == StallPhase::Stalled && m_config.resumeAfterMs >= 0 && now >= m_resumeAtNs)
        m_phase = StallPhase::Over;
}

bool LoadGenerator::finished() const noexcept {
    if (m_config.beatsPerAgent == 0)
        return false;
    if (m_unfinished == 0)
        return true;
    // Agents stalled for good never finish; the run is over when everyone else is.
    const bool stalledForGood = m_phase == StallPhase::Stalled && m_config.resumeAfterMs < 0;
    return stalledForGood && m_unfinished == m_unfinishedWhileStalled;
}

bool LoadGenerator::sendable(std::uint32_t agent) const noexcept {
    if (m_phase == StallPhase::Stalled && m_stallCandidate[agent])
        return false;
    return m_config.beatsPerAgent == 0 || m_beats[agent] < m_config.beatsPerAgent;
}

std::uint64_t LoadGenerator::dueSlots(std::int64_t now) const noexcept {
    const double totalRate = m_config.agents * m_config.ratePerAgentHz;
    return static_cast<std::uint64_t>(static_cast<double>(now - m_startNs) * totalRate / kNsPerSecond) + 1;
}

std::size_t LoadGenerator::buildBatch(std::uint64_t slotLimit, std::int64_t now) {
    const auto timestamp = static_cast<std::uint64_t>(now - m_client.connectedAtNs());
    const std::uint32_t agents = m_config.agents;
    std::size_t count = 0;
    std::uint32_t idle = 0;
    while (count < m_config.batchSize && m_slot < slotLimit) {
        const std::uint32_t agent = m_slotAgent;
        ++m_slot;
        if (++m_slotAgent == agents)
            m_slotAgent = 0;
        if (!sendable(agent)) {
            // A whole round with nobody to send: nobody will be until the stall phase
            // changes, so the rest of the due slots pass unused.
            if (++idle == agents) {
                if (slotLimit != std::numeric_limits<std::uint64_t>::max()) {
                    m_slot = slotLimit;
                    m_slotAgent = static_cast<std::uint32_t>(m_slot % agents);
                }
                break;
            }
            continue;
        }
        idle = 0;
        const vlp::Frame frame{vlp::Status::Ok, pidOf(agent), timestamp, m_nextNonce[agent], 0};
        if (!writeDatagram(count, agent, frame)) {
            m_sealFailed = true;
            break;
        }
        m_entries[count] = Entry{agent, m_slot - 1, m_nextNonce[agent]};
        m_nextNonce[agent] = BeatClient::nonceAfter(m_nextNonce[agent]);
        if (++m_beats[agent] == m_config.beatsPerAgent)
            --m_unfinished;
        ++count;
    }
    return count;
}

bool LoadGenerator::writeDatagram(std::size_t index, std::uint32_t agent, const vlp::Frame &frame) noexcept {
    if (m_sealers.empty()) {
        const auto plain = vlp::encode(frame);
        std::copy(plain.begin(), plain.end(), m_buffers[index].begin());
        m_iovecs[index].iov_len = plain.size();
        return true;
    }
    // A datagram that is built but not sent spends a counter of the agent's session; the
    // retry is sealed afresh with the next one, which the observer's replay guard accepts.
    m_iovecs[index].iov_len = m_sealers[agent]->seal(frame, m_buffers[index]);
    return m_iovecs[index].iov_len != 0;
}

bool LoadGenerator::transmit(std::size_t count) {
    for (;;) {
        const int sent = ::sendmmsg(m_client.socketDescriptor(), m_messages.data(), static_cast<unsigned>(count), 0);
        if (sent >= 0) {
            m_framesSent += static_cast<std::uint64_t>(sent);
            if (static_cast<std::size_t>(sent) < count) {
                ++m_sendFailures;
                rollBack(count, static_cast<std::size_t>(sent));
            }
            return true;
        }
        if (errno == EINTR)
            continue;
        rollBack(count, 0);
        if (isTransient(errno)) {
            ++m_sendFailures;
            return true;
        }
        m_error = QStringLiteral("sendmmsg: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
}

void LoadGenerator::rollBack(std::size_t built, std::size_t sent) {
    // Undo the unsent tail newest first, so each agent gets back its earliest unsent
    // nonce and the next batch resends exactly those beats: sequences stay gap-free.
    for (std::size_t k = built; k-- > sent;) {
        const Entry &entry = m_entries[k];
        if (m_beats[entry.agent]-- == m_config.beatsPerAgent)
            ++m_unfinished;
        m_nextNonce[entry.agent] = entry.nonce;
    }
    m_slot = m_entries[sent].slot;
    m_slotAgent = static_cast<std::uint32_t>(m_slot % m_config.agents);
}

std::int64_t LoadGenerator::nextWakeNs(std::int64_t now) const noexcept {
    std::int64_t wake = now + kMaxSleepNs;
    if (m_config.ratePerAgentHz > 0) {
        const double totalRate = m_config.agents * m_config.ratePerAgentHz;
        const auto slotAt =
            m_startNs + static_cast<std::int64_t>(static_cast<double>(m_slot) * kNsPerSecond / totalRate);
        // Wake when the next slot is due, but let a few accumulate so that high rates
        // go out in full batches instead of one syscall per frame.
        const auto batchNs =
            static_cast<std::int64_t>(static_cast<double>(m_config.batchSize) * kNsPerSecond / totalRate);
        wake = std::min(wake, std::max(slotAt, now + std::min(batchNs, kMinSleepNs)));
    }
    if (m_phase == StallPhase::Before)
        wake = std::min(wake, m_stallAtNs);
    if (m_phase == StallPhase::Stalled && m_config.resumeAfterMs >= 0)
        wake = std::min(wake, m_resumeAtNs);
    return wake;
}

}  // namespace varta
