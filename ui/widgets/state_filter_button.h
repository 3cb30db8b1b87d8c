#pragma once
// The agents table's state filter: a button whose menu lists every state with its count
// ("stalled (400)") as a check box, and the presets All states and Needs attention.
// Ticking a state (click, Space or Enter) leaves the menu open, so several are picked in
// one go; the table shows the union. The button says what is picked, and has a mnemonic.

#include "core/published/engine_batch.h"

#include <QToolButton>

#include <array>
#include <span>

class QMenu;

namespace varta::ui {

class StateFilterButton : public QToolButton {
    Q_OBJECT
public:
    explicit StateFilterButton(QWidget *parent = nullptr);

    // A mask of AgentFilterProxy::stateBit; emits maskChanged when it changes.
    void setMask(unsigned mask);
    unsigned mask() const { return m_mask; }
    // The engine's counts per state, shown beside each state's name.
    void setCounts(std::span<const std::uint32_t, kAgentStateCount> counts);

    QMenu *stateMenu() const { return m_menu; }
    QAction *stateAction(AgentState state) const { return m_stateActions[std::size_t(state)]; }
    QAction *allStatesAction() const { return m_all; }
    QAction *attentionAction() const { return m_attention; }
    // What the button says a mask shows: "All states", "stalled, exited", "4 states".
    static QString summary(unsigned mask);

Q_SIGNALS:
    void maskChanged(unsigned mask);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onStateToggled();
    void showMask();
    static QString itemText(AgentState state, std::uint32_t count);

    QMenu *m_menu = nullptr;
    QAction *m_all = nullptr;
    QAction *m_attention = nullptr;
    std::array<QAction *, kAgentStateCount> m_stateActions{};
    std::array<std::uint32_t, kAgentStateCount> m_counts{};
    unsigned m_mask = 0;
    bool m_applying = false;
};

}  // namespace varta::ui
