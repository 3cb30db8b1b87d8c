#include "ui/widgets/timeline/timeline_pane.h"

#include "ui/widgets/timeline/fleet_band.h"
#include "ui/widgets/timeline/stall_timeline_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace varta::ui {

namespace {
constexpr EngineMs kMinute = 60'000;
}  // namespace

TimelinePane::TimelinePane(QWidget *parent) : QWidget(parent) {
    auto *title = new QLabel(tr("<b>Stall timeline</b>"), this);
    m_window = new QComboBox(this);
    m_window->setObjectName(QStringLiteral("timelineWindow"));
    m_window->addItem(tr("Last 15 seconds"), QVariant::fromValue<qlonglong>(kMinute / 4));
    m_window->addItem(tr("Last minute"), QVariant::fromValue<qlonglong>(kMinute));
    m_window->addItem(tr("Last 5 minutes"), QVariant::fromValue<qlonglong>(5 * kMinute));
    m_window->addItem(tr("Last 15 minutes"), QVariant::fromValue<qlonglong>(15 * kMinute));
    m_window->addItem(tr("Last hour"), QVariant::fromValue<qlonglong>(60 * kMinute));
    m_window->setToolTip(tr("How much time the timeline shows"));
    m_live = new QToolButton(this);
    m_live->setObjectName(QStringLiteral("timelineLive"));
    m_live->setText(tr("Back to live"));
    m_live->setToolTip(tr("Follow the current time again after zooming or panning"));
    m_live->setEnabled(false);
    m_hint = new QLabel(tr("Wheel: zoom · drag: pan · hover: exact times"), this);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_view = new StallTimelineView(this);
    m_view->setObjectName(QStringLiteral("stallTimeline"));
    m_band = new FleetBand(this);
    m_band->setObjectName(QStringLiteral("fleetBand"));
    m_band->setAxis(m_view);

    auto *header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 0);
    header->addWidget(title);
    header->addSpacing(12);
    header->addWidget(m_window);
    header->addWidget(m_live);
    header->addStretch(1);
    header->addWidget(m_hint);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(header);
    layout->addWidget(m_band);
    layout->addWidget(m_view, 1);

    connect(m_window, &QComboBox::activated, this,
            [this](int index) { m_view->setWindowSpan(m_window->itemData(index).toLongLong()); });
    connect(m_live, &QToolButton::clicked, this, [this] { m_view->setWindowSpan(windowSpan()); });
    connect(m_view, &StallTimelineView::viewChanged, this, &TimelinePane::onViewChanged);
    setWindowSpan(5 * kMinute);
}

void TimelinePane::setWindowSpan(EngineMs spanMs) {
    int nearest = 0;
    for (int i = 1; i < m_window->count(); ++i)
        if (std::abs(m_window->itemData(i).toLongLong() - spanMs)
            < std::abs(m_window->itemData(nearest).toLongLong() - spanMs))
            nearest = i;
    m_window->setCurrentIndex(nearest);
    m_view->setWindowSpan(m_window->itemData(nearest).toLongLong());
}

EngineMs TimelinePane::windowSpan() const { return m_window->currentData().toLongLong(); }

void TimelinePane::onViewChanged() {
    const bool atPreset = m_view->windowSpan() == windowSpan();
    m_live->setEnabled(!m_view->isLive() || !atPreset);
}

}  // namespace varta::ui
