#include "ui/models/row_ranges.h"

#include <algorithm>
#include <cstdint>

namespace varta::ui {

namespace {
// Sorting k rows costs about k*log2(k) steps, marking them about rowCount: mark when the
// rows are at least this dense.
constexpr std::size_t kDenseFactor = 16;
}  // namespace

std::vector<int> RowRanges::sortedUnique(std::vector<int> rows, int rowCount) {
    if (rowCount > 0 && rows.size() * kDenseFactor >= std::size_t(rowCount)) {
        std::vector<std::uint8_t> marks(std::size_t(rowCount), 0);
        std::uint8_t *marked = marks.data();
        for (int row : rows)
            marked[row] = 1;
        rows.clear();
        for (int row = 0; row < rowCount; ++row)
            if (marked[row])
                rows.push_back(row);
        return rows;
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    return rows;
}

std::vector<RowRange> RowRanges::merge(std::vector<int> rows, int maxGap, int maxRanges, int rowCount) {
    std::vector<RowRange> ranges;
    if (rows.empty())
        return ranges;
    rows = sortedUnique(std::move(rows), rowCount);

    ranges.push_back({rows.front(), rows.front()});
    for (std::size_t i = 1; i < rows.size(); ++i) {
        RowRange &current = ranges.back();
        if (rows[i] - current.last - 1 <= maxGap)
            current.last = rows[i];
        else
            ranges.push_back({rows[i], rows[i]});
    }
    if (maxRanges > 0 && static_cast<int>(ranges.size()) > maxRanges)
        return {{ranges.front().first, ranges.back().last}};
    return ranges;
}

}  // namespace varta::ui
