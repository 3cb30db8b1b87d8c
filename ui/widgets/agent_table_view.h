#pragma once
// The agents table's view: a QTableView that, while it shows no rows, says why in its
// middle (no agents yet, or none that the filter lets through). The window decides the
// message; the view only draws it.

#include <QTableView>

namespace varta::ui {

class AgentTableView : public QTableView {
    Q_OBJECT
public:
    explicit AgentTableView(QWidget *parent = nullptr);

    // Drawn while the model has no rows; empty draws nothing.
    void setEmptyMessage(const QString &message);
    QString emptyMessage() const { return m_emptyMessage; }
    // The message as the operator sees it now: empty while there are rows.
    QString shownEmptyMessage() const;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_emptyMessage;
};

}  // namespace varta::ui
