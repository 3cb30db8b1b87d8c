#pragma once
// How `varta-watch ctl` shows the observer's replies to people (docs/control.md sections
// 4 to 6): aligned tables for lists, `key: value` lines for one object, engine times
// relative to the reply's now_ms ("2.5 s ago") and Unix times in local time. Scripts use
// --json instead, so none of this is a format to parse. Every function takes a reply's
// `result` and returns whole lines.

#include "core/control/text_table.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace varta::ctl {

QString formatDuration(qint64 ms);       // "0.4 s", "2.5 s", "3 min 4 s", "2 h 5 min", "1 d 3 h"
QString formatLocalTime(qint64 unixMs);  // "2026-12-01 16:00:00", local time

QString renderStatus(const QJsonObject &result);
QString renderAgents(const QJsonObject &result);
QString renderAgent(const QJsonObject &result);
QString renderChildren(const QJsonObject &result);
QString renderOutput(const QJsonObject &result);

// The events table with the initial events; eventCells() gives a later event's row for
// TextTable::renderRow, so a followed stream stays aligned with it.
TextTable eventsTable(const QJsonObject &result);
QStringList eventCells(const QJsonObject &event);

// recover, kill, pause, resume, rearm: one line per key, those acted on and those not
// ("uds/4242: paused until 2026-12-01 16:00:00", "uds/4242: refused: gave_up").
struct ResultLines {
    QStringList done;
    QStringList failed;
};
ResultLines renderResults(const QString &command, const QJsonObject &result);

}  // namespace varta::ctl
