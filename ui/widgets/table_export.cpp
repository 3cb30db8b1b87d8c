#include "ui/widgets/table_export.h"

#include <QCoreApplication>
#include <QFileDialog>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QMessageBox>
#include <QSaveFile>
#include <QTableView>

#include <algorithm>

namespace varta::ui {

namespace {

QString cell(QString text) {
    for (QChar &c : text)
        if (c == QLatin1Char('\t') || c == QLatin1Char('\n') || c == QLatin1Char('\r'))
            c = QLatin1Char(' ');
    return text;
}

}  // namespace

bool TableExport::hasSelection(const QTableView &view) {
    return view.selectionModel() && !view.selectionModel()->selectedRows().isEmpty();
}

QString TableExport::tsv(const QTableView &view) {
    const QAbstractItemModel *model = view.model();
    const QHeaderView *header = view.horizontalHeader();
    QList<int> columns;
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        if (!view.isColumnHidden(logical))
            columns.append(logical);
    }
    QList<int> rows;
    if (hasSelection(view)) {
        for (const QModelIndex &index : view.selectionModel()->selectedRows())
            rows.append(index.row());
        std::sort(rows.begin(), rows.end());
    } else {
        for (int row = 0; row < model->rowCount(); ++row)
            rows.append(row);
    }
    QStringList lines;
    lines.reserve(rows.size() + 1);
    QStringList fields;
    for (int column : std::as_const(columns))
        fields << cell(model->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString());
    lines << fields.join(QLatin1Char('\t'));
    for (int row : std::as_const(rows)) {
        fields.clear();
        for (int column : std::as_const(columns))
            fields << cell(model->index(row, column).data(Qt::DisplayRole).toString());
        lines << fields.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

bool TableExport::save(const QString &path, const QString &text, QString *error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit()) {
        *error = tr("%1: cannot write: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool TableExport::saveAs(QWidget *parent, const QString &title, const QString &suggestedName, const QString &text) {
    const QString path = QFileDialog::getSaveFileName(parent, title, suggestedName);
    if (path.isEmpty())
        return false;
    QString error;
    if (!save(path, text, &error)) {
        QMessageBox::warning(parent, title, error);
        return false;
    }
    return true;
}

}  // namespace varta::ui
