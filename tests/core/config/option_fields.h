#pragma once
// Each Options field a config test can name, read back as text so one data table can
// check any of them.
#include "core/config/options.h"

#include <QString>
#include <QVariant>

#include <functional>
#include <map>

namespace {

using varta::ClockSource;
using varta::EvictionPolicy;
using varta::LogFormat;
using varta::Options;
using varta::SignalHandlerMode;
using varta::UdpOptions;

QString portOf(const std::optional<UdpOptions> &udp) { return udp ? QString::number(udp->port) : QString(); }

// Each Options field a test can name, read back as text so one table serves them all.
using Getter = std::function<QString(const Options &)>;
const std::map<QString, Getter> &fields() {
    static const std::map<QString, Getter> map{
        {"uds.path", [](const Options &o) { return o.uds ? o.uds->path : QString(); }},
        {"uds.mode", [](const Options &o) { return o.uds ? QString::number(o.uds->mode, 8) : QString(); }},
        {"udp.port", [](const Options &o) { return portOf(o.udp); }},
        {"udp.bindAddress", [](const Options &o) { return o.udp ? o.udp->bindAddress.toString() : QString(); }},
        {"udp.acceptNonLoopback",
         [](const Options &o) { return QVariant(o.udp && o.udp->acceptNonLoopback).toString(); }},
        {"udp.recoveryAllowed", [](const Options &o) { return QVariant(o.udp && o.udp->recoveryAllowed).toString(); }},
        {"tracker.thresholdMs", [](const Options &o) { return QString::number(o.tracker.thresholdMs); }},
        {"tracker.capacity", [](const Options &o) { return QString::number(o.tracker.capacity); }},
        {"tracker.eviction",
         [](const Options &o) {
             return QString(o.tracker.eviction == EvictionPolicy::Strict ? "strict" : "balanced");
         }},
        {"tracker.maxBeatRate", [](const Options &o) { return QString::number(o.tracker.maxBeatRate); }},
        {"tracker.globalBeatRate", [](const Options &o) { return QString::number(o.tracker.globalBeatRate); }},
        {"tracker.globalBeatBurst", [](const Options &o) { return QString::number(o.tracker.globalBeatBurst); }},
        {"tracker.allowCrossNamespace",
         [](const Options &o) { return QVariant(o.tracker.allowCrossNamespace).toString(); }},
        {"recovery.execTemplate", [](const Options &o) { return o.recovery.execTemplate.join('|'); }},
        {"recovery.execSource", [](const Options &o) { return o.recovery.execSource; }},
        {"recovery.debounceMs", [](const Options &o) { return QString::number(o.recovery.debounceMs); }},
        {"recovery.timeoutMs",
         [](const Options &o) {
             return o.recovery.timeoutMs ? QString::number(*o.recovery.timeoutMs) : QString("none");
         }},
        {"recovery.killGraceMs", [](const Options &o) { return QString::number(o.recovery.killGraceMs); }},
        {"recovery.env", [](const Options &o) { return o.recovery.env.join('|'); }},
        {"recovery.inheritEnv", [](const Options &o) { return QVariant(o.recovery.inheritEnv).toString(); }},
        {"recovery.captureBytes", [](const Options &o) { return QString::number(o.recovery.captureBytes); }},
        {"recovery.auditFile", [](const Options &o) { return o.recovery.auditFile; }},
        {"recovery.maxConcurrent", [](const Options &o) { return QString::number(o.recovery.maxConcurrent); }},
        {"recovery.maxAttempts", [](const Options &o) { return QString::number(o.recovery.maxAttempts); }},
        {"recovery.attemptWindowMs", [](const Options &o) { return QString::number(o.recovery.attemptWindowMs); }},
        {"exportFile.path", [](const Options &o) { return o.exportFile.path; }},
        {"exportFile.maxBytes", [](const Options &o) { return QString::number(o.exportFile.maxBytes); }},
        {"exportFile.syncEvery", [](const Options &o) { return QString::number(o.exportFile.syncEvery); }},
        {"shutdownAfterSecs",
         [](const Options &o) {
             return o.shutdownAfterSecs ? QString::number(*o.shutdownAfterSecs) : QString("none");
         }},
        {"shutdownGraceMs", [](const Options &o) { return QString::number(o.shutdownGraceMs); }},
        {"selfWatchdogSecs",
         [](const Options &o) { return o.selfWatchdogSecs ? QString::number(*o.selfWatchdogSecs) : QString("none"); }},
        {"headless", [](const Options &o) { return QVariant(o.headless).toString(); }},
        {"demo", [](const Options &o) { return QVariant(o.demo).toString(); }},
        {"screenshotPath", [](const Options &o) { return o.screenshotPath; }},
        {"screenshotDelayMs", [](const Options &o) { return QString::number(o.screenshotDelayMs); }},
        {"language", [](const Options &o) { return o.language; }},
        {"uds.receiveBufferBytes",
         [](const Options &o) { return o.uds ? QString::number(o.uds->receiveBufferBytes) : QString(); }},
        {"tracker.evictionScanWindow", [](const Options &o) { return QString::number(o.tracker.evictionScanWindow); }},
        {"tracker.strictNamespaceCheck",
         [](const Options &o) { return QVariant(o.tracker.strictNamespaceCheck).toString(); }},
        {"recovery.captureStdio", [](const Options &o) { return QVariant(o.recovery.captureStdio).toString(); }},
        {"recovery.auditMaxBytes",
         [](const Options &o) {
             return o.recovery.auditMaxBytes ? QString::number(*o.recovery.auditMaxBytes) : QString("none");
         }},
        {"recovery.auditSyncEvery", [](const Options &o) { return QString::number(o.recovery.auditSyncEvery); }},
        {"recovery.auditSyncIntervalMs",
         [](const Options &o) { return QString::number(o.recovery.auditSyncIntervalMs); }},
        {"recovery.auditFsyncBudgetMs",
         [](const Options &o) { return QString::number(o.recovery.auditFsyncBudgetMs); }},
        {"recovery.auditRotationBudgetMs",
         [](const Options &o) { return QString::number(o.recovery.auditRotationBudgetMs); }},
        {"prom.rateLimitPerSec", [](const Options &o) { return QString::number(o.prom.rateLimitPerSec); }},
        {"prom.rateLimitBurst", [](const Options &o) { return QString::number(o.prom.rateLimitBurst); }},
        {"prom.scrapeBudgetMs", [](const Options &o) { return QString::number(o.prom.scrapeBudgetMs); }},
        {"iterationBudgetMs", [](const Options &o) { return QString::number(o.iterationBudgetMs); }},
        {"clockSource",
         [](const Options &o) { return QString(o.clockSource == ClockSource::Monotonic ? "monotonic" : "boottime"); }},
        {"heartbeatFile", [](const Options &o) { return o.heartbeatFile; }},
        {"controlSocket", [](const Options &o) { return o.controlSocket; }},
        {"stateFile", [](const Options &o) { return o.recovery.stateFile; }},
        {"hwWatchdog", [](const Options &o) { return o.hwWatchdog; }},
        {"signalHandlerMode",
         [](const Options &o) {
             return QString(o.signalHandlerMode == SignalHandlerMode::Direct ? "direct" : "libc");
         }},
        {"readTimeoutMs", [](const Options &o) { return QString::number(o.readTimeoutMs); }},
        {"logFormat", [](const Options &o) { return QString(o.logFormat == LogFormat::Text ? "text" : "json"); }},
        {"warnings", [](const Options &o) { return o.warnings.join('|'); }},
    };
    return map;
}

QString field(const Options &options, const QString &name) {
    const auto it = fields().find(name);
    if (it == fields().end())
        qFatal("no field %s", qPrintable(name));
    return it->second(options);
}

}  // namespace
