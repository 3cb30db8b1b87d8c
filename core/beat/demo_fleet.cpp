#include "core/beat/demo_fleet.h"

#include "core/beat/beat_client.h"

namespace varta {
namespace {

constexpr int kDegradedIndex = 3;
constexpr int kFlakyIndex = 4;

}  // namespace

DemoFleet::DemoFleet(QObject *parent) : QObject(parent), beatTimer_(this), silenceTimer_(this), restartTimer_(this) {
    // Parented timers follow the fleet to whatever thread it is moved to.
    silenceTimer_.setSingleShot(true);
    restartTimer_.setSingleShot(true);
    connect(&beatTimer_, &QTimer::timeout, this, &DemoFleet::beatAll);
    connect(&silenceTimer_, &QTimer::timeout, this, &DemoFleet::silenceFlakyAgent);
    connect(&restartTimer_, &QTimer::timeout, this, &DemoFleet::restartFlakyAgent);
}

DemoFleet::~DemoFleet() = default;

bool DemoFleet::start(const QHostAddress &address, quint16 port) {
    stop();
    address_ = address;
    port_ = port;
    agents_.resize(kAgentCount);
    for (int i = 0; i < kAgentCount; ++i) {
        agents_[i].status = i == kDegradedIndex ? vlp::Status::Degraded : vlp::Status::Ok;
        if (!connectAgent(agents_[i], nextPid_++)) {
            agents_.clear();
            return false;
        }
    }
    beatAll();
    beatTimer_.start(timing_.beatIntervalMs);
    silenceTimer_.start(timing_.silentAfterMs);
    return true;
}

void DemoFleet::stop() {
    beatTimer_.stop();
    silenceTimer_.stop();
    restartTimer_.stop();
    agents_.clear();
}

QList<quint32> DemoFleet::pids() const {
    QList<quint32> pids;
    for (const Agent &agent : agents_)
        pids.append(agent.pid);
    return pids;
}

bool DemoFleet::connectAgent(Agent &agent, quint32 pid) {
    // One socket per agent, like separate processes: each has its own source port.
    auto client = std::make_unique<BeatClient>();
    if (!client->connectUdp(address_, port_)) {
        error_ = client->errorString();
        return false;
    }
    client->setPidOverride(pid);
    agent.client = std::move(client);
    agent.pid = pid;
    agent.beats = 0;
    agent.silent = false;
    return true;
}

std::uint32_t DemoFleet::payloadFor(const Agent &agent, int index) {
    // Something that moves, like a queue depth; the degraded agent's queue is backed up.
    const std::uint32_t wobble = (agent.beats * 7 + static_cast<std::uint32_t>(index) * 3) % 40;
    return agent.status == vlp::Status::Degraded ? 900 + wobble : wobble;
}

void DemoFleet::beatAll() {
    for (int i = 0; i < static_cast<int>(agents_.size()); ++i) {
        Agent &agent = agents_[i];
        if (agent.silent)
            continue;
        // A failed send (observer not up yet) is what a real agent would shrug off too.
        agent.client->send(agent.status, payloadFor(agent, i));
        ++agent.beats;
    }
}

void DemoFleet::silenceFlakyAgent() {
    if (agents_.size() <= kFlakyIndex)
        return;
    agents_[kFlakyIndex].silent = true;
    emit agentSilenced(agents_[kFlakyIndex].pid);
    restartTimer_.start(timing_.silentForMs);
}

void DemoFleet::restartFlakyAgent() {
    if (agents_.size() <= kFlakyIndex)
        return;
    Agent &agent = agents_[kFlakyIndex];
    const quint32 oldPid = agent.pid;
    if (!connectAgent(agent, nextPid_++))
        return;
    agent.client->send(agent.status, payloadFor(agent, kFlakyIndex));
    ++agent.beats;
    emit agentRestarted(oldPid, agent.pid);
}

}  // namespace varta
