#pragma once
// Saves a picture of a widget to a PNG after a delay (so the first batches have been
// painted). Works with -platform offscreen, which is how documentation and bug reports
// get their screenshots on a headless server.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QWidget>

namespace varta::ui {

class ScreenshotTaker : public QObject {
    Q_OBJECT
public:
    ScreenshotTaker(QWidget *target, const QString &path, QObject *parent = nullptr);

    // Takes the picture `delayMs` from now; finished() reports the outcome.
    void start(int delayMs);
    // Takes it immediately; returns whether the file was written.
    bool takeNow();
    QString path() const { return m_path; }

Q_SIGNALS:
    void finished(bool ok, const QString &message);

private:
    QPointer<QWidget> m_target;
    QString m_path;
    QTimer m_timer;
};

}  // namespace varta::ui
