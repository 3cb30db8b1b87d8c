#include "ui/widgets/status_bar_panel.h"

#include "ui/style/state_style.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QTextDocumentFragment>
#include <QToolButton>

namespace varta::ui {

namespace {
constexpr int kIconSize = 14;
}  // namespace

StatusBarPanel::StatusBarPanel(QWidget *parent) : QWidget(parent) {
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(4);
    m_listeners = new QLabel(tr("No listeners"), this);
    m_listeners->setObjectName(QStringLiteral("listenersLabel"));
    layout->addWidget(m_listeners);
    layout->addSpacing(12);
    m_total = new QLabel(this);
    m_total->setObjectName(QStringLiteral("agentsTotalLabel"));
    layout->addWidget(m_total);
    for (int i = 0; i < kAgentStateCount; ++i) {
        const auto state = static_cast<AgentState>(i);
        auto *count = new QToolButton(this);
        count->setObjectName(QStringLiteral("stateCount_%1").arg(QLatin1String(agentStateName(state))));
        count->setAutoRaise(true);
        count->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        count->setIcon(StateStyle::icon(state));
        count->setIconSize(QSize(kIconSize, kIconSize));
        count->setCursor(Qt::PointingHandCursor);
        count->setToolTip(tr("%1\nClick to show only the %2 agents in the table")
                              .arg(StateStyle::description(state), StateStyle::name(state)));
        connect(count, &QToolButton::clicked, this, [this, state] { Q_EMIT stateClicked(state); });
        layout->addSpacing(2);
        layout->addWidget(count);
        m_stateCounts[std::size_t(i)] = count;
    }
    layout->addStretch(1);
    m_rates = new QLabel(this);
    m_rates->setObjectName(QStringLiteral("ratesLabel"));
    layout->addWidget(m_rates);
    applyStats(EngineStats{});
}

void StatusBarPanel::applyStats(const EngineStats &stats) {
    const QLocale locale;
    const QString listeners = stats.listeners.isEmpty()
                                  ? tr("No listeners")
                                  : tr("Listening: %1").arg(stats.listeners.join(QStringLiteral(", ")));
    if (m_showsObservers)
        m_listeners->setToolTip(listeners);
    else
        m_listeners->setText(listeners);
    m_total->setText(tr("Agents: %1").arg(locale.toString(stats.agentsTracked)));
    for (int i = 0; i < kAgentStateCount; ++i) {
        const std::uint32_t n = stats.agentsByState[i];
        const auto state = static_cast<AgentState>(i);
        // Up is always shown so the bar never looks empty; other states only when present.
        const bool show = n > 0 || state == AgentState::Up;
        m_stateCounts[std::size_t(i)]->setVisible(show);
        m_stateCounts[std::size_t(i)]->setText(
            QStringLiteral("%1 %2").arg(locale.toString(n), StateStyle::name(state)));
    }
    m_beats.addSample(stats.nowMs, stats.beatsAccepted);
    m_decodeErrors.addSample(stats.nowMs, stats.decodeErrors);
    m_rates->setText(tr("Beats/s: %1   Decode errors/s: %2")
                         .arg(locale.toString(qRound64(m_beats.perSecond())),
                              locale.toString(qRound64(m_decodeErrors.perSecond()))));
}

void StatusBarPanel::setObserverStatus(const QString &text, bool trouble) {
    m_showsObservers = true;
    m_observersInTrouble = trouble;
    m_listeners->setText(text);
}

QString StatusBarPanel::listenersText() const {
    // Rich text when it shows observers: what a reader (and a test) wants is its words.
    return m_showsObservers ? QTextDocumentFragment::fromHtml(m_listeners->text()).toPlainText() : m_listeners->text();
}

QString StatusBarPanel::agentsText() const {
    QStringList parts{m_total->text()};
    for (QToolButton *count : m_stateCounts)
        if (!count->isHidden())
            parts << count->text();
    return parts.join(QLatin1Char(' '));
}

QString StatusBarPanel::ratesText() const { return m_rates->text(); }

}  // namespace varta::ui
