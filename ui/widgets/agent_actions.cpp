#include "ui/widgets/agent_actions.h"

#include "core/published/recovery_command.h"
#include "ui/models/agent_table_model.h"
#include "ui/style/resources_init.h"

#include <QAction>
#include <QCheckBox>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>

namespace varta::ui {

namespace {
// The confirmation names this many agents and counts the rest.
constexpr int kNamedAgentsInDialog = 5;
}  // namespace

AgentActions::AgentActions(QWidget *dialogParent) : QObject(dialogParent), m_dialogParent(dialogParent) {
    initUiResources();
    m_recover = makeAction(QStringLiteral("action-recover"), tr("&Recover now"), QKeySequence(Qt::CTRL | Qt::Key_R));
    m_kill = makeAction(QStringLiteral("action-kill"), tr("&Kill child"), QKeySequence(Qt::CTRL | Qt::Key_K));
    m_pause = makeAction(QStringLiteral("action-pause"), tr("&Pause"), QKeySequence(Qt::CTRL | Qt::Key_P));
    m_resume =
        makeAction(QStringLiteral("action-resume"), tr("Res&ume"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_rearm = makeAction(QStringLiteral("action-rearm"), tr("R&e-arm"), QKeySequence(Qt::CTRL | Qt::Key_E));

    m_askFirst = new QAction(tr("&Ask before Recover now"), this);
    m_askFirst->setObjectName(QStringLiteral("askBeforeRecover"));
    m_askFirst->setCheckable(true);
    m_askFirst->setChecked(QSettings().value(QLatin1String(kConfirmRecoverKey), true).toBool());
    connect(m_askFirst, &QAction::toggled, this,
            [](bool ask) { QSettings().setValue(QLatin1String(kConfirmRecoverKey), ask); });

    connect(m_recover, &QAction::triggered, this, &AgentActions::onRecoverNow);
    connect(m_kill, &QAction::triggered, this, [this] {
        if (m_child && m_child->state == ChildState::Running)
            Q_EMIT killChildRequested(m_child->id);
    });
    connect(m_pause, &QAction::triggered, this, [this] {
        if (const QList<AgentKey> keys = withState(false); !keys.isEmpty())
            Q_EMIT pauseRequested(keys);
    });
    connect(m_resume, &QAction::triggered, this, [this] {
        if (const QList<AgentKey> keys = withState(true); !keys.isEmpty())
            Q_EMIT resumeRequested(keys);
    });
    connect(m_rearm, &QAction::triggered, this, [this] {
        if (const QList<AgentKey> keys = gaveUp(); !keys.isEmpty())
            Q_EMIT rearmRequested(keys);
    });
    refresh();
}

QAction *AgentActions::makeAction(const QString &icon, const QString &text, const QKeySequence &shortcut) {
    auto *action = new QAction(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)), text, this);
    action->setObjectName(icon);
    action->setShortcut(shortcut);
    // Tooltips are set in refresh(): they explain why an action is disabled.
    return action;
}

void AgentActions::setRecoveryConfigured(bool configured) {
    if (configured == m_recoveryConfigured)
        return;
    m_recoveryConfigured = configured;
    refreshRecover();
}

void AgentActions::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    refresh();
}

QString AgentActions::readOnlyTip() { return tr("A post-mortem of files: nothing here acts on an observer."); }

void AgentActions::setSelectedAgents(const QList<SelectedAgent> &agents) {
    m_agents = agents;
    refresh();
}

void AgentActions::setSelectedChild(const std::optional<ChildInfo> &child) {
    m_child = child;
    const bool running = m_child && m_child->state == ChildState::Running;
    m_kill->setEnabled(running && !m_readOnly);
    m_kill->setToolTip(m_readOnly ? readOnlyTip()
                       : running  ? tr("Kill recovery child %1 and its process group").arg(m_child->pid)
                                  : tr("Select a running recovery child in the children table to kill it."));
}

QList<AgentKey> AgentActions::recoverable() const {
    QList<AgentKey> keys;
    // An exited agent is recovered like a stalled one; a replaced one's unit already runs
    // under its new pid, which is the agent to recover.
    for (const SelectedAgent &a : m_agents)
        if (a.state != AgentState::Recovering && a.state != AgentState::Paused && a.state != AgentState::Replaced)
            keys.append(a.key);
    return keys;
}

QList<AgentKey> AgentActions::withState(bool paused) const {
    QList<AgentKey> keys;
    for (const SelectedAgent &a : m_agents)
        if ((a.state == AgentState::Paused) == paused)
            keys.append(a.key);
    return keys;
}

QList<AgentKey> AgentActions::gaveUp() const {
    QList<AgentKey> keys;
    for (const SelectedAgent &a : m_agents)
        if (a.state == AgentState::GaveUp)
            keys.append(a.key);
    return keys;
}

void AgentActions::refresh() {
    refreshRecover();
    refreshAgentAction(m_pause, withState(false),
                       tr("Put the selected agents in maintenance: tracked, never recovered"),
                       tr("The selected agents are already paused."));
    refreshAgentAction(m_resume, withState(true), tr("End maintenance for the selected paused agents"),
                       tr("None of the selected agents is paused."));
    refreshAgentAction(m_rearm, gaveUp(), tr("Allow recovery again for the selected agents that gave up"),
                       tr("Only agents that gave up need re-arming; none is selected."));
    setSelectedChild(m_child);
}

void AgentActions::refreshAgentAction(QAction *action, const QList<AgentKey> &eligible, const QString &enabledTip,
                                      const QString &noneEligibleTip) {
    action->setEnabled(!eligible.isEmpty() && !m_readOnly);
    if (m_readOnly)
        action->setToolTip(readOnlyTip());
    else if (m_agents.isEmpty())
        action->setToolTip(tr("Select one or more agents in the table first."));
    else
        action->setToolTip(eligible.isEmpty() ? noneEligibleTip : enabledTip);
}

void AgentActions::refreshRecover() {
    const bool any = !recoverable().isEmpty();
    m_recover->setEnabled(m_recoveryConfigured && any && !m_readOnly);
    if (m_readOnly)
        m_recover->setToolTip(readOnlyTip());
    else if (!m_recoveryConfigured)
        m_recover->setToolTip(tr("Recovery is not configured: start varta-watch with --recovery-exec "
                                 "or --recovery-exec-file."));
    else if (m_agents.isEmpty())
        m_recover->setToolTip(tr("Select one or more agents in the table first."));
    else if (!any)
        m_recover->setToolTip(tr("The selected agents are already recovering, paused or replaced."));
    else
        m_recover->setToolTip(tr("Run the recovery command now for the selected agents"));
}

void AgentActions::onRecoverNow() {
    const QList<AgentKey> keys = recoverable();
    if (!m_recoveryConfigured || keys.isEmpty())
        return;
    if (confirmRecover(keys))
        Q_EMIT recoverNowRequested(keys);
}

QString AgentActions::commandLine(const SelectedAgent &agent) const {
    QString missing;
    const std::optional<QStringList> argv =
        recoveryArgv(m_template, agent.key, agentFactsOf(agent.identity.get()), &missing);
    if (!argv)
        return tr("%1: not run, the command names %2, which this agent does not have").arg(agent.label, missing);
    return tr("%1: %2").arg(agent.label, argv->join(QLatin1Char(' ')));
}

bool AgentActions::confirmRecover(const QList<AgentKey> &agents) {
    const bool ask = QSettings().value(QLatin1String(kConfirmRecoverKey), true).toBool();
    m_askFirst->setChecked(ask);
    if (!ask)
        return true;
    // The exact argv each of the first agents gets, so nobody says yes to a surprise.
    QStringList names;
    for (const SelectedAgent &a : m_agents) {
        if (names.size() == kNamedAgentsInDialog)
            break;
        if (agents.contains(a.key))
            names << (m_template.isEmpty() ? a.label : commandLine(a));
    }
    if (agents.size() > names.size())
        names << tr("and %n more", nullptr, static_cast<int>(agents.size() - names.size()));

    QMessageBox box(QMessageBox::Question, tr("Recover now"),
                    tr("Run the recovery command now? Selected agents: %1").arg(agents.size()),
                    QMessageBox::Yes | QMessageBox::Cancel, m_dialogParent);
    box.setObjectName(QStringLiteral("confirmRecoverDialog"));
    box.setInformativeText(names.join(QLatin1Char('\n')));
    box.button(QMessageBox::Yes)->setText(tr("Recover now"));
    box.setDefaultButton(QMessageBox::Cancel);
    auto *dontAsk = new QCheckBox(tr("Don't ask again"), &box);
    box.setCheckBox(dontAsk);
    if (box.exec() != QMessageBox::Yes)
        return false;
    if (dontAsk->isChecked())
        m_askFirst->setChecked(false);  // stored by its toggled()
    return true;
}

}  // namespace varta::ui
