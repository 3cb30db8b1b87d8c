#pragma once
// What the control socket's transport (ControlServer) asks of whoever answers commands
// (docs/control.md). The transport owns framing, peers, bounds and streams; a handler
// turns one parsed request into one reply and never sees a connection.

#include "core/control/control_counters.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <cstdint>
#include <optional>

#include <sys/types.h>

namespace varta {

// Who is on the other end: from SO_PEERCRED on the Unix socket; on TCP (a console on
// another host) the token its hello named and the address it came from.
struct ControlPeer {
    uid_t uid = 0;
    pid_t pid = 0;
    QString user;        // the uid's name, or the number when it has none
    QString token;       // the token's name; empty on the Unix socket
    QString address;     // the console's source address; empty on the Unix socket
    bool mayAct = true;  // false for a `view` token: reads and streams only

    // "alice (uid 1000)" or "token alice (10.0.0.5)": how operator actions name their author.
    QString label() const {
        if (!token.isEmpty())
            return QStringLiteral("token %1 (%2)").arg(token, address);
        return QStringLiteral("%1 (uid %2)").arg(user).arg(uid);
    }
};

struct ControlRequest {
    QString cmd;
    QJsonObject args;
    QJsonValue id;  // echoed; Undefined when the request had none
};

// A stream a reply may open on its connection: every later ControlServer::broadcast()
// of that kind reaches it until the client goes away.
enum class ControlStream : std::uint8_t { Events, Batches };

struct ControlReply {
    bool ok = true;
    QString code;   // error code (docs/control.md section 2) when !ok
    QString error;  // human text when !ok
    QJsonObject result;
    // The result already written as one JSON object, for replies too large to build as a
    // QJsonObject (a snapshot of every agent); when set, `result` is not used.
    QByteArray resultBytes;
    std::optional<ControlStream> stream;
    std::optional<ControlRefusal> refusal;  // a refusal the server counts (view_only); the connection stays

    static ControlReply success(QJsonObject result) {
        return ControlReply{true, {}, {}, std::move(result), {}, {}, {}};
    }
    static ControlReply successBytes(QByteArray result) {
        return ControlReply{true, {}, {}, {}, std::move(result), {}, {}};
    }
    static ControlReply failure(QString code, QString error) {
        return ControlReply{false, std::move(code), std::move(error), {}, {}, {}, {}};
    }
};

class ControlHandler {
public:
    virtual ~ControlHandler() = default;
    // Called on the server's thread for every well-formed request (a JSON object with a
    // string `cmd`); unknown commands are the handler's to refuse (`unknown_command`).
    virtual ControlReply handle(const ControlRequest &request, const ControlPeer &peer) = 0;
    // About what a snapshot of everything would take now. A batch stream may carry that
    // much at once (every agent appearing together comes as full rows), so a subscriber
    // may fall that far behind, on top of kMaxQueuedBytes, before it is resynced.
    virtual qsizetype snapshotBytesEstimate() const { return 0; }
};

}  // namespace varta
