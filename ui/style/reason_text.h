#pragma once
// The tokens the engine, the audit log and the control socket use for why something was
// refused or how an operator's action ended ("debounced", "not_paused", "gave_up"), in the
// operator's words and language. The tokens stay in the texts for grep; the console adds
// the words beside them.

#include <QCoreApplication>
#include <QString>

namespace varta::ui {

class ReasonText {
    Q_DECLARE_TR_FUNCTIONS(varta::ui::ReasonText)

public:
    // Empty for "ok" and for a token this version does not know.
    static QString words(const QString &token);
    // "debounced (started less than --recovery-debounce-ms ago)", or the token alone.
    static QString withWords(const QString &token);
};

}  // namespace varta::ui
