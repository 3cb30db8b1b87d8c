#include "ui/models/origin_labels.h"

namespace varta::ui {

QString OriginLabels::label(const AgentKey &key) {
    const Origin origin{key.address, key.transport};
    if (const auto it = m_labels.constFind(origin); it != m_labels.cend())
        return *it;
    if (m_labels.size() >= kMaxOrigins) {
        m_labels.clear();
        ++m_restarts;
    }
    return *m_labels.insert(origin, key.originLabel());
}

}  // namespace varta::ui
