#pragma once
// One metric family: name, type, help, and where its samples come from. Values are read
// when the family is rendered, never pushed: the engine keeps plain integers and the
// family holds pointers or small callbacks into them.

#include "core/metrics/metrics_text_writer.h"

#include <QByteArray>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace varta {

class Histogram;

enum class MetricType : std::uint8_t { Counter, Gauge, Histogram };

class MetricsFamily {
public:
    using IntegerSource = std::function<std::uint64_t()>;
    using RealSource = std::function<double()>;
    // Writes any number of rows of this family (beginRow(name) ... endRow) straight into
    // the output; for label sets too large to register one by one, such as per agent.
    using RowWriter = std::function<void(MetricsTextWriter &out, std::string_view name)>;

    MetricsFamily(std::string name, MetricType type, std::string help);

    MetricsFamily &addValue(const std::uint64_t *value, std::initializer_list<MetricLabel> labels = {});
    MetricsFamily &addInteger(IntegerSource source, std::initializer_list<MetricLabel> labels = {});
    MetricsFamily &addReal(RealSource source, std::initializer_list<MetricLabel> labels = {});
    MetricsFamily &setRowWriter(RowWriter writer);
    MetricsFamily &setHistogram(const Histogram *histogram);
    // One more histogram of the family under one label (varta_observer_stage_seconds{stage}).
    MetricsFamily &addHistogram(const Histogram *histogram, MetricLabel label);

    const std::string &name() const noexcept { return m_name; }
    MetricType type() const noexcept { return m_type; }
    // Fixed samples registered with add*(); rows from a RowWriter are not counted.
    std::size_t sampleCount() const noexcept { return m_samples.size(); }

    void render(MetricsTextWriter &out) const;

    static std::string_view typeName(MetricType type) noexcept;

private:
    struct Sample {
        QByteArray labels;  // pre-rendered `{k="v"}`: rendering only copies it
        std::variant<const std::uint64_t *, IntegerSource, RealSource> source;
    };

    void renderHistogram(MetricsTextWriter &out) const;

    std::string m_name;
    MetricType m_type;
    std::string m_help;
    std::vector<Sample> m_samples;
    RowWriter m_rowWriter;
    struct LabelledHistogram {
        std::string labelName;  // empty: the family's only histogram
        std::string labelValue;
        const Histogram *histogram;
    };
    std::vector<LabelledHistogram> m_histograms;
};

}  // namespace varta
