#pragma once
// The agents' rows of a MetricsSnapshot, tidied on the metrics thread before a render.

#include "core/metrics/metrics_snapshot.h"

#include <vector>

namespace varta {

// One series per agent: of the rows a key has, the last one stays, and the rest keep
// their order. The engine copies rows over several turns; an agent erased behind the copy
// and tracked again ahead of it is met twice, and the later row is the agent as it is.
void keepLastRowOfEachAgent(std::vector<MetricsAgentRow> &rows);

}  // namespace varta
