#pragma once
// --heartbeat-file: "<loop_count> <observer_ns>\n", replaced atomically (a new file
// PATH.<pid>.<seq>.tmp, mode 0600, created exclusively, then renamed over PATH), so a
// liveness probe reading it sees a whole line or the previous one, never half.

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace varta {

class HeartbeatFile {
public:
    explicit HeartbeatFile(QString path);

    // False with the reason; the temporary file is removed on every failure.
    bool write(std::uint64_t loopCount, std::int64_t observerNs, QString *error);
    const QString &path() const { return m_path; }

private:
    QString m_path;
    QByteArray m_nativePath;
    std::uint64_t m_sequence = 0;
};

}  // namespace varta
