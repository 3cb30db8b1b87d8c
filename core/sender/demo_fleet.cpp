#include "core/sender/demo_fleet.h"

#include "core/sender/beat_client.h"
#include "core/vlp/frame.h"

namespace varta {
namespace {

constexpr int kDegradedIndex = 3;
constexpr int kFlakyIndex = 4;

}  // namespace

DemoFleet::DemoFleet(QObject *parent) : QObject(parent), m_beatTimer(this), m_silenceTimer(this), m_restartTimer(this) {
    // Parented timers follow the fleet to whatever thread it is moved to.
    m_silenceTimer.setSingleShot(true);
    m_restartTimer.setSingleShot(true);
    connect(&m_beatTimer, &QTimer::timeout, this, &DemoFleet::beatAll);
    connect(&m_silenceTimer, &QTimer::timeout, this, &DemoFleet::silenceFlakyAgent);
    connect(&m_restartTimer, &QTimer::timeout, this, &DemoFleet::restartFlakyAgent);
}

DemoFleet::~DemoFleet() = default;

bool DemoFleet::start(const QHostAddress &address, quint16 port) {
    stop();
    m_address = address;
    m_port = port;
    m_agents.resize(kAgentCount);
    for (int i = 0; i < kAgentCount; ++i) {
        m_agents[i].status = i == kDegradedIndex ? vlp::Status::Degraded : vlp::Status::Ok;
        if (!connectAgent(m_agents[i], m_nextPid++)) {
            m_agents.clear();
            return false;
        }
    }
    beatAll();
    m_beatTimer.start(m_timing.beatIntervalMs);
    m_silenceTimer.start(m_timing.silentAfterMs);
    return true;
}

void DemoFleet::stop() {
    m_beatTimer.stop();
    m_silenceTimer.stop();
    m_restartTimer.stop();
    m_agents.clear();
}

QList<quint32> DemoFleet::pids() const {
    QList<quint32> pids;
    for (const Agent &agent : m_agents)
        pids.append(agent.pid);
    return pids;
}

bool DemoFleet::connectAgent(Agent &agent, quint32 pid) {
    // One socket per agent, like separate processes: each has its own source port.
    auto client = std::make_unique<BeatClient>();
    if (!client->connectUdp(m_address, m_port)) {
        m_error = client->errorString();
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
    for (int i = 0; i < static_cast<int>(m_agents.size()); ++i) {
        Agent &agent = m_agents[i];
        if (agent.silent)
            continue;
        // A failed send (observer not up yet) is what a real agent would shrug off too.
        agent.client->send(agent.status, payloadFor(agent, i));
        ++agent.beats;
    }
}

void DemoFleet::silenceFlakyAgent() {
    if (m_agents.size() <= kFlakyIndex)
        return;
    m_agents[kFlakyIndex].silent = true;
    Q_EMIT agentSilenced(m_agents[kFlakyIndex].pid);
    m_restartTimer.start(m_timing.silentForMs);
}

void DemoFleet::restartFlakyAgent() {
    if (m_agents.size() <= kFlakyIndex)
        return;
    Agent &agent = m_agents[kFlakyIndex];
    const quint32 oldPid = agent.pid;
    if (m_nextPid > vlp::kLinuxPidMaxLimit)
        m_nextPid = kFirstPid + kAgentCount;
    if (!connectAgent(agent, m_nextPid++))
        return;
    agent.client->send(agent.status, payloadFor(agent, kFlakyIndex));
    ++agent.beats;
    Q_EMIT agentRestarted(oldPid, agent.pid);
}

}  // namespace varta
