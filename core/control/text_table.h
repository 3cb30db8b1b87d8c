#pragma once
// Aligned plain-text tables for `varta-watch ctl`: a header row, then rows whose cells
// are padded to the widest in their column, columns two spaces apart, the last column
// never padded. Rows may also be rendered one at a time after the table (a followed
// event stream), padded to the widths the table had.

#include <QList>
#include <QString>
#include <QStringList>

namespace varta {

class TextTable {
public:
    explicit TextTable(QStringList headers);

    // A column at least this wide, so rows rendered later still line up.
    void setMinimumWidth(int column, int width);
    void setRightAligned(int column);
    void addRow(QStringList cells);
    bool isEmpty() const { return m_rows.isEmpty(); }

    QString render() const;  // the header and every row, each line ending in '\n'
    QString renderRow(const QStringList &cells) const;

private:
    QList<int> widths() const;
    QString line(const QStringList &cells, const QList<int> &widths) const;

    QStringList m_headers;
    QList<int> m_minimumWidths;
    QList<bool> m_rightAligned;
    QList<QStringList> m_rows;
};

}  // namespace varta
