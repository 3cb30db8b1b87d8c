#pragma once
// The seam between an engine and a console. A console reads batches from an EngineLink
// and sends the operator's commands through it; it never sees the engine itself, so the
// same models and widgets serve an engine in this process or one elsewhere.
//
// A link lives on the console's thread: its signals arrive there, and its commands may
// be called from there. How a command reaches the engine (a queued call, a socket) is the
// link's business. Every command's outcome comes back as an event-log line in a batch.

#include "core/published/engine_batch.h"

#include <QList>
#include <QObject>

#include <cstdint>

namespace varta {

class EngineLink : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

public Q_SLOTS:
    // Batches are built only while someone listens; a console turns them on.
    virtual void setPublishing(bool on) = 0;
    virtual void recoverNow(const QList<varta::AgentKey> &agents) = 0;
    virtual void killChild(std::uint64_t childId) = 0;
    virtual void pause(const QList<varta::AgentKey> &agents) = 0;
    virtual void resume(const QList<varta::AgentKey> &agents) = 0;
    virtual void rearm(const QList<varta::AgentKey> &agents) = 0;
    // A child whose output the console never received (it ended before the console
    // attached to its observer): the link fetches what the engine kept, which arrives as
    // a batch's output. An engine in this process hands every byte over anyway.
    virtual void requestOutput(std::uint64_t childId) { Q_UNUSED(childId); }

Q_SIGNALS:
    void batchReady(const varta::EngineBatch &batch);
};

}  // namespace varta
