#pragma once
// A QEvent::ToolTip answered with the text for where the cursor is: shown, or, when there
// is nothing to say there, any tooltip hidden and the event left to the parent.

#include <QHelpEvent>
#include <QString>
#include <QToolTip>
#include <QWidget>

namespace varta::ui {

inline bool answerToolTip(QWidget *widget, QHelpEvent *help, const QString &text) {
    if (text.isEmpty()) {
        QToolTip::hideText();
        help->ignore();
    } else {
        QToolTip::showText(help->globalPos(), text, widget);
    }
    return true;
}

}  // namespace varta::ui
