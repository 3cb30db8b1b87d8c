// libFuzzer target: SecureReceiver, the whole secure-listener receive path, with fixed
// test keys. The input is a script of records so that the fuzzer reaches past the AEAD
// tag (it cannot forge one): raw datagrams of any length, frames it chooses sealed with
// a loaded key (shared 60-byte or master 64-byte, any clear pid), and clock advances.
// Besides "no crash" it checks: each refused datagram moves exactly one counter, a frame
// sealed with a loaded key always opens, an accepted frame is the plaintext sealed, and
// an accepted datagram delivered again is refused as a replay.
#include "core/ingest/ingest_counters.h"
#include "core/ingest/secure_receiver.h"
#include "core/vlp/crc32c.h"
#include "core/vlp/secure_frame.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

using namespace varta;
using Result = SecureReceiver::Result;

namespace {

constexpr std::size_t kSenderCapacity = 4;  // small, so the fuzzer fills it
constexpr std::size_t kMaxRawLength = 70;   // every length class, with room to spare

void require(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz_secure_open: %s\n", what);
        std::abort();
    }
}

using Key = std::array<std::uint8_t, vlp::kKeySize>;

Key vectorKey() {  // upstream's vector key 00..1f: the seed corpus's datagrams open
    Key key{};
    std::iota(key.begin(), key.end(), std::uint8_t(0));
    return key;
}

Key filledKey(std::uint8_t value) {
    Key key{};
    key.fill(value);
    return key;
}

QByteArray bytesOf(const Key &key) {
    return QByteArray(reinterpret_cast<const char *>(key.data()), static_cast<qsizetype>(key.size()));
}

const SecureOptions &testKeys() {
    static const SecureOptions options = [] {
        SecureOptions o;
        o.keys = {bytesOf(vectorKey()), bytesOf(filledKey(0x22))};
        o.masterKey = bytesOf(vectorKey());
        return o;
    }();
    return options;
}

class Reader {
public:
    Reader(const std::uint8_t *data, std::size_t size) : m_data(data), m_size(size) {}
    bool empty() const { return m_pos >= m_size; }
    std::uint8_t byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    std::uint32_t u32() {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i)
            value |= static_cast<std::uint32_t>(byte()) << (8 * i);
        return value;
    }
    void fill(std::uint8_t *out, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            out[i] = byte();
    }

private:
    const std::uint8_t *m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

std::uint64_t counterTotal(const IngestCounters &i, const SecureCounters &s) {
    return std::accumulate(i.decodeErrors.begin(), i.decodeErrors.end(), std::uint64_t(0)) + i.truncated
           + i.authFailures + s.decryptFailures + s.replayRefused + s.senderStateFull;
}

struct Harness {
    IngestCounters ingest;
    SecureCounters secure;
    SecureReceiver receiver{testKeys(), ingest, secure, kSenderCapacity};
    vlp::AeadContext aead;
    std::int64_t nowNs = 0;

    SecureReceiver::Outcome deliver(std::span<const std::uint8_t> datagram) {
        const std::uint64_t before = counterTotal(ingest, secure);
        const auto outcome = receiver.receive(datagram, nowNs);
        const std::uint64_t moved = counterTotal(ingest, secure) - before;
        require(moved == (outcome.result == Result::Accepted ? 0u : 1u), "counter accounting");
        if (outcome.result == Result::Accepted)
            require(receiver.receive(datagram, nowNs).result == Result::Replayed,
                    "an accepted datagram delivered again was not refused");
        return outcome;
    }

    void raw(Reader &in) {
        std::array<std::uint8_t, kMaxRawLength> buffer{};
        const std::size_t length = in.byte() % (kMaxRawLength + 1);
        in.fill(buffer.data(), length);
        const auto result = deliver(std::span(buffer.data(), length)).result;
        const auto kind = vlp::classifyLength(length);
        require((result == Result::WrongLength) == (kind == vlp::DatagramKind::WrongLength), "length verdict");
        if (kind == vlp::DatagramKind::Plain)
            require(result == Result::DecryptFailed, "plaintext on a secure listener");
    }

    // op bit 2: the second shared key; bit 3: repair the CRC so decoding mostly succeeds;
    // bit 4 (master): claim the frame's own pid in the clear.
    void sealed(Reader &in, std::uint8_t op, bool master) {
        vlp::IvRandom iv{};
        iv.fill(in.byte());  // few distinct ivs: collisions exercise the replay rules
        const std::uint32_t counter = (op & 0x20) ? in.u32() : in.byte();
        std::array<std::uint8_t, vlp::kFrameSize> plain{};
        in.fill(plain.data(), plain.size());
        if (op & 0x08) {
            const std::uint32_t crc = vlp::crc32c(std::span<const std::uint8_t>(plain.data(), 28));
            for (int i = 0; i < 4; ++i)
                plain[28 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
        }
        std::array<std::uint8_t, vlp::kMasterSecureFrameSize> wire{};
        std::size_t length = vlp::kSharedSecureFrameSize;
        if (master) {
            std::uint32_t pid = 0;
            std::memcpy(&pid, plain.data() + 4, 4);  // little-endian host
            if (!(op & 0x10))
                pid = in.u32();
            Key agentKey{};
            require(vlp::deriveAgentKey(vectorKey(), pid, agentKey), "derive");
            require(vlp::sealMaster(aead, agentKey, pid, iv, counter, plain, wire), "seal master");
            length = vlp::kMasterSecureFrameSize;
        } else {
            const Key key = (op & 0x04) ? filledKey(0x22) : vectorKey();
            require(vlp::sealShared(aead, key, iv, counter, plain, std::span(wire).first<60>()), "seal");
        }
        const auto outcome = deliver(std::span(wire.data(), length));
        require(outcome.result != Result::DecryptFailed && outcome.result != Result::WrongLength,
                "a frame sealed with a loaded key did not open");
        if (outcome.result == Result::Accepted) {
            const auto encoded = vlp::encode(outcome.frame);
            require(std::memcmp(encoded.data(), plain.data(), plain.size()) == 0,
                    "accepted frame differs from the sealed plaintext");
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    Harness harness;
    Reader in(data, size);
    while (!in.empty()) {
        const std::uint8_t op = in.byte();
        switch (op & 0x03) {
        case 0: harness.raw(in); break;
        case 1: harness.sealed(in, op, false); break;
        case 2: harness.sealed(in, op, true); break;
        case 3: harness.nowNs += static_cast<std::int64_t>(in.byte()) * 10'000'000'000; break;
        }
    }
    return 0;
}
