#pragma once
// Turns the rows a batch touched into a few [first, last] ranges, so that thousands of
// changed rows cost the proxy and the views a handful of dataChanged signals instead of
// one each (docs/architecture.md section 4: QSortFilterProxyModel re-examines every signalled row).

#include <vector>

namespace varta::ui {

struct RowRange {
    int first = 0;
    int last = 0;
    friend bool operator==(const RowRange &, const RowRange &) = default;
};

class RowRanges {
public:
    // `rows` may be unsorted and hold duplicates. Rows separated by at most `maxGap`
    // untouched rows share a range: re-announcing a few unchanged rows is far cheaper
    // than another signal. More than `maxRanges` ranges collapse into one span.
    // With `rowCount` given (every row < rowCount), a dense set of rows is merged by one
    // pass over a mark per row instead of a sort.
    static std::vector<RowRange> merge(std::vector<int> rows, int maxGap, int maxRanges, int rowCount = 0);

private:
    static std::vector<int> sortedUnique(std::vector<int> rows, int rowCount);
};

}  // namespace varta::ui
