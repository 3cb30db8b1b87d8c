#include "ui/widgets/connect_observer_dialog.h"

#include "core/attach/attach_credentials.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace varta::ui {

namespace {

const QString kRecentKey = QStringLiteral("observers/recent");

struct Remembered {
    QString address;
    QString tokenFile;
    QString caFile;
};

QList<Remembered> remembered() {
    QList<Remembered> list;
    QSettings settings;
    const int n = settings.beginReadArray(kRecentKey);
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        list.append(Remembered{settings.value(QStringLiteral("address")).toString(),
                               settings.value(QStringLiteral("tokenFile")).toString(),
                               settings.value(QStringLiteral("caFile")).toString()});
    }
    settings.endArray();
    return list;
}

QWidget *withBrowse(QLineEdit *field, QWidget *parent, const QString &title) {
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(field, 1);
    auto *browse = new QPushButton(ConnectObserverDialog::tr("Browse…"), row);
    QObject::connect(browse, &QPushButton::clicked, row, [field, parent, title] {
        const QString path = QFileDialog::getOpenFileName(parent, title, field->text());
        if (!path.isEmpty())
            field->setText(path);
    });
    layout->addWidget(browse);
    return row;
}

}  // namespace

ConnectObserverDialog::ConnectObserverDialog(QWidget *parent) : QDialog(parent) {
    setWindowTitle(tr("Connect to observer"));
    m_address = new QComboBox(this);
    m_address->setEditable(true);
    m_address->setMinimumContentsLength(32);
    m_address->lineEdit()->setPlaceholderText(tr("unix:/run/varta-watch/control.sock or db1.example:7300"));
    for (const Remembered &r : remembered())
        m_address->addItem(r.address);
    m_address->setCurrentIndex(-1);
    m_tokenFile = new QLineEdit(this);
    m_tokenFile->setPlaceholderText(tr("a private file whose first line is the token"));
    m_caFile = new QLineEdit(this);
    m_caFile->setPlaceholderText(tr("the system's certificates"));
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setObjectName(QStringLiteral("connectObserverError"));
    m_error->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("&Observer:"), m_address);
    form->addRow(tr("&Token file:"), withBrowse(m_tokenFile, this, tr("The token file")));
    form->addRow(tr("Trusted &certificates:"), withBrowse(m_caFile, this, tr("The observer's certificate or CA")));
    auto *hint = new QLabel(tr("A HOST:PORT observer serves --console-listen and admits consoles by token; its "
                               "TLS certificate is checked against the file above. unix:PATH is an observer's "
                               "control socket on this host."),
                            this);
    hint->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("C&onnect"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectObserverDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_address, &QComboBox::activated, this, &ConnectObserverDialog::fillFromRemembered);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(hint);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

QString ConnectObserverDialog::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

void ConnectObserverDialog::fillFromRemembered(int index) {
    const QList<Remembered> list = remembered();
    if (index < 0 || index >= list.size())
        return;
    m_tokenFile->setText(list[index].tokenFile);
    m_caFile->setText(list[index].caFile);
}

void ConnectObserverDialog::accept() {
    QString error;
    const QString address = m_address->currentText().trimmed();
    const std::optional<AttachTarget> target = AttachTarget::parse(address, &error);
    RemoteEngineLink::Settings settings;
    if (target) {
        settings.target = *target;
        const QString tokenFile = m_tokenFile->text().trimmed();
        const QString caFile = m_caFile->text().trimmed();
        if (!target->isUnix() && tokenFile.isEmpty()) {
            error = tr("A HOST:PORT observer needs a token file.");
        } else if (!target->isUnix()) {
            if (const std::optional<QByteArray> token = readAttachToken(tokenFile, &error))
                settings.token = *token;
            if (error.isEmpty() && !caFile.isEmpty()) {
                if (const std::optional<QList<QSslCertificate>> ca = readAttachCa(caFile, &error))
                    settings.caCertificates = *ca;
            }
        }
    } else {
        error = tr("%1: %2").arg(address, error);
    }
    if (!error.isEmpty()) {
        m_error->setText(error);
        m_error->show();
        return;
    }
    m_settings = settings;
    remember();
    QDialog::accept();
}

void ConnectObserverDialog::remember() const {
    QList<Remembered> list = remembered();
    const QString address = m_settings.target.text();
    list.removeIf([&](const Remembered &r) { return r.address == address; });
    list.prepend(Remembered{address, m_tokenFile->text().trimmed(), m_caFile->text().trimmed()});
    while (list.size() > kMaxRemembered)
        list.removeLast();
    QSettings settings;
    settings.beginWriteArray(kRecentKey, static_cast<int>(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("address"), list[i].address);
        settings.setValue(QStringLiteral("tokenFile"), list[i].tokenFile);
        settings.setValue(QStringLiteral("caFile"), list[i].caFile);
    }
    settings.endArray();
}

}  // namespace varta::ui
