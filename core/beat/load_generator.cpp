#include "core/beat/load_generator.h"

#include "core/beat/monotonic_sleep.h"
#include "core/engine_clock.h"

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

LoadGenerator::LoadGenerator(const Config &config) : config_(config) {
    config_.agents = std::max<std::uint32_t>(config_.agents, 1);
    config_.batchSize = std::clamp<std::size_t>(config_.batchSize, 1, kMaxBatch);
    const std::uint32_t n = config_.agents;

    if (config_.stallAfterMs >= 0) {
        const double wanted = std::llround(std::clamp(config_.stallFraction, 0.0, 1.0) * n);
        stallCount_ = static_cast<std::uint32_t>(wanted);
    }
    // Agent i stalls when floor(i*M/N) steps up at i: exactly M agents, evenly spread.
    stallCandidate_.assign(n, 0);
    for (std::uint64_t i = 0; i < n; ++i)
        stallCandidate_[i] = (i * stallCount_) / n != ((i + 1) * stallCount_) / n;

    nextNonce_.assign(n, 1);
    beats_.assign(n, 0);
    if (config_.key.size() == static_cast<qsizetype>(vlp::kKeySize)) {
        const vlp::KeyView key(reinterpret_cast<const std::uint8_t *>(config_.key.constData()), vlp::kKeySize);
        sealers_.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i)
            sealers_.push_back(config_.masterKey ? std::make_unique<SecureSealer>(key, pidOf(i))
                                                 : std::make_unique<SecureSealer>(key));
    }
    const std::size_t batch = config_.batchSize;
    buffers_.resize(batch);
    iovecs_.resize(batch);
    messages_.resize(batch);
    entries_.resize(batch);
    for (std::size_t k = 0; k < batch; ++k) {
        iovecs_[k] = iovec{buffers_[k].data(), vlp::kFrameSize};  // writeDatagram sets the length
        messages_[k] = mmsghdr{};
        messages_[k].msg_hdr.msg_iov = &iovecs_[k];
        messages_[k].msg_hdr.msg_iovlen = 1;
    }
}

bool LoadGenerator::connectUdp(const QHostAddress &host, quint16 port) {
    const bool ok = client_.connectUdp(host, port);
    error_ = client_.errorString();
    return ok;
}

void LoadGenerator::run(const std::atomic<bool> &stop) {
    sealFailed_ = std::any_of(sealers_.begin(), sealers_.end(), [](const auto &s) { return !s->isValid(); });
    if (sealFailed_) {
        error_ = QStringLiteral("cannot start a secure session (OpenSSL failed)");
        return;
    }
    startNs_ = monotonicNs();
    stallAtNs_ = startNs_ + config_.stallAfterMs * kNsPerMs;
    resumeAtNs_ = stallAtNs_ + config_.resumeAfterMs * kNsPerMs;
    phase_ = stallCount_ > 0 ? StallPhase::Before : StallPhase::Over;
    std::fill(nextNonce_.begin(), nextNonce_.end(), 1);
    std::fill(beats_.begin(), beats_.end(), 0);
    slot_ = 0;
    slotAgent_ = 0;
    unfinished_ = config_.beatsPerAgent > 0 ? config_.agents : 0;
    framesSent_ = 0;
    sendFailures_ = 0;

    const std::int64_t endNs =
        config_.durationMs > 0 ? startNs_ + config_.durationMs * kNsPerMs : std::numeric_limits<std::int64_t>::max();
    const bool paced = config_.ratePerAgentHz > 0;
    while (!stop.load(std::memory_order_relaxed) && !finished()) {
        const std::int64_t now = monotonicNs();
        if (now >= endNs)
            break;
        updateStallPhase(now);
        const std::uint64_t limit = paced ? dueSlots(now) : std::numeric_limits<std::uint64_t>::max();
        const std::size_t built = buildBatch(limit, now);
        if (built > 0 && !transmit(built))
            break;
        if (sealFailed_) {
            error_ = QStringLiteral("cannot seal a frame (OpenSSL failed)");
            break;
        }
        if (built == 0)
            sleepUntilNs(std::min(nextWakeNs(now), endNs));
    }
    elapsedNs_ = monotonicNs() - startNs_;
}

void LoadGenerator::updateStallPhase(std::int64_t now) {
    if (phase_ == StallPhase::Before && now >= stallAtNs_) {
        phase_ = StallPhase::Stalled;
        unfinishedWhileStalled_ = 0;
        if (config_.beatsPerAgent > 0)
            for (std::uint32_t i = 0; i < config_.agents; ++i)
                unfinishedWhileStalled_ += stallCandidate_[i] && beats_[i] < config_.beatsPerAgent;
    }
    if (phase_ == StallPhase::Stalled && config_.resumeAfterMs >= 0 && now >= resumeAtNs_)
        phase_ = StallPhase::Over;
}

bool LoadGenerator::finished() const noexcept {
    if (config_.beatsPerAgent == 0)
        return false;
    if (unfinished_ == 0)
        return true;
    // Agents stalled for good never finish; the run is over when everyone else is.
    const bool stalledForGood = phase_ == StallPhase::Stalled && config_.resumeAfterMs < 0;
    return stalledForGood && unfinished_ == unfinishedWhileStalled_;
}

bool LoadGenerator::sendable(std::uint32_t agent) const noexcept {
    if (phase_ == StallPhase::Stalled && stallCandidate_[agent])
        return false;
    return config_.beatsPerAgent == 0 || beats_[agent] < config_.beatsPerAgent;
}

std::uint64_t LoadGenerator::dueSlots(std::int64_t now) const noexcept {
    const double totalRate = config_.agents * config_.ratePerAgentHz;
    return static_cast<std::uint64_t>(static_cast<double>(now - startNs_) * totalRate / kNsPerSecond) + 1;
}

std::size_t LoadGenerator::buildBatch(std::uint64_t slotLimit, std::int64_t now) {
    const auto timestamp = static_cast<std::uint64_t>(now - client_.connectedAtNs());
    const std::uint32_t agents = config_.agents;
    std::size_t count = 0;
    std::uint32_t idle = 0;
    while (count < config_.batchSize && slot_ < slotLimit) {
        const std::uint32_t agent = slotAgent_;
        ++slot_;
        if (++slotAgent_ == agents)
            slotAgent_ = 0;
        if (!sendable(agent)) {
            // A whole round with nobody to send: nobody will be until the stall phase
            // changes, so the rest of the due slots pass unused.
            if (++idle == agents) {
                if (slotLimit != std::numeric_limits<std::uint64_t>::max()) {
                    slot_ = slotLimit;
                    slotAgent_ = static_cast<std::uint32_t>(slot_ % agents);
                }
                break;
            }
            continue;
        }
        idle = 0;
        const vlp::Frame frame{vlp::Status::Ok, pidOf(agent), timestamp, nextNonce_[agent], 0};
        if (!writeDatagram(count, agent, frame)) {
            sealFailed_ = true;
            break;
        }
        entries_[count] = Entry{agent, slot_ - 1, nextNonce_[agent]};
        nextNonce_[agent] = BeatClient::nonceAfter(nextNonce_[agent]);
        if (++beats_[agent] == config_.beatsPerAgent)
            --unfinished_;
        ++count;
    }
    return count;
}

bool LoadGenerator::writeDatagram(std::size_t index, std::uint32_t agent, const vlp::Frame &frame) noexcept {
    if (sealers_.empty()) {
        const auto plain = vlp::encode(frame);
        std::copy(plain.begin(), plain.end(), buffers_[index].begin());
        iovecs_[index].iov_len = plain.size();
        return true;
    }
    // A datagram that is built but not sent spends a counter of the agent's session; the
    // retry is sealed afresh with the next one, which the observer's replay guard accepts.
    iovecs_[index].iov_len = sealers_[agent]->seal(frame, buffers_[index]);
    return iovecs_[index].iov_len != 0;
}

bool LoadGenerator::transmit(std::size_t count) {
    for (;;) {
        const int sent = ::sendmmsg(client_.socketDescriptor(), messages_.data(), static_cast<unsigned>(count), 0);
        if (sent >= 0) {
            framesSent_ += static_cast<std::uint64_t>(sent);
            if (static_cast<std::size_t>(sent) < count) {
                ++sendFailures_;
                rollBack(count, static_cast<std::size_t>(sent));
            }
            return true;
        }
        if (errno == EINTR)
            continue;
        rollBack(count, 0);
        if (isTransient(errno)) {
            ++sendFailures_;
            return true;
        }
        error_ = QStringLiteral("sendmmsg: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
}

void LoadGenerator::rollBack(std::size_t built, std::size_t sent) {
    // Undo the unsent tail newest first, so each agent gets back its earliest unsent
    // nonce and the next batch resends exactly those beats: sequences stay gap-free.
    for (std::size_t k = built; k-- > sent;) {
        const Entry &entry = entries_[k];
        if (beats_[entry.agent]-- == config_.beatsPerAgent)
            ++unfinished_;
        nextNonce_[entry.agent] = entry.nonce;
    }
    slot_ = entries_[sent].slot;
    slotAgent_ = static_cast<std::uint32_t>(slot_ % config_.agents);
}

std::int64_t LoadGenerator::nextWakeNs(std::int64_t now) const noexcept {
    std::int64_t wake = now + kMaxSleepNs;
    if (config_.ratePerAgentHz > 0) {
        const double totalRate = config_.agents * config_.ratePerAgentHz;
        const auto slotAt = startNs_ + static_cast<std::int64_t>(static_cast<double>(slot_) * kNsPerSecond / totalRate);
        // Wake when the next slot is due, but let a few accumulate so that high rates
        // go out in full batches instead of one syscall per frame.
        const auto batchNs =
            static_cast<std::int64_t>(static_cast<double>(config_.batchSize) * kNsPerSecond / totalRate);
        wake = std::min(wake, std::max(slotAt, now + std::min(batchNs, kMinSleepNs)));
    }
    if (phase_ == StallPhase::Before)
        wake = std::min(wake, stallAtNs_);
    if (phase_ == StallPhase::Stalled && config_.resumeAfterMs >= 0)
        wake = std::min(wake, resumeAtNs_);
    return wake;
}

}  // namespace varta
