#include "core/base/socket_address.h"

#include <QNetworkInterface>

#include <cstring>

#include <netinet/in.h>

namespace varta {

socklen_t socketAddress(const QHostAddress &address, quint16 port, bool v6, sockaddr_storage &storage) {
    storage = sockaddr_storage{};
    if (!v6) {
        auto &in = reinterpret_cast<sockaddr_in &>(storage);
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        in.sin_addr.s_addr = htonl(address.toIPv4Address());
        return sizeof in;
    }
    auto &in6 = reinterpret_cast<sockaddr_in6 &>(storage);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    const Q_IPV6ADDR bytes = address.toIPv6Address();
    std::memcpy(&in6.sin6_addr, &bytes, sizeof bytes);
    if (const QString scope = address.scopeId(); !scope.isEmpty()) {
        bool numeric = false;
        const uint index = scope.toUInt(&numeric);
        in6.sin6_scope_id = numeric ? index : static_cast<uint>(QNetworkInterface::interfaceIndexFromName(scope));
    }
    return sizeof in6;
}

}  // namespace varta
