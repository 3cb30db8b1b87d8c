#pragma once
// --demo: what changes so that a new user sees the whole flow within seconds — agents,
// a stall, a recovery with output long enough to be truncated — without configuring
// anything, and without the demo touching a real process.

#include "core/config/options.h"
#include "core/sender/demo_fleet.h"

namespace varta {

// A harmless command that prints about 9 KB (the numbers 1 to 2000), kept at 4 KiB so
// the truncation banner shows.
inline constexpr std::int64_t kDemoCaptureBytes = 4096;
QStringList demoRecoveryCommand();

// The demo's pace: the flaky agent goes quiet after half a second and comes back as a
// new process three seconds later, so a stall and its recovery happen in the first
// seconds (a screenshot taken at the default 3 s shows both).
DemoFleet::Timing demoFleetTiming();
// The demo shortens the default threshold to this (an explicit --threshold-ms wins).
inline constexpr std::int64_t kDemoThresholdMs = 1000;
// How much of the timeline the console shows in demo mode.
inline constexpr std::int64_t kDemoTimelineSpanMs = 15'000;

// Fills in what the operator did not set: a UDP listener for the simulated agents (on a
// free port when none was named), the demo recovery command, and recovery trust for
// those loopback agents. An operator's own flags win.
Options withDemoDefaults(Options options);

}  // namespace varta
