#include "ui/widgets/table_setup.h"

#include <QHeaderView>
#include <QTableView>

namespace varta::ui {

namespace {
// Cell padding plus room for the header's sort indicator.
constexpr int kPadding = 16;
constexpr int kHeaderPadding = 36;  // margins and the sort indicator
}  // namespace

void TableSetup::configure(QTableView *view, bool stretchLastColumn) {
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setShowGrid(false);
    view->setCornerButtonEnabled(false);
    view->setIconSize(QSize(16, 16));
    view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    QHeaderView *rows = view->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(view->fontMetrics().height() + 6);
    QHeaderView *columns = view->horizontalHeader();
    columns->setSectionsMovable(true);
    columns->setStretchLastSection(stretchLastColumn);
    columns->setHighlightSections(false);
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

void TableSetup::setColumnWidths(QTableView *view, const QList<int> &characters) {
    const int unit = view->fontMetrics().averageCharWidth();
    const QFontMetrics headerMetrics = view->horizontalHeader()->fontMetrics();
    for (int column = 0; column < characters.size(); ++column) {
        const QString title = view->model()->headerData(column, Qt::Horizontal).toString();
        view->setColumnWidth(column, std::max(characters[column] * unit + kPadding,
                                              headerMetrics.horizontalAdvance(title) + kHeaderPadding));
    }
}

void TableSetup::fitColumnToTexts(QTableView *view, int column, const QStringList &texts) {
    int widest = 0;
    for (const QString &text : texts)
        widest = std::max(widest, view->fontMetrics().horizontalAdvance(text));
    const int needed = widest + view->iconSize().width() + 2 * kPadding;
    view->setColumnWidth(column, std::max(view->columnWidth(column), needed));
}

QList<int> TableSetup::columnWidths(const QTableView *view) {
    QList<int> widths;
    for (int column = 0; column < view->horizontalHeader()->count(); ++column)
        widths << view->columnWidth(column);
    return widths;
}

void TableSetup::widenTo(QTableView *view, const QList<int> &minimum) {
    for (int column = 0; column < minimum.size() && column < view->horizontalHeader()->count(); ++column)
        if (view->columnWidth(column) < minimum[column])
            view->setColumnWidth(column, minimum[column]);
}

}  // namespace varta::ui
