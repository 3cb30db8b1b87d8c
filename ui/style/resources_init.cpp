#include "ui/style/resources_init.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void registerVartaWatchResources() { Q_INIT_RESOURCE(varta_watch); }

namespace varta::ui {

void initUiResources() {
    static const bool once = [] {
        registerVartaWatchResources();
        return true;
    }();
    Q_UNUSED(once);
}

}  // namespace varta::ui
