#include "ui/widgets/state_filter_button.h"

#include "ui/models/agent_filter_proxy.h"
#include "ui/style/state_style.h"

#include <QKeyEvent>
#include <QLocale>
#include <QMenu>
#include <QMouseEvent>

#include <bit>

namespace varta::ui {

namespace {
// A mask naming more states than this is summarised as a number.
constexpr int kNamedStates = 3;
}  // namespace

StateFilterButton::StateFilterButton(QWidget *parent) : QToolButton(parent) {
    setPopupMode(QToolButton::InstantPopup);
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    setFocusPolicy(Qt::StrongFocus);
    setToolTip(tr("Show only agents in these states"));
    m_menu = new QMenu(this);
    m_menu->setObjectName(QStringLiteral("stateFilterMenu"));
    m_all = m_menu->addAction(tr("&All states"));
    m_all->setData(AgentFilterProxy::kAllStates);
    m_attention = m_menu->addAction(tr("&Needs attention"));
    m_attention->setData(AgentFilterProxy::kAttentionStates);
    m_attention->setToolTip(tr("Every state except up, paused and replaced"));
    for (QAction *preset : {m_all, m_attention})
        connect(preset, &QAction::triggered, this, [this, preset] { setMask(preset->data().toUInt()); });
    m_menu->addSeparator();
    for (int i = 0; i < kAgentStateCount; ++i) {
        const auto state = static_cast<AgentState>(i);
        QAction *action = m_menu->addAction(StateStyle::icon(state), itemText(state, 0));
        action->setCheckable(true);
        action->setToolTip(StateStyle::description(state));
        action->setData(AgentFilterProxy::stateBit(state));
        connect(action, &QAction::toggled, this, &StateFilterButton::onStateToggled);
        m_stateActions[std::size_t(i)] = action;
    }
    m_menu->setToolTipsVisible(true);
    m_menu->installEventFilter(this);
    setMenu(m_menu);
    m_mask = AgentFilterProxy::kAllStates;
    showMask();
}

QString StateFilterButton::itemText(AgentState state, std::uint32_t count) {
    return tr("%1 (%2)").arg(StateStyle::name(state), QLocale().toString(count));
}

QString StateFilterButton::summary(unsigned mask) {
    if (mask == AgentFilterProxy::kAllStates)
        return tr("All states");
    if (mask == AgentFilterProxy::kAttentionStates)
        return tr("Needs attention");
    const int n = std::popcount(mask);
    if (n == 0)
        return tr("No state");
    if (n > kNamedStates)
        return tr("%n states", nullptr, n);
    QStringList names;
    for (int i = 0; i < kAgentStateCount; ++i)
        if (mask & AgentFilterProxy::stateBit(static_cast<AgentState>(i)))
            names << StateStyle::name(static_cast<AgentState>(i));
    return names.join(QStringLiteral(", "));
}

void StateFilterButton::setMask(unsigned mask) {
    mask &= AgentFilterProxy::kAllStates;
    if (mask == m_mask)
        return;
    m_mask = mask;
    showMask();
    Q_EMIT maskChanged(m_mask);
}

void StateFilterButton::setCounts(std::span<const std::uint32_t, kAgentStateCount> counts) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] == m_counts[i])
            continue;
        m_counts[i] = counts[i];
        m_stateActions[i]->setText(itemText(static_cast<AgentState>(i), counts[i]));
    }
}

void StateFilterButton::showMask() {
    m_applying = true;
    for (QAction *action : m_stateActions)
        action->setChecked((m_mask & action->data().toUInt()) != 0);
    m_applying = false;
    setText(tr("&States: %1").arg(summary(m_mask)));
    const bool single = std::popcount(m_mask) == 1;
    setIcon(single ? StateStyle::icon(static_cast<AgentState>(std::countr_zero(m_mask))) : QIcon());
}

void StateFilterButton::onStateToggled() {
    if (m_applying)
        return;
    unsigned mask = 0;
    for (QAction *action : m_stateActions)
        if (action->isChecked())
            mask |= action->data().toUInt();
    setMask(mask);
}

// A checkable item toggles without closing the menu; the presets close it as usual.
bool StateFilterButton::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_menu) {
        QAction *action = nullptr;
        if (event->type() == QEvent::MouseButtonRelease) {
            action = m_menu->actionAt(static_cast<QMouseEvent *>(event)->position().toPoint());
        } else if (event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent *>(event)->key();
            if (key == Qt::Key_Space || key == Qt::Key_Return || key == Qt::Key_Enter)
                action = m_menu->activeAction();
        }
        if (action && action->isCheckable() && action->isEnabled()) {
            action->trigger();
            return true;
        }
    }
    return QToolButton::eventFilter(watched, event);
}

}  // namespace varta::ui
