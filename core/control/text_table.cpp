#include "core/control/text_table.h"

#include <algorithm>

namespace varta {

TextTable::TextTable(QStringList headers)
    : m_headers(std::move(headers)), m_minimumWidths(m_headers.size(), 0), m_rightAligned(m_headers.size(), false) {}

void TextTable::setMinimumWidth(int column, int width) { m_minimumWidths[column] = width; }

void TextTable::setRightAligned(int column) { m_rightAligned[column] = true; }

void TextTable::addRow(QStringList cells) { m_rows.append(std::move(cells)); }

QList<int> TextTable::widths() const {
    QList<int> widths = m_minimumWidths;
    const auto widen = [&widths](const QStringList &cells) {
        for (int i = 0; i < std::min(cells.size(), widths.size()); ++i)
            widths[i] = std::max(widths[i], int(cells[i].size()));
    };
    widen(m_headers);
    for (const QStringList &row : m_rows)
        widen(row);
    return widths;
}

QString TextTable::line(const QStringList &cells, const QList<int> &widths) const {
    QString text;
    for (int i = 0; i < widths.size(); ++i) {
        const QString cell = i < cells.size() ? cells[i] : QString();
        const bool last = i == widths.size() - 1;
        if (i > 0)
            text += QStringLiteral("  ");
        if (m_rightAligned[i])
            text += cell.rightJustified(widths[i]);
        else
            text += last ? cell : cell.leftJustified(widths[i]);
    }
    // A right-aligned or empty last cell may leave trailing blanks; nobody wants them.
    while (text.endsWith(QLatin1Char(' ')))
        text.chop(1);
    return text + QLatin1Char('\n');
}

QString TextTable::render() const {
    const QList<int> columnWidths = widths();
    QString text = line(m_headers, columnWidths);
    for (const QStringList &row : m_rows)
        text += line(row, columnWidths);
    return text;
}

QString TextTable::renderRow(const QStringList &cells) const { return line(cells, widths()); }

}  // namespace varta
