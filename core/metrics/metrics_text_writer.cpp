#include "core/metrics/metrics_text_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace varta {

namespace {

bool isNameStart(char c, bool allowColon) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allowColon && c == ':');
}

bool isNameChar(char c, bool allowColon) noexcept { return isNameStart(c, allowColon) || (c >= '0' && c <= '9'); }

bool isValidName(std::string_view name, bool allowColon) noexcept {
    if (name.empty() || !isNameStart(name.front(), allowColon))
        return false;
    for (const char c : name) {
        if (!isNameChar(c, allowColon))
            return false;
    }
    return true;
}

// One pass over short values (pids, addresses) beats find_first_of's memchr per character.
bool needsEscape(std::string_view text, bool escapeQuotes) noexcept {
    for (const char c : text) {
        if (c == '\\' || c == '\n' || (escapeQuotes && c == '"'))
            return true;
    }
    return false;
}

}  // namespace

std::string_view MetricsTextWriter::formatShortest(char *buffer, std::size_t size, double value) noexcept {
    // Plain decimals where they stay short ("0.0005", not to_chars' shorter "5e-04"), so
    // bucket bounds read the way every other exporter writes them.
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0.0 || (magnitude >= 1e-5 && magnitude < 1e15);
    const auto result = plain ? std::to_chars(buffer, buffer + size, value, std::chars_format::fixed)
                              : std::to_chars(buffer, buffer + size, value);
    return std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer));
}

MetricsTextWriter::MetricsTextWriter(qsizetype expectedBytes, QByteArray reuse) {
    // A buffer someone else still holds (a response being sent) must not be written to.
    if (reuse.isDetached())
        m_buffer = std::move(reuse);
    // resize(), not reserve(): the bytes are written through m_data and the unused tail
    // is cut off in take(). Within the capacity, resize() neither copies nor allocates.
    m_buffer.resize(std::max({expectedBytes, m_buffer.capacity(), qsizetype{64}}));
    m_data = m_buffer.data();
    m_capacity = m_buffer.size();
}

void MetricsTextWriter::grow(qsizetype needed) {
    qsizetype capacity = m_capacity;
    while (capacity < needed)
        capacity *= 2;
    m_buffer.resize(capacity);
    m_data = m_buffer.data();
    m_capacity = m_buffer.size();
}

void MetricsTextWriter::appendNumber(std::uint64_t value) {
    constexpr qsizetype kMaxDigits = 20;
    ensure(kMaxDigits);
    const auto result = std::to_chars(m_data + m_used, m_data + m_used + kMaxDigits, value);
    m_used = result.ptr - m_data;
}

void MetricsTextWriter::appendNumber(double value) {
    // The format spells the special values this way; to_chars would write "inf"/"nan".
    if (std::isnan(value))
        return append(std::string_view("NaN"));
    if (std::isinf(value))
        return append(std::string_view(value > 0 ? "+Inf" : "-Inf"));
    char digits[64];
    append(formatShortest(digits, sizeof digits, value));
}

void MetricsTextWriter::appendEscaped(std::string_view text, bool escapeQuotes) {
    if (!needsEscape(text, escapeQuotes))
        return append(text);
    // Runs of ordinary bytes are copied in one go; only \ " and newline need a prefix.
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\\' && c != '\n' && !(escapeQuotes && c == '"'))
            continue;
        append(text.substr(start, i - start));
        append(std::string_view(c == '\\' ? "\\\\" : c == '\n' ? "\\n" : "\\\""));
        start = i + 1;
    }
    append(text.substr(start));
}

void MetricsTextWriter::familyHeader(std::string_view name, std::string_view type, std::string_view help) {
    append(std::string_view("# HELP "));
    append(name);
    append(' ');
    appendEscaped(help, false);
    append(std::string_view("\n# TYPE "));
    append(name);
    append(' ');
    append(type);
    append('\n');
}

void MetricsTextWriter::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    append(name);
    append(labels);
    append(' ');
    appendNumber(value);
    append('\n');
}

void MetricsTextWriter::sample(std::string_view name, std::string_view labels, double value) {
    append(name);
    append(labels);
    append(' ');
    appendNumber(value);
    append('\n');
}

void MetricsTextWriter::beginRow(std::string_view name) {
    append(name);
    m_rowHasLabels = false;
}

void MetricsTextWriter::beginRow(std::string_view name, std::string_view suffix) {
    append(name);
    append(suffix);
    m_rowHasLabels = false;
}

void MetricsTextWriter::label(std::string_view name, std::string_view value) {
    append(m_rowHasLabels ? ',' : '{');
    m_rowHasLabels = true;
    append(name);
    append(std::string_view("=\""));
    appendEscaped(value, true);
    append('"');
}

void MetricsTextWriter::label(std::string_view name, std::uint64_t value) {
    append(m_rowHasLabels ? ',' : '{');
    m_rowHasLabels = true;
    append(name);
    append(std::string_view("=\""));
    appendNumber(value);
    append('"');
}

void MetricsTextWriter::endRow(std::uint64_t value) {
    append(std::string_view(m_rowHasLabels ? "} " : " "));
    appendNumber(value);
    append('\n');
}

void MetricsTextWriter::endRow(double value) {
    append(std::string_view(m_rowHasLabels ? "} " : " "));
    appendNumber(value);
    append('\n');
}

QByteArray MetricsTextWriter::take() {
    m_buffer.truncate(m_used);
    QByteArray result = std::move(m_buffer);
    m_buffer = QByteArray();
    m_buffer.resize(64);
    m_data = m_buffer.data();
    m_capacity = m_buffer.size();
    m_used = 0;
    return result;
}

QByteArray MetricsTextWriter::renderLabels(std::initializer_list<MetricLabel> labels) {
    if (labels.size() == 0)
        return {};
    MetricsTextWriter writer(128);
    for (const MetricLabel &label : labels)
        writer.label(label.name, label.value);
    writer.append('}');
    return writer.take();
}

bool MetricsTextWriter::isValidMetricName(std::string_view name) noexcept { return isValidName(name, true); }

bool MetricsTextWriter::isValidLabelName(std::string_view name) noexcept { return isValidName(name, false); }

}  // namespace varta
