#pragma once
// The console's language. Translations are compiled into the binary (":/i18n").

#include <QString>

class QApplication;

namespace varta::ui {

// Installs varta-watch's translation for `lang` ("de", "de_DE"; empty: the system
// locale), plus Qt's own for standard dialog buttons when available. Returns true when
// the language is English (the source language) or its translation was installed. The
// language's locale becomes the default, so sizes, numbers and dates follow it too.
bool installTranslator(QApplication &app, const QString &lang);

}  // namespace varta::ui
