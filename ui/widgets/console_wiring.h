#pragma once
// Connects the console window to an engine through its link: batches flow to the window,
// the operator's commands flow back, and publishing starts.

namespace varta {
class EngineLink;
namespace ui {
class MainWindow;

void connectConsole(MainWindow &window, EngineLink &link);

}  // namespace ui
}  // namespace varta
