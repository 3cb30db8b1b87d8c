#include "core/published/recovery_command.h"

namespace varta {

AgentFacts agentFactsOf(const ProcessIdentity *identity) {
    if (!identity)
        return {};
    return AgentFacts{identity->unit, identity->comm, identity->uid};
}

std::optional<QStringList> recoveryArgv(const QStringList &execTemplate, const AgentKey &agent, const AgentFacts &facts,
                                        QString *missing) {
    const std::pair<QLatin1String, QString> values[] = {
        {QLatin1String("{pid}"), QString::number(agent.pid)},
        {QLatin1String("{addr}"), agent.addressText()},
        {QLatin1String("{unit}"), facts.unit},
        {QLatin1String("{comm}"), facts.comm},
        {QLatin1String("{uid}"), facts.uid ? QString::number(*facts.uid) : QString()},
    };
    QStringList argv;
    argv.reserve(execTemplate.size());
    for (const QString &arg : execTemplate) {
        // One pass, left to right, so that a value holding "{pid}" (a comm may) is never
        // substituted again.
        QString out;
        qsizetype at = 0;
        while (at < arg.size()) {
            bool replaced = false;
            for (const auto &[name, value] : values) {
                if (!QStringView(arg).mid(at).startsWith(name))
                    continue;
                if (value.isEmpty()) {
                    if (missing)
                        *missing = name;
                    return std::nullopt;
                }
                out += value;
                at += name.size();
                replaced = true;
                break;
            }
            if (!replaced)
                out += arg.at(at++);
        }
        argv.append(out);
    }
    return argv;
}

}  // namespace varta
