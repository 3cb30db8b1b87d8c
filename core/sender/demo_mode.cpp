#include "core/sender/demo_mode.h"

namespace varta {

QStringList demoRecoveryCommand() {
    return {QStringLiteral("/usr/bin/seq"), QStringLiteral("1"), QStringLiteral("2000")};
}

DemoFleet::Timing demoFleetTiming() {
    DemoFleet::Timing timing;
    timing.beatIntervalMs = 250;
    timing.silentAfterMs = 500;
    timing.silentForMs = 3000;
    return timing;
}

Options withDemoDefaults(Options options) {
    if (options.tracker.thresholdMs == TrackerOptions{}.thresholdMs)
        options.tracker.thresholdMs = kDemoThresholdMs;
    // The simulated agents find the port wherever it is: unless one was asked for, any
    // free one, so a demo never fails for a port 9000 that something else holds.
    if (!options.udp)
        options.udp = UdpOptions{};
    if (!options.udp->portGiven)
        options.udp->port = 0;
    if (!options.recovery.configured()) {
        options.recovery.execTemplate = demoRecoveryCommand();
        options.recovery.execSource = QStringLiteral("inline");
        options.recovery.captureBytes = kDemoCaptureBytes;
        // The simulated agents beat over loopback UDP from this very process.
        options.udp->recoveryAllowed = true;
    }
    return options;
}

}  // namespace varta
