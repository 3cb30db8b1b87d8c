#pragma once
// Checks a window's menus as a keyboard user meets them: every menu and every item has an
// Alt+letter mnemonic, and no two in one menu (or in the menu bar) share a letter.

#include <QAction>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSet>
#include <QString>

namespace varta::test {

// The letter after the '&' of a menu text, lower-cased; null when there is none.
inline QChar mnemonic(const QString &text) {
    const qsizetype at = text.indexOf(QLatin1Char('&'));
    return at >= 0 && at + 1 < text.size() ? text.at(at + 1).toLower() : QChar();
}

// Empty when every mnemonic is there and unique; else the first text at fault.
inline QString menuMnemonicProblem(const QMainWindow &window) {
    QSet<QChar> menus;
    for (QAction *menuAction : window.menuBar()->actions()) {
        const QChar menuLetter = mnemonic(menuAction->text());
        if (menuLetter.isNull() || menus.contains(menuLetter))
            return menuAction->text();
        menus.insert(menuLetter);
        QSet<QChar> letters;
        for (QAction *item : menuAction->menu()->actions()) {
            if (item->isSeparator())
                continue;
            const QChar letter = mnemonic(item->text());
            if (letter.isNull() || letters.contains(letter))
                return menuAction->text() + QStringLiteral(": ") + item->text();
            letters.insert(letter);
        }
    }
    return {};
}

}  // namespace varta::test
