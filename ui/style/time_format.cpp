#include "ui/style/time_format.h"

#include <QDateTime>
#include <QLocale>

namespace varta::ui {

namespace {
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
}  // namespace

QString TimeFormat::age(std::int64_t ms) {
    if (ms < 0)
        ms = 0;
    if (ms < kMinute)
        return tr("%1 s").arg(ms / kSecond);
    if (ms < kHour)
        return tr("%1 min %2 s").arg(ms / kMinute).arg((ms % kMinute) / kSecond);
    if (ms < kDay)
        return tr("%1 h %2 min").arg(ms / kHour).arg((ms % kHour) / kMinute);
    return tr("%1 d %2 h").arg(ms / kDay).arg((ms % kDay) / kHour);
}

QString TimeFormat::duration(std::int64_t ms) {
    if (ms < 0)
        ms = 0;
    if (ms < 10 * kSecond)
        return tr("%1 s").arg(QLocale().toString(double(ms) / kSecond, 'f', 1));
    return age(ms);
}

QString TimeFormat::wallTime(EngineMs atMs, std::int64_t wallOffsetMs, bool withMilliseconds) {
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(atMs + wallOffsetMs);
    return at.toString(withMilliseconds ? QStringLiteral("HH:mm:ss.zzz") : QStringLiteral("HH:mm:ss"));
}

QString TimeFormat::exact(EngineMs atMs, std::int64_t wallOffsetMs) {
    return tr("%1 (engine +%2 s)")
        .arg(wallTime(atMs, wallOffsetMs, true), QLocale().toString(double(atMs) / kSecond, 'f', 3));
}

}  // namespace varta::ui
