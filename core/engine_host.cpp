#include "core/engine_host.h"

#include "core/observer.h"

#include <openssl/crypto.h>

namespace varta {

EngineHost::EngineHost(Options options, QObject *parent) : QObject(parent), options_(std::move(options)) {
    thread_.setObjectName(QStringLiteral("varta-engine"));
    connect(&thread_, &QThread::finished, this, &EngineHost::finished);
}

EngineHost::~EngineHost() {
    if (thread_.isRunning()) {
        requestShutdown();
        thread_.wait();
    }
}

bool EngineHost::start(QString *error) {
    observer_ = new Observer(options_);
    observer_->moveToThread(&thread_);
    // The observer dies on its own thread (its sockets and timers belong there), and
    // the thread ends once it is gone.
    Observer *observer = observer_;
    connect(
        observer_, &Observer::stopped, this, [this, observer] { summary_ = observer->summaryLine(); },
        Qt::DirectConnection);  // runs on the engine thread; read only after finished()
    connect(observer_, &Observer::stopped, observer_, &QObject::deleteLater);
    // OpenSSL frees a thread's state (its error queue) from a thread-exit hook, but Qt's
    // threads are detached and wait() returns before that hook runs, so the process can
    // exit first and leak it. Free it on the engine thread once the keys are gone.
    connect(
        observer_, &QObject::destroyed, &thread_, [] { OPENSSL_thread_stop(); }, Qt::DirectConnection);
    connect(observer_, &QObject::destroyed, &thread_, &QThread::quit, Qt::DirectConnection);
    thread_.start();
    bool ok = false;
    QMetaObject::invokeMethod(
        observer_,
        [&] {
            ok = observer_->start(error);
            if (ok) {
                listeners_ = observer_->listenerDescriptions();
                warnings_ = observer_->startupWarnings();
                udpPort_ = observer_->udpPort();
            }
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        requestShutdown();
        thread_.wait();
        observer_ = nullptr;
    }
    return ok;
}

void EngineHost::requestShutdown() {
    if (observer_)
        QMetaObject::invokeMethod(observer_, &Observer::shutdown, Qt::QueuedConnection);
}

}  // namespace varta
