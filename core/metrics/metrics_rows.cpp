#include "core/metrics/metrics_rows.h"

#include <unordered_set>

namespace varta {

void keepLastRowOfEachAgent(std::vector<MetricsAgentRow> &rows) {
    std::unordered_set<AgentKey> seen;
    seen.reserve(rows.size());
    std::vector<MetricsAgentRow> kept;
    kept.reserve(rows.size());
    for (auto row = rows.rbegin(); row != rows.rend(); ++row)
        if (seen.insert(row->key).second)
            kept.push_back(*row);
    rows.assign(kept.rbegin(), kept.rend());
}

}  // namespace varta
