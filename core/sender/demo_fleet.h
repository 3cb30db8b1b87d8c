#pragma once
// The console's --demo: a handful of agents beating over real UDP from inside the
// varta-watch process, so a new user sees every state without writing a client.
// Three healthy agents beat Ok, one beats Degraded, and one goes silent for a while and
// then comes back as if restarted: new pid, new socket, nonce from 1 again.
//
// Everything runs on QTimers of the thread the fleet lives on; call start() and stop()
// on that thread.

#include "core/vlp/frame.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <memory>
#include <vector>

namespace varta {

class BeatClient;

class DemoFleet : public QObject {
    Q_OBJECT
public:
    // The top of Linux's pid range (vlp::kLinuxPidMaxLimit), which hosts rarely reach,
    // so a recovery command the operator tries on a demo agent is unlikely to touch a
    // real process; a restarted agent's new pid wraps within it.
    static constexpr quint32 kFirstPid = 4'190'000;
    static constexpr int kAgentCount = 5;

    struct Timing {
        int beatIntervalMs = 500;
        int silentAfterMs = 3000;  // from start() until the flaky agent goes quiet
        int silentForMs = 4000;    // until it comes back under a new pid
    };

    explicit DemoFleet(QObject *parent = nullptr);
    ~DemoFleet() override;

    // Takes effect at the next start().
    void setTiming(const Timing &timing) { m_timing = timing; }
    bool start(const QHostAddress &address, quint16 port);
    void stop();
    bool isRunning() const { return m_beatTimer.isActive(); }
    QString errorString() const { return m_error; }
    // The pids the fleet beats under right now (the silent agent's included).
    QList<quint32> pids() const;

Q_SIGNALS:
    void agentSilenced(quint32 pid);
    void agentRestarted(quint32 oldPid, quint32 newPid);

private:
    struct Agent {
        std::unique_ptr<BeatClient> client;
        quint32 pid = 0;
        vlp::Status status = vlp::Status::Ok;
        std::uint32_t beats = 0;
        bool silent = false;
    };

    bool connectAgent(Agent &agent, quint32 pid);
    void beatAll();
    void silenceFlakyAgent();
    void restartFlakyAgent();
    static std::uint32_t payloadFor(const Agent &agent, int index);

    Timing m_timing;
    QHostAddress m_address;
    quint16 m_port = 0;
    quint32 m_nextPid = kFirstPid;
    std::vector<Agent> m_agents;
    QTimer m_beatTimer;
    QTimer m_silenceTimer;
    QTimer m_restartTimer;
    QString m_error;
};

}  // namespace varta
