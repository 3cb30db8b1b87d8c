#pragma once
// The scrape side's own families (docs/compat.md section 4): what the /metrics endpoint
// counts about the connections and scrapes it serves. The endpoint owns these counters on
// the metrics thread and the registry reads them there, so unlike the engine's families
// they need no snapshot.

#include "core/base/histogram.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace varta {

class MetricsRegistry;

// Why a connection was accepted and closed unanswered; upstream's labels, in its order.
enum class ScrapeDropReason : std::uint8_t { Drain, RateLimit, IpTableFull };
inline constexpr std::size_t kScrapeDropReasonCount = 3;
std::string_view scrapeDropReasonLabel(ScrapeDropReason reason) noexcept;

// Why a connection was closed unanswered by a bound of ours that upstream does not have.
enum class ScrapeRefusalReason : std::uint8_t { PerSourceLimit, DescriptorReserve };
inline constexpr std::size_t kScrapeRefusalReasonCount = 2;
std::string_view scrapeRefusalReasonLabel(ScrapeRefusalReason reason) noexcept;

struct EndpointCounters {
    std::uint64_t authFailures = 0;  // 401s
    std::array<std::uint64_t, kScrapeDropReasonCount> dropped{};
    std::array<std::uint64_t, kScrapeRefusalReasonCount> refused{};
    std::uint64_t acceptErrors = 0;                        // accept() failures, each pausing the listener
    std::uint64_t scrapeSkipped = 0;                       // answered with an already rendered body
    std::uint64_t scrapeBudgetExhausted = 0;               // times the open-connection bound was reached
    std::uint64_t scrapeBudgetExceeded = 0;                // answers slower than --scrape-budget-ms
    Histogram servePending = Histogram::forLoopSeconds();  // seconds to answer one scrape

    void drop(ScrapeDropReason reason) noexcept { ++dropped[static_cast<std::size_t>(reason)]; }
    std::uint64_t droppedFor(ScrapeDropReason reason) const noexcept {
        return dropped[static_cast<std::size_t>(reason)];
    }
    void refuse(ScrapeRefusalReason reason) noexcept { ++refused[static_cast<std::size_t>(reason)]; }
    std::uint64_t refusedFor(ScrapeRefusalReason reason) const noexcept {
        return refused[static_cast<std::size_t>(reason)];
    }
};

// `counters` must outlive the registry.
void registerEndpointFamilies(MetricsRegistry &registry, const EndpointCounters &counters);

}  // namespace varta
