#pragma once
// The look shared by the console's tables. Row heights are fixed and columns sized from
// the font once: anything measured per row would cost O(rows) on every batch.

#include <QList>
#include <QStringList>

class QTableView;

namespace varta::ui {

class TableSetup {
public:
    static void configure(QTableView *view, bool stretchLastColumn);
    // Widths in average character widths, one per column, never narrower than the
    // (translated) header title.
    static void setColumnWidths(QTableView *view, const QList<int> &characters);
    // Widens `column` to fit the longest of `texts` beside an icon: for columns whose
    // values are a few known words, such as state names, in whatever language.
    static void fitColumnToTexts(QTableView *view, int column, const QStringList &texts);
    // Every column's width, by logical index.
    static QList<int> columnWidths(const QTableView *view);
    // Widens each column to at least `minimum`'s width for it: after restoring widths
    // saved in another language, whose headers and states were shorter.
    static void widenTo(QTableView *view, const QList<int> &minimum);
};

}  // namespace varta::ui
