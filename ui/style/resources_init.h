#pragma once
// varta_ui is a static library: the linker keeps its compiled-in icons only when some
// code references them. Everything that loads an icon calls this first.

namespace varta::ui {

void initUiResources();

}  // namespace varta::ui
