#pragma once
// Connects the console window to an engine through its link: batches flow to the window,
// the operator's commands flow back, and publishing starts.

namespace varta {
class EngineLink;
class ObserverFleet;
namespace ui {
class MainWindow;

void connectConsole(MainWindow &window, EngineLink &link);
// As connectConsole, for observers elsewhere: the window also learns their names and
// follows each connection (the status bar, a countdown while one reconnects, its rows'
// unknown state).
void connectObservers(MainWindow &window, ObserverFleet &fleet);

}  // namespace ui
}  // namespace varta
