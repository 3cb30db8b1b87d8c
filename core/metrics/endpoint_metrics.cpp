#include "core/metrics/endpoint_metrics.h"

#include "core/metrics/metrics_registry.h"

namespace varta {

std::string_view scrapeDropReasonLabel(ScrapeDropReason reason) noexcept {
    switch (reason) {
    case ScrapeDropReason::Drain: return "drain";
    case ScrapeDropReason::RateLimit: return "rate_limit";
    case ScrapeDropReason::IpTableFull: return "ip_table_full";
    }
    return "unknown";
}

std::string_view scrapeRefusalReasonLabel(ScrapeRefusalReason reason) noexcept {
    switch (reason) {
    case ScrapeRefusalReason::PerSourceLimit: return "per_source_limit";
    case ScrapeRefusalReason::DescriptorReserve: return "descriptor_reserve";
    }
    return "unknown";
}

void registerEndpointFamilies(MetricsRegistry &registry, const EndpointCounters &counters) {
    // Upstream's families that describe parts of its design ours does not have: present, as
    // upstream promises every family from the first scrape, and at zero for good.
    static const std::uint64_t never = 0;

    registry
        .counter("varta_prom_auth_failures_total",
                 "/metrics requests refused with 401 because the bearer token was missing or wrong.")
        .addValue(&counters.authFailures);
    auto &dropped = registry.counter(
        "varta_prom_connections_dropped_total",
        "/metrics connections accepted and closed unanswered, by reason: rate_limit (the source IP had no "
        "token left), ip_table_full (no room for a new source IP), drain (the endpoint already had its "
        "maximum of open connections).");
    for (std::size_t i = 0; i < kScrapeDropReasonCount; ++i)
        dropped.addValue(&counters.dropped[i], {{"reason", scrapeDropReasonLabel(static_cast<ScrapeDropReason>(i))}});
    auto &refused = registry.counter(
        "varta_prom_connections_refused_total",
        "/metrics connections accepted and closed unanswered by a bound upstream does not have: "
        "per_source_limit (the source IP already held 32 open connections, half the endpoint's 64), descriptor_reserve "
        "(its "
        "descriptor fell within the 64 below the open-file limit kept for recovery commands and files).");
    for (std::size_t i = 0; i < kScrapeRefusalReasonCount; ++i)
        refused.addValue(&counters.refused[i],
                         {{"reason", scrapeRefusalReasonLabel(static_cast<ScrapeRefusalReason>(i))}});
    registry
        .counter("varta_prom_accept_errors_total",
                 "accept() calls on the /metrics listener that failed (out of descriptors: EMFILE, ENFILE); "
                 "each pauses accepting for 100 ms.")
        .addValue(&counters.acceptErrors);
    registry.histogram("varta_observer_serve_pending_seconds",
                       "Time to answer one authorized scrape on the metrics thread, from its complete request to "
                       "the last byte handed to the kernel (render and send).",
                       &counters.servePending);
    registry
        .counter("varta_observer_scrape_budget_exceeded_total",
                 "Scrapes whose answer took longer than --scrape-budget-ms, or never finished.")
        .addValue(&counters.scrapeBudgetExceeded);
    registry
        .counter("varta_scrape_skipped_total",
                 "Authorized scrapes answered with a body rendered for an earlier one (a body is rendered at "
                 "most once a second).")
        .addValue(&counters.scrapeSkipped);
    registry
        .counter("varta_scrape_budget_exhausted_total",
                 "Times /metrics reached its maximum of open connections and began closing new ones unanswered "
                 "(each one counted in varta_prom_connections_dropped_total{reason=\"drain\"}).")
        .addValue(&counters.scrapeBudgetExhausted);
    registry
        .counter("varta_prom_ip_state_probe_exhausted_total",
                 "Always 0 in varta-watch: its source-IP table is a hash table bounded by its size, with no "
                 "probe budget to run out of.")
        .addValue(&never);
    registry
        .counter("varta_prom_pid_row_refused_total",
                 "Always 0 in varta-watch: per-agent rows are a copy of the tracker's table, so there is no "
                 "second, smaller table that could refuse a row.")
        .addValue(&never);
}

}  // namespace varta
