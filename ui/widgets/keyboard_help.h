#pragma once
// Help -> Keyboard shortcuts: every key the console answers to, read off the window's own
// menus (so a shortcut added to an action is listed without anyone writing it here) and
// the keys that move within the panes.

#include <QList>
#include <QPair>
#include <QString>

class QMainWindow;

namespace varta::ui {

// (keys, what they do), in the operator's language: the menus' shortcuts first (with
// their menu's name), then Tab, arrows and the timeline's keys.
QList<QPair<QString, QString>> keyboardShortcuts(const QMainWindow &window);

// A dialog with keyboardShortcuts(window), modal to it.
void showKeyboardHelp(QMainWindow *window);

}  // namespace varta::ui
