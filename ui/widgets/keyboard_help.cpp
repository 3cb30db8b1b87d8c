#include "ui/widgets/keyboard_help.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace varta::ui {

namespace {

struct Text {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::KeyboardHelp)
};

QString plain(QString text) { return text.remove(QLatin1Char('&')); }

}  // namespace

QList<QPair<QString, QString>> keyboardShortcuts(const QMainWindow &window) {
    QList<QPair<QString, QString>> rows;
    for (QAction *menuAction : window.menuBar()->actions()) {
        const QMenu *menu = menuAction->menu();
        if (!menu)
            continue;
        for (const QAction *action : menu->actions())
            if (!action->shortcut().isEmpty())
                rows.append({action->shortcut().toString(QKeySequence::NativeText),
                             Text::tr("%1: %2").arg(plain(menuAction->text()), plain(action->text()))});
    }
    rows.append({Text::tr("Tab, Shift+Tab"), Text::tr("Move to the next or previous control or pane")});
    rows.append({Text::tr("Arrows, Page Up, Page Down"), Text::tr("Move within a table or the output")});
    rows.append({Text::tr("Shift+arrows, Ctrl+A"), Text::tr("Select several agents")});
    rows.append({Text::tr("Menu key, Shift+F10"), Text::tr("The actions of the selected rows")});
    rows.append({Text::tr("Left, Right (timeline)"), Text::tr("Pan the stall timeline")});
    rows.append({Text::tr("+, - (timeline)"), Text::tr("Zoom the stall timeline in or out")});
    rows.append({Text::tr("End (timeline)"), Text::tr("Back to live")});
    return rows;
}

void showKeyboardHelp(QMainWindow *window) {
    QDialog dialog(window);
    dialog.setWindowTitle(Text::tr("Keyboard shortcuts"));
    const QList<QPair<QString, QString>> rows = keyboardShortcuts(*window);
    auto *table = new QTableWidget(static_cast<int>(rows.size()), 2, &dialog);
    table->setHorizontalHeaderLabels({Text::tr("Keys"), Text::tr("Does")});
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setTabKeyNavigation(false);
    for (int row = 0; row < rows.size(); ++row) {
        table->setItem(row, 0, new QTableWidgetItem(rows[row].first));
        table->setItem(row, 1, new QTableWidgetItem(rows[row].second));
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(table);
    layout->addWidget(buttons);
    dialog.resize(560, 480);
    dialog.exec();
}

}  // namespace varta::ui
