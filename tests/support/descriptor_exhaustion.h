#pragma once
// Every descriptor this process may open, taken: the soft limit lowered to 256 and the
// rest filled with /dev/null, so the next accept() or open() fails with EMFILE. The
// destructor gives them back and restores the limit.

#include <QDir>

#include <cerrno>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace varta::test {

class DescriptorExhaustion {
public:
    static constexpr rlim_t kLimit = 256;

    DescriptorExhaustion() {
        m_ok = ::getrlimit(RLIMIT_NOFILE, &m_saved) == 0
               && QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files).size() < qsizetype(kLimit) - 56;
        const rlimit low{kLimit, m_saved.rlim_max};
        m_ok = m_ok && ::setrlimit(RLIMIT_NOFILE, &low) == 0;
        for (int fd; m_ok && (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
            m_fillers.push_back(fd);
        m_openError = errno;
    }
    ~DescriptorExhaustion() { release(); }
    DescriptorExhaustion(const DescriptorExhaustion &) = delete;
    DescriptorExhaustion &operator=(const DescriptorExhaustion &) = delete;

    // True when the limit was lowered and the last open() failed for want of descriptors.
    bool exhausted() const { return m_ok && m_openError == EMFILE; }

    void release() {
        for (int fd : m_fillers)
            ::close(fd);
        m_fillers.clear();
        if (m_ok)
            ::setrlimit(RLIMIT_NOFILE, &m_saved);
        m_ok = false;
    }

private:
    rlimit m_saved{};
    std::vector<int> m_fillers;
    int m_openError = 0;
    bool m_ok = false;
};

}  // namespace varta::test
