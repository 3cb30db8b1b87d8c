#pragma once
// Writes the Prometheus text exposition format 0.0.4 into one growing buffer. Every
// piece (names, escaped label values, numbers) is copied straight into the buffer, so
// a row costs a few memcpy calls and no temporary strings: per-agent families with a
// hundred thousand rows go through here.

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>

namespace varta {

struct MetricLabel {
    std::string_view name;
    std::string_view value;
};

class MetricsTextWriter {
public:
    // `reuse` lends its memory when nobody else shares it: a large render then writes
    // into pages that are already mapped instead of faulting in fresh ones every time.
    explicit MetricsTextWriter(qsizetype expectedBytes = 4096, QByteArray reuse = {});

    // "# HELP name help" and "# TYPE name type".
    void familyHeader(std::string_view name, std::string_view type, std::string_view help);

    // A whole sample line; `labels` is already rendered by renderLabels() (or empty).
    void sample(std::string_view name, std::string_view labels, std::uint64_t value);
    void sample(std::string_view name, std::string_view labels, double value);

    // A sample built piece by piece: beginRow, label..., endRow. A row may have no labels.
    void beginRow(std::string_view name);
    void beginRow(std::string_view name, std::string_view suffix);
    void label(std::string_view name, std::string_view value);
    void label(std::string_view name, std::uint64_t value);
    void endRow(std::uint64_t value);
    void endRow(double value);

    qsizetype size() const noexcept { return m_used; }
    QByteArray take();

    // `{a="x",b="y"}` with values escaped; empty for an empty list.
    static QByteArray renderLabels(std::initializer_list<MetricLabel> labels);
    static bool isValidMetricName(std::string_view name) noexcept;
    static bool isValidLabelName(std::string_view name) noexcept;
    // Shortest text that reads back as `value` (finite values only); `size` >= 32.
    static std::string_view formatShortest(char *buffer, std::size_t size, double value) noexcept;

private:
    // Inline, so pieces of constant length become plain stores and a row costs no calls.
    void ensure(qsizetype extra) {
        if (m_used + extra > m_capacity)
            grow(m_used + extra);
    }
    void append(std::string_view text) {
        ensure(static_cast<qsizetype>(text.size()));
        std::memcpy(m_data + m_used, text.data(), text.size());
        m_used += static_cast<qsizetype>(text.size());
    }
    void append(char c) {
        ensure(1);
        m_data[m_used++] = c;
    }
    void appendNumber(std::uint64_t value);
    void appendNumber(double value);
    void appendEscaped(std::string_view text, bool escapeQuotes);
    void grow(qsizetype needed);

    QByteArray m_buffer;
    char *m_data = nullptr;
    qsizetype m_capacity = 0;
    qsizetype m_used = 0;
    bool m_rowHasLabels = false;
};

}  // namespace varta
