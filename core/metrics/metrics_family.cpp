#include "core/metrics/metrics_family.h"

#include "core/base/histogram.h"

#include <QtGlobal>

namespace varta {

namespace {

std::string_view view(const QByteArray &bytes) {
    return std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

void checkLabels(std::initializer_list<MetricLabel> labels) {
    for (const MetricLabel &label : labels) {
        Q_ASSERT_X(MetricsTextWriter::isValidLabelName(label.name), "MetricsFamily", "invalid label name");
        // "le" belongs to histogram buckets and "__" names are Prometheus's own.
        Q_ASSERT_X(label.name != "le" && !label.name.starts_with("__"), "MetricsFamily", "reserved label name");
    }
}

}  // namespace

MetricsFamily::MetricsFamily(std::string name, MetricType type, std::string help)
    : m_name(std::move(name)), m_type(type), m_help(std::move(help)) {
    Q_ASSERT_X(MetricsTextWriter::isValidMetricName(m_name), "MetricsFamily", "invalid metric name");
}

MetricsFamily &MetricsFamily::addValue(const std::uint64_t *value, std::initializer_list<MetricLabel> labels) {
    Q_ASSERT(value && m_type != MetricType::Histogram);
    checkLabels(labels);
    m_samples.push_back(Sample{MetricsTextWriter::renderLabels(labels), value});
    return *this;
}

MetricsFamily &MetricsFamily::addInteger(IntegerSource source, std::initializer_list<MetricLabel> labels) {
    Q_ASSERT(source && m_type != MetricType::Histogram);
    checkLabels(labels);
    m_samples.push_back(Sample{MetricsTextWriter::renderLabels(labels), std::move(source)});
    return *this;
}

MetricsFamily &MetricsFamily::addReal(RealSource source, std::initializer_list<MetricLabel> labels) {
    Q_ASSERT(source && m_type != MetricType::Histogram);
    checkLabels(labels);
    m_samples.push_back(Sample{MetricsTextWriter::renderLabels(labels), std::move(source)});
    return *this;
}

MetricsFamily &MetricsFamily::setRowWriter(RowWriter writer) {
    Q_ASSERT(m_type != MetricType::Histogram);
    m_rowWriter = std::move(writer);
    return *this;
}

MetricsFamily &MetricsFamily::setHistogram(const Histogram *histogram) {
    Q_ASSERT(m_type == MetricType::Histogram);
    m_histograms.assign(1, LabelledHistogram{{}, {}, histogram});
    return *this;
}

MetricsFamily &MetricsFamily::addHistogram(const Histogram *histogram, MetricLabel label) {
    Q_ASSERT(m_type == MetricType::Histogram && histogram);
    checkLabels({label});
    m_histograms.push_back(LabelledHistogram{std::string(label.name), std::string(label.value), histogram});
    return *this;
}

std::string_view MetricsFamily::typeName(MetricType type) noexcept {
    switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
    }
    return "untyped";
}

void MetricsFamily::render(MetricsTextWriter &out) const {
    out.familyHeader(m_name, typeName(m_type), m_help);
    if (m_type == MetricType::Histogram)
        return renderHistogram(out);
    for (const Sample &sample : m_samples) {
        if (const auto *pointer = std::get_if<const std::uint64_t *>(&sample.source))
            out.sample(m_name, view(sample.labels), **pointer);
        else if (const auto *integer = std::get_if<IntegerSource>(&sample.source))
            out.sample(m_name, view(sample.labels), (*integer)());
        else
            out.sample(m_name, view(sample.labels), std::get<RealSource>(sample.source)());
    }
    if (m_rowWriter)
        m_rowWriter(out, m_name);
}

void MetricsFamily::renderHistogram(MetricsTextWriter &out) const {
    for (const LabelledHistogram &h : m_histograms) {
        if (!h.histogram)
            continue;
        const auto label = [&] {
            if (!h.labelName.empty())
                out.label(h.labelName, h.labelValue);
        };
        const auto bounds = h.histogram->upperBounds();
        char le[64];
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
            out.beginRow(m_name, "_bucket");
            label();
            if (i < bounds.size()) {
                out.label("le", MetricsTextWriter::formatShortest(le, sizeof le, bounds[i]));
            } else {
                out.label("le", "+Inf");
            }
            out.endRow(h.histogram->cumulativeCount(i));
        }
        out.beginRow(m_name, "_sum");
        label();
        out.endRow(h.histogram->sum());
        out.beginRow(m_name, "_count");
        label();
        out.endRow(h.histogram->count());
    }
}

}  // namespace varta
