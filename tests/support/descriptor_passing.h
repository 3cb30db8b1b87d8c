#pragma once
// Sends a datagram with a descriptor attached (SCM_RIGHTS), as any local process may do
// to a Unix socket it can write to: the way to make the kernel truncate the receiver's
// control messages (MSG_CTRUNC) when it has room for no more than it asked for.

#include <QByteArray>

#include <cstring>

#include <sys/socket.h>

namespace varta::test {

// Sends `bytes` on the connected Unix datagram socket `fd`, passing `passed` along.
inline bool sendPassingDescriptor(int fd, const QByteArray &bytes, int passed) {
    iovec iov{const_cast<char *>(bytes.constData()), static_cast<std::size_t>(bytes.size())};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    cmsghdr *c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &passed, sizeof passed);
    return ::sendmsg(fd, &h, 0) == bytes.size();
}

}  // namespace varta::test
