#pragma once
// A column of an event file or audit log as a decimal number: digits only, the whole
// column, in range; nothing otherwise.

#include <QByteArrayView>

#include <charconv>
#include <optional>

namespace varta::ui {

template <typename T>
std::optional<T> decimalField(QByteArrayView text) {
    T value{};
    const char *end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.isEmpty() || error != std::errc() || stop != end)
        return std::nullopt;
    return value;
}

}  // namespace varta::ui
