#include "ui/widgets/fleet_notifier.h"

#include "ui/style/state_style.h"

#include <QAction>
#include <QSettings>
#include <QSystemTrayIcon>
#include <QWidget>

namespace varta::ui {

namespace {

constexpr const char *kTitleCountsKey = "notify/titleCounts";
constexpr const char *kTrayKey = "notify/tray";
constexpr const char *kNotificationsKey = "notify/desktop";

// The states worth a count in the title and the tooltip, most urgent first.
constexpr AgentState kTroubleStates[] = {AgentState::Stalled, AgentState::GaveUp, AgentState::Exited,
                                         AgentState::Critical, AgentState::Recovering};

QAction *settingAction(const QString &text, const char *key, QObject *parent) {
    auto *action = new QAction(text, parent);
    action->setCheckable(true);
    action->setChecked(QSettings().value(QLatin1String(key), true).toBool());
    QObject::connect(action, &QAction::toggled, parent,
                     [key](bool on) { QSettings().setValue(QLatin1String(key), on); });
    return action;
}

}  // namespace

FleetNotifier::FleetNotifier(QWidget *window, Labeller label, QObject *parent)
    : QObject(parent), m_window(window), m_label(std::move(label)) {
    m_monotonic.start();
    m_clock = [this] { return m_monotonic.elapsed(); };
    m_titleCounts = settingAction(tr("Counts in the window &title"), kTitleCountsKey, this);
    m_titleCounts->setToolTip(tr("Show how many agents are stalled, gave up or exited in the window title"));
    m_tray = settingAction(tr("T&ray icon"), kTrayKey, this);
    m_tray->setToolTip(tr("An icon in the desktop's tray with the worst state and the counts"));
    m_notifications = settingAction(tr("Desktop &notifications"), kNotificationsKey, this);
    m_notifications->setToolTip(tr("A notification when agents stall, exit or give up, grouped at most one "
                                   "every 10 seconds"));
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray->setEnabled(false);
        m_tray->setToolTip(tr("This desktop has no tray"));
    }
    connect(m_titleCounts, &QAction::toggled, this, &FleetNotifier::refresh);
    connect(m_tray, &QAction::toggled, this, &FleetNotifier::setTrayWanted);
    setTrayWanted(m_tray->isChecked());
    refresh();
}

FleetNotifier::~FleetNotifier() = default;

void FleetNotifier::setSilent() {
    m_silent = true;
    setTrayWanted(false);
    m_digest = AlertDigest{};
    for (QAction *action : {m_titleCounts, m_tray, m_notifications})
        action->setEnabled(false);
}

void FleetNotifier::applyStats(const EngineStats &stats) {
    m_stats = stats;
    refresh();
}

void FleetNotifier::applyTransitions(const QList<StateTransition> &transitions) {
    if (m_silent)
        return;
    for (const StateTransition &t : transitions) {
        if (t.from == t.to)
            continue;
        switch (t.to) {
        case AgentState::Stalled:
            // Back from its recovery child, an agent is stalled still, not stalled again.
            if (t.from != AgentState::Recovering)
                m_digest.add(AlertKind::Stalled, t.key);
            break;
        case AgentState::Exited: m_digest.add(AlertKind::Exited, t.key); break;
        case AgentState::GaveUp: m_digest.add(AlertKind::GaveUp, t.key); break;
        default: break;
        }
    }
    tick();
}

void FleetNotifier::tick() {
    if (m_silent || m_digest.empty())
        return;
    if (!m_notifications->isChecked()) {
        m_digest = AlertDigest{};  // switched off: nothing piles up for later
        return;
    }
    const std::optional<AlertDigest::Digest> digest = m_digest.take(m_clock());
    if (!digest)
        return;
    const QString title = notificationTitle(*digest);
    const QString body = notificationBody(*digest);
    if (m_trayIcon && m_trayIcon->isVisible())
        m_trayIcon->showMessage(title, body, StateStyle::icon(worstState()));
    Q_EMIT notified(title, body);
}

QString FleetNotifier::notificationTitle(const AlertDigest::Digest &digest) const {
    QStringList parts;
    const int stalled = digest[static_cast<std::size_t>(AlertKind::Stalled)].count;
    const int exited = digest[static_cast<std::size_t>(AlertKind::Exited)].count;
    const int gaveUp = digest[static_cast<std::size_t>(AlertKind::GaveUp)].count;
    if (stalled > 0)
        parts << (stalled == 1 ? tr("1 agent stalled") : tr("%1 agents stalled").arg(stalled));
    if (exited > 0)
        parts << (exited == 1 ? tr("1 agent exited") : tr("%1 agents exited").arg(exited));
    if (gaveUp > 0)
        parts << (gaveUp == 1 ? tr("1 agent gave up") : tr("%1 agents gave up").arg(gaveUp));
    return parts.join(QStringLiteral(", "));
}

QString FleetNotifier::notificationBody(const AlertDigest::Digest &digest) const {
    QStringList lines;
    for (int kind = 0; kind < kAlertKindCount; ++kind) {
        const AlertDigest::Group &group = digest[static_cast<std::size_t>(kind)];
        if (group.count == 0)
            continue;
        QStringList names;
        for (const AgentKey &key : group.first)
            names << m_label(key);
        if (group.count > group.first.size())
            names << tr("and %n more", nullptr, group.count - static_cast<int>(group.first.size()));
        const AgentState state = kind == int(AlertKind::Stalled)  ? AgentState::Stalled
                                 : kind == int(AlertKind::Exited) ? AgentState::Exited
                                                                  : AgentState::GaveUp;
        lines << tr("%1: %2").arg(StateStyle::name(state), names.join(QStringLiteral(", ")));
    }
    return lines.join(QLatin1Char('\n'));
}

AgentState FleetNotifier::worstState() const {
    AgentState worst = AgentState::Up;
    for (int i = 0; i < kAgentStateCount; ++i) {
        const auto state = static_cast<AgentState>(i);
        if (m_stats.agentsByState[i] > 0 && StateStyle::urgency(state) > StateStyle::urgency(worst))
            worst = state;
    }
    return worst;
}

QString FleetNotifier::windowTitle() const {
    const QString app = tr("varta-watch");
    if (!m_titleCounts->isChecked())
        return app;
    QStringList parts;
    for (const AgentState state : kTroubleStates)
        if (const std::uint32_t n = m_stats.agentsByState[static_cast<int>(state)]; n > 0)
            parts << tr("%1 %2").arg(n).arg(StateStyle::name(state));
    parts << agentCount(m_stats.agentsTracked);
    return tr("%1 — %2").arg(parts.join(QStringLiteral(" · ")), app);
}

QString FleetNotifier::trayToolTip() const {
    QStringList parts;
    for (const AgentState state : kTroubleStates)
        if (const std::uint32_t n = m_stats.agentsByState[static_cast<int>(state)]; n > 0)
            parts << tr("%1 %2").arg(n).arg(StateStyle::name(state));
    const QString agents = agentCount(m_stats.agentsTracked);
    return parts.isEmpty() ? tr("varta-watch: %1, none in trouble").arg(agents)
                           : tr("varta-watch: %1; %2").arg(agents, parts.join(QStringLiteral(", ")));
}

QString FleetNotifier::agentCount(std::uint32_t n) { return n == 1 ? tr("1 agent") : tr("%1 agents").arg(n); }

bool FleetNotifier::trayShown() const { return m_trayIcon && m_trayIcon->isVisible(); }

void FleetNotifier::setTrayWanted(bool wanted) {
    if (!wanted || m_silent || !QSystemTrayIcon::isSystemTrayAvailable()) {
        delete m_trayIcon;
        m_trayIcon = nullptr;
        return;
    }
    if (!m_trayIcon) {
        m_trayIcon = new QSystemTrayIcon(this);
        connect(m_trayIcon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason != QSystemTrayIcon::Trigger && reason != QSystemTrayIcon::DoubleClick)
                return;
            m_window->showNormal();
            m_window->raise();
            m_window->activateWindow();
        });
    }
    refresh();
    m_trayIcon->show();
}

void FleetNotifier::refresh() {
    if (m_silent)
        return;
    m_window->setWindowTitle(windowTitle());
    if (!m_trayIcon)
        return;
    m_trayIcon->setIcon(StateStyle::icon(worstState()));
    m_trayIcon->setToolTip(trayToolTip());
}

}  // namespace varta::ui
