#pragma once
// Connects the console window to the engine: batches flow to the window, the
// operator's commands flow back as queued calls, and publishing starts.

namespace varta {
class Observer;
namespace ui {
class MainWindow;

void connectConsole(MainWindow &window, Observer *observer);

}  // namespace ui
}  // namespace varta
