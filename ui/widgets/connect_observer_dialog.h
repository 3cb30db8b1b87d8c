#pragma once
// File -> Connect to observer…: where the observer is (unix:PATH, or HOST:PORT with the
// token file and, for a self-signed certificate, the CA file). What was entered is
// remembered for next time (QSettings "observers/recent": addresses and paths, never a
// token); the dialog accepts only what reads, and says in it what does not.

#include "core/attach/remote_engine_link.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;

namespace varta::ui {

class ConnectObserverDialog : public QDialog {
    Q_OBJECT
public:
    static constexpr int kMaxRemembered = 10;

    explicit ConnectObserverDialog(QWidget *parent = nullptr);

    // Valid once accepted: the target, the token and the certificates read.
    const RemoteEngineLink::Settings &settings() const { return m_settings; }

    // For tests and for keyboard users: the fields.
    QComboBox *addressField() const { return m_address; }
    QLineEdit *tokenFileField() const { return m_tokenFile; }
    QLineEdit *caFileField() const { return m_caFile; }
    QString errorText() const;

public Q_SLOTS:
    void accept() override;

private:
    void fillFromRemembered(int index);
    void remember() const;

    QComboBox *m_address = nullptr;
    QLineEdit *m_tokenFile = nullptr;
    QLineEdit *m_caFile = nullptr;
    QLabel *m_error = nullptr;
    RemoteEngineLink::Settings m_settings;
};

}  // namespace varta::ui
