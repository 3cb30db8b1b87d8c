#pragma once
// Human-readable times. Engine times are monotonic milliseconds; the operator reads wall
// clock times, obtained by adding the offset between the two clocks measured when a
// batch arrives.

#include "core/published/engine_batch.h"

#include <QCoreApplication>
#include <QString>

namespace varta::ui {

class TimeFormat {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::TimeFormat)
public:
    // Whole seconds: ages are repainted once a second, finer digits would only flicker.
    static QString age(std::int64_t ms);
    // Tenths of a second below ten seconds: recovery children are often that short.
    static QString duration(std::int64_t ms);
    // "14:03:07" or "14:03:07.123" in local time.
    static QString wallTime(EngineMs atMs, std::int64_t wallOffsetMs, bool withMilliseconds);
    // Both clocks, for tooltips: "14:03:07.123 (engine +12.345 s)".
    static QString exact(EngineMs atMs, std::int64_t wallOffsetMs);
};

}  // namespace varta::ui
