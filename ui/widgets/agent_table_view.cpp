#include "ui/widgets/agent_table_view.h"

#include <QPainter>

namespace varta::ui {

namespace {
constexpr int kMessageMargin = 24;
}  // namespace

AgentTableView::AgentTableView(QWidget *parent) : QTableView(parent) {}

void AgentTableView::setEmptyMessage(const QString &message) {
    if (message == m_emptyMessage)
        return;
    m_emptyMessage = message;
    viewport()->update();
}

QString AgentTableView::shownEmptyMessage() const {
    return model() && model()->rowCount() == 0 ? m_emptyMessage : QString();
}

void AgentTableView::paintEvent(QPaintEvent *event) {
    QTableView::paintEvent(event);
    const QString message = shownEmptyMessage();
    if (message.isEmpty())
        return;
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(viewport()->rect().adjusted(kMessageMargin, kMessageMargin, -kMessageMargin, -kMessageMargin),
                     Qt::AlignCenter | Qt::TextWordWrap, message);
}

}  // namespace varta::ui
