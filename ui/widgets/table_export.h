#pragma once
// What the operator takes out of the console: a table's rows as tab-separated text (for a
// ticket, a spreadsheet or grep), saved to a file or put on the clipboard.

#include <QCoreApplication>
#include <QString>

class QTableView;
class QWidget;

namespace varta::ui {

class TableExport {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::TableExport)

public:
    // The header and rows as shown: visible columns in their on-screen order, the selected
    // rows (or every row the filter shows, when none is selected), in the view's sort order.
    // Tabs and line breaks inside a cell become spaces, so each row stays one line.
    static QString tsv(const QTableView &view);
    // True when the view has selected rows, so tsv() exports only those.
    static bool hasSelection(const QTableView &view);

    // Asks where to save `text`; a file that cannot be written is named in a message box.
    // False when nothing was saved.
    static bool saveAs(QWidget *parent, const QString &title, const QString &suggestedName, const QString &text);
    // Writes `text` to `path` at once (no partial file on failure); `error` names the file.
    static bool save(const QString &path, const QString &text, QString *error);
};

}  // namespace varta::ui
