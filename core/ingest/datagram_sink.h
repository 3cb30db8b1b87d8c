#pragma once
// What a listener hands on: each datagram as received, then a call at the end of every
// batch it drained (so the receiver can flush files and arm timers once per batch,
// not once per datagram).

#include "core/identity/agent_key.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <sys/socket.h>

namespace varta {

struct Datagram {
    const std::uint8_t *data = nullptr;
    std::size_t length = 0;  // the datagram's real length (may exceed what was read)
    Transport transport = Transport::Uds;
    // The kernel cut its control messages short (MSG_CTRUNC): who sent it is unknown, and
    // its arrival time is when it was read.
    bool controlTruncated = false;
    const sockaddr_storage *peer = nullptr;  // UDP only
    std::int32_t kernelPid = -1;             // Unix socket only: the sender's pid per the kernel
    std::int64_t receivedNs = 0;             // engine time it arrived, by the kernel's receive stamp
};

class DatagramSink {
public:
    virtual ~DatagramSink() = default;
    virtual void onDatagram(const Datagram &datagram) = 0;
    // A whole recvmmsg batch at once, in order; a sink that can use the look-ahead
    // overrides it.
    virtual void onDatagrams(std::span<const Datagram> batch) {
        for (const Datagram &datagram : batch)
            onDatagram(datagram);
    }
    virtual void onBatchEnd() = 0;
    virtual void onIoError(std::string_view what) = 0;
};

}  // namespace varta
