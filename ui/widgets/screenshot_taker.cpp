#include "ui/widgets/screenshot_taker.h"

#include <QPixmap>

namespace varta::ui {

ScreenshotTaker::ScreenshotTaker(QWidget *target, const QString &path, QObject *parent)
    : QObject(parent), m_target(target), m_path(path) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ScreenshotTaker::takeNow);
}

void ScreenshotTaker::start(int delayMs) { m_timer.start(std::max(0, delayMs)); }

bool ScreenshotTaker::takeNow() {
    if (!m_target) {
        Q_EMIT finished(false, tr("Screenshot not taken: the window is gone."));
        return false;
    }
    const QPixmap picture = m_target->grab();
    if (picture.isNull()) {
        Q_EMIT finished(false, tr("Screenshot not taken: the window could not be drawn."));
        return false;
    }
    if (!picture.save(m_path, "PNG")) {
        Q_EMIT finished(false, tr("Could not write the screenshot to %1.").arg(m_path));
        return false;
    }
    Q_EMIT finished(true, tr("Screenshot saved to %1 (%2×%3).").arg(m_path).arg(picture.width()).arg(picture.height()));
    return true;
}

}  // namespace varta::ui
