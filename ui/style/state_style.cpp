#include "ui/style/state_style.h"

#include "core/identity/state_groups.h"
#include "ui/style/resources_init.h"

#include <array>

namespace varta::ui {

QString StateStyle::name(AgentState state) {
    switch (state) {
    case AgentState::Up: return tr("up");
    case AgentState::Degraded: return tr("degraded");
    case AgentState::Critical: return tr("critical");
    case AgentState::Stalled: return tr("stalled");
    case AgentState::Recovering: return tr("recovering");
    case AgentState::GaveUp: return tr("gave up");
    case AgentState::Paused: return tr("paused");
    case AgentState::Exited: return tr("exited");
    case AgentState::Replaced: return tr("replaced");
    }
    return tr("unknown");
}

QString StateStyle::nameWithLiveness(AgentState state, bool silent) {
    if (!isOverlay(state))
        return name(state);
    return (silent ? tr("%1 · silent") : tr("%1 · beating")).arg(name(state));
}

QString StateStyle::description(AgentState state) {
    switch (state) {
    case AgentState::Up: return tr("Beating; the last beat reported OK.");
    case AgentState::Degraded: return tr("Beating; the last beat reported degraded.");
    case AgentState::Critical: return tr("Beating; the last beat reported critical.");
    case AgentState::Stalled: return tr("Silent for longer than the stall threshold.");
    case AgentState::Recovering: return tr("A recovery child is running for this agent.");
    case AgentState::GaveUp: return tr("Recovery gave up after repeated restarts; re-arm it to allow recovery again.");
    case AgentState::Paused: return tr("In maintenance: still tracked, never recovered.");
    case AgentState::Exited: return tr("The process is gone: the kernel saw it exit, before any threshold.");
    case AgentState::Replaced: return tr("Its unit came back under a new pid, which carries on in its place.");
    }
    return {};
}

QString StateStyle::iconPath(AgentState state) {
    return QStringLiteral(":/icons/state-%1.svg").arg(QLatin1String(agentStateName(state)));
}

QIcon StateStyle::icon(AgentState state) {
    // Made once: a QIcon made from an SVG renders it again for every new QIcon, and the
    // timeline, the band and the details pane ask on every paint. Never freed, so no
    // QIcon outlives the application object in a static destructor.
    static const auto *icons = [] {
        initUiResources();
        auto *made = new std::array<QIcon, kAgentStateCount>;
        for (int i = 0; i < kAgentStateCount; ++i)
            (*made)[std::size_t(i)] = QIcon(iconPath(static_cast<AgentState>(i)));
        return made;
    }();
    return (*icons)[std::size_t(state)];
}

QColor StateStyle::fillColor(AgentState state) {
    switch (state) {
    case AgentState::Up: return QColor(0x66, 0xbb, 0x6a);
    case AgentState::Degraded: return QColor(0xff, 0xb3, 0x00);
    case AgentState::Critical: return QColor(0xe5, 0x39, 0x35);
    case AgentState::Stalled: return QColor(0x8e, 0x24, 0xaa);
    case AgentState::Recovering: return QColor(0x1e, 0x88, 0xe5);
    case AgentState::GaveUp: return QColor(0x37, 0x47, 0x4f);
    case AgentState::Paused: return QColor(0x9e, 0x9e, 0x9e);
    case AgentState::Exited: return QColor(0xd8, 0x1b, 0x60);
    case AgentState::Replaced: return QColor(0x78, 0x90, 0x9c);
    }
    return Qt::gray;
}

QColor StateStyle::textColor(AgentState state, bool darkBackground) {
    if (darkBackground) {
        switch (state) {
        case AgentState::GaveUp: return QColor(0xb0, 0xbe, 0xc5);
        case AgentState::Paused: return QColor(0xbd, 0xbd, 0xbd);
        default: return fillColor(state).lighter(130);
        }
    }
    switch (state) {
    case AgentState::Up: return QColor(0x1b, 0x5e, 0x20);
    case AgentState::Degraded: return QColor(0x9a, 0x5b, 0x00);
    case AgentState::Critical: return QColor(0xb7, 0x1c, 0x1c);
    case AgentState::Stalled: return QColor(0x6a, 0x1b, 0x9a);
    case AgentState::Recovering: return QColor(0x0d, 0x47, 0xa1);
    case AgentState::GaveUp: return QColor(0x26, 0x32, 0x38);
    case AgentState::Paused: return QColor(0x61, 0x61, 0x61);
    case AgentState::Exited: return QColor(0x88, 0x0e, 0x4f);
    case AgentState::Replaced: return QColor(0x45, 0x5a, 0x64);
    }
    return Qt::black;
}

Qt::BrushStyle StateStyle::pattern(AgentState state) {
    switch (state) {
    case AgentState::Stalled: return Qt::BDiagPattern;
    case AgentState::GaveUp: return Qt::DiagCrossPattern;
    case AgentState::Paused: return Qt::Dense6Pattern;
    case AgentState::Critical: return Qt::FDiagPattern;
    case AgentState::Exited: return Qt::CrossPattern;
    default: return Qt::NoBrush;
    }
}

int StateStyle::urgency(AgentState state) {
    switch (state) {
    case AgentState::Up: return 0;
    case AgentState::Paused: return 1;
    case AgentState::Degraded: return 2;
    case AgentState::Recovering: return 3;
    case AgentState::Critical: return 4;
    case AgentState::Stalled: return 5;
    case AgentState::GaveUp: return 7;
    case AgentState::Exited: return 6;
    case AgentState::Replaced: return 0;
    }
    return 0;
}

QString StateStyle::statusName(vlp::Status status) {
    switch (status) {
    case vlp::Status::Ok: return tr("ok");
    case vlp::Status::Degraded: return tr("degraded");
    case vlp::Status::Critical: return tr("critical");
    case vlp::Status::Stall: return tr("stall");
    }
    return tr("unknown");
}

QString StateStyle::severityName(EventSeverity severity) {
    switch (severity) {
    case EventSeverity::Info: return tr("info");
    case EventSeverity::Warning: return tr("warning");
    case EventSeverity::Error: return tr("error");
    }
    return {};
}

QIcon StateStyle::severityIcon(EventSeverity severity) {
    initUiResources();
    switch (severity) {
    case EventSeverity::Info: return QIcon(QStringLiteral(":/icons/severity-info.svg"));
    case EventSeverity::Warning: return QIcon(QStringLiteral(":/icons/severity-warning.svg"));
    case EventSeverity::Error: return QIcon(QStringLiteral(":/icons/severity-error.svg"));
    }
    return {};
}

QColor StateStyle::severityColor(EventSeverity severity, bool darkBackground) {
    switch (severity) {
    case EventSeverity::Info: return darkBackground ? QColor(0xe0, 0xe0, 0xe0) : QColor(0x21, 0x21, 0x21);
    case EventSeverity::Warning: return textColor(AgentState::Degraded, darkBackground);
    case EventSeverity::Error: return textColor(AgentState::Critical, darkBackground);
    }
    return {};
}

bool StateStyle::isDark(const QColor &background) { return background.lightness() < 128; }

}  // namespace varta::ui
