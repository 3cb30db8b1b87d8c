#include "ui/models/row_ranges.h"

#include <algorithm>

namespace varta::ui {

std::vector<RowRange> RowRanges::merge(std::vector<int> rows, int maxGap, int maxRanges) {
    std::vector<RowRange> ranges;
    if (rows.empty())
        return ranges;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());

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

} // namespace varta::ui
