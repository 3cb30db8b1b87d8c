#pragma once
// The operator's commands and when they make sense. Each action is enabled only for a
// selection it can act on, and a disabled action's tooltip says why. Recover now asks for
// confirmation unless the operator ticked "Don't ask again" (kept in QSettings, and turned
// back on from the Actions menu).

#include "core/published/engine_batch.h"

#include <QList>
#include <QObject>

#include <optional>

class QAction;
class QWidget;

namespace varta::ui {

class AgentActions : public QObject {
    Q_OBJECT
public:
    static constexpr char kConfirmRecoverKey[] = "confirm/recoverNow";

    struct SelectedAgent {
        AgentKey key;
        AgentState state = AgentState::Up;
        QString label;                                    // as the table names it
        std::shared_ptr<const ProcessIdentity> identity;  // fills {unit}, {comm}, {uid}
    };

    // `dialogParent` owns the confirmation dialog.
    explicit AgentActions(QWidget *dialogParent);

    QAction *recoverNowAction() const { return m_recover; }
    QAction *killChildAction() const { return m_kill; }
    QAction *pauseAction() const { return m_pause; }
    QAction *resumeAction() const { return m_resume; }
    QAction *rearmAction() const { return m_rearm; }
    // Checkable, kept in QSettings: whether Recover now asks first ("Don't ask again"
    // in the dialog clears it; this turns it back on).
    QAction *askBeforeRecoverAction() const { return m_askFirst; }

    void setRecoveryConfigured(bool configured);
    // A post-mortem of files: every command stays disabled, and says why.
    void setReadOnly(bool readOnly);
    // --recovery-exec as the engine split it: the confirmation shows each agent's argv.
    void setRecoveryTemplate(const QStringList &execTemplate) { m_template = execTemplate; }
    // What Recover now would run for `agent`, one line: the argv, or why it would not run.
    QString commandLine(const SelectedAgent &agent) const;
    void setSelectedAgents(const QList<SelectedAgent> &agents);
    void setSelectedChild(const std::optional<ChildInfo> &child);

Q_SIGNALS:
    void recoverNowRequested(const QList<varta::AgentKey> &agents);
    void killChildRequested(std::uint64_t childId);
    void pauseRequested(const QList<varta::AgentKey> &agents);
    void resumeRequested(const QList<varta::AgentKey> &agents);
    void rearmRequested(const QList<varta::AgentKey> &agents);

private:
    QAction *makeAction(const QString &icon, const QString &text, const QKeySequence &shortcut);
    void refresh();
    static QString readOnlyTip();
    void refreshRecover();
    void refreshAgentAction(QAction *action, const QList<AgentKey> &eligible, const QString &enabledTip,
                            const QString &noneEligibleTip);
    QList<AgentKey> recoverable() const;
    QList<AgentKey> withState(bool paused) const;
    QList<AgentKey> gaveUp() const;
    bool confirmRecover(const QList<AgentKey> &agents);
    void onRecoverNow();

    QWidget *m_dialogParent = nullptr;
    QAction *m_recover = nullptr;
    QAction *m_kill = nullptr;
    QAction *m_pause = nullptr;
    QAction *m_resume = nullptr;
    QAction *m_rearm = nullptr;
    QAction *m_askFirst = nullptr;
    bool m_recoveryConfigured = false;
    bool m_readOnly = false;
    QList<SelectedAgent> m_agents;
    QStringList m_template;
    std::optional<ChildInfo> m_child;
};

}  // namespace varta::ui
