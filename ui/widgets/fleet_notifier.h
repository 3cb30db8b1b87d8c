#pragma once
// What reaches the operator while the console is not in front: the window title with the
// counts of agents in trouble, a tray icon (where the desktop has a tray) whose icon and
// tooltip carry the worst state and the counts, and desktop notifications when agents
// stall, exit or give up, grouped and rate-limited by AlertDigest. Each can be switched
// off from View; the choice is kept in the settings.

#include "core/published/engine_batch.h"
#include "ui/models/alert_digest.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <functional>

class QAction;
class QSystemTrayIcon;
class QWidget;

namespace varta::ui {

class FleetNotifier : public QObject {
    Q_OBJECT
public:
    using Labeller = std::function<QString(const AgentKey &)>;
    using Clock = std::function<std::int64_t()>;  // monotonic milliseconds

    // `window` gets the title and is raised from the tray; `label` names an agent.
    FleetNotifier(QWidget *window, Labeller label, QObject *parent = nullptr);
    ~FleetNotifier() override;

    QAction *titleCountsAction() const { return m_titleCounts; }
    QAction *trayAction() const { return m_tray; }
    QAction *notificationsAction() const { return m_notifications; }

    // A post-mortem window: no tray icon, no notifications, and a title of its own.
    void setSilent();

    void applyStats(const EngineStats &stats);
    // Transitions into stalled, exited or gave up join the next notification.
    void applyTransitions(const QList<StateTransition> &transitions);
    // Sends the gathered notification when one is due (called once a second).
    void tick();

    QString windowTitle() const;
    QString trayToolTip() const;
    // The most urgent state any agent is in; Up when there are none.
    AgentState worstState() const;
    bool trayShown() const;

    // The notification's two lines for a digest, in the operator's language.
    QString notificationTitle(const AlertDigest::Digest &digest) const;
    QString notificationBody(const AlertDigest::Digest &digest) const;

    void setClock(Clock clock) { m_clock = std::move(clock); }

Q_SIGNALS:
    // Every notification sent, shown by the tray when there is one.
    void notified(const QString &title, const QString &body);

private:
    static QString agentCount(std::uint32_t n);
    void refresh();
    void setTrayWanted(bool wanted);

    QWidget *m_window;
    Labeller m_label;
    Clock m_clock;
    QElapsedTimer m_monotonic;
    QAction *m_titleCounts = nullptr;
    QAction *m_tray = nullptr;
    QAction *m_notifications = nullptr;
    QSystemTrayIcon *m_trayIcon = nullptr;
    EngineStats m_stats;
    AlertDigest m_digest;
    bool m_silent = false;
};

}  // namespace varta::ui
