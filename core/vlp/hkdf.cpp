#include "core/vlp/hkdf.h"

#include <array>
#include <cstring>
#include <memory>
#include <string_view>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

namespace varta::vlp {
namespace {

// Longest info string: "varta-iv-prefix-v1\0" (19) + u32, or "varta-epoch-v1\0" (15) + u64.
constexpr std::size_t kMaxInfoSize = 32;

struct Info {
    std::array<std::uint8_t, kMaxInfoSize> bytes{};
    std::size_t size = 0;
};

// `label` excludes the trailing NUL, which the wire format includes.
template <typename T>
Info makeInfo(std::string_view label, T value) {
    Info info;
    std::memcpy(info.bytes.data(), label.data(), label.size());
    info.size = label.size() + 1;  // the NUL is already zero
    for (std::size_t i = 0; i < sizeof(T); ++i)
        info.bytes[info.size++] = static_cast<std::uint8_t>(value >> (8 * i));
    return info;
}

// The HKDF implementation, fetched from the provider once for the process: a fetch takes
// a lock and a lookup, and the master-key path derives for every unknown pid.
EVP_KDF *hkdfAlgorithm() noexcept {
    static EVP_KDF *const kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
    return kdf;
}

struct KdfContextFree {
    void operator()(EVP_KDF_CTX *ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};

// One context per thread with its digest set once (naming the digest per derivation
// fetches it again each time). Freed, and its last key wiped, when the thread ends.
EVP_KDF_CTX *threadContext() noexcept {
    thread_local std::unique_ptr<EVP_KDF_CTX, KdfContextFree> ctx;
    if (!ctx) {
        EVP_KDF *kdf = hkdfAlgorithm();
        std::unique_ptr<EVP_KDF_CTX, KdfContextFree> fresh(kdf ? EVP_KDF_CTX_new(kdf) : nullptr);
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end(),
        };
        if (fresh && EVP_KDF_CTX_set_params(fresh.get(), params) == 1)
            ctx = std::move(fresh);
    }
    return ctx.get();
}

// HKDF-SHA256 extract-and-expand with an empty salt (all three derivations use one).
bool hkdfSha256(std::span<const std::uint8_t> ikm, const Info &info, std::span<std::uint8_t> out) noexcept {
    EVP_KDF_CTX *ctx = threadContext();
    if (ctx == nullptr)
        return false;
    // OSSL_PARAM takes non-const pointers but only reads these buffers.
    auto *key = const_cast<std::uint8_t *>(ikm.data());
    auto *infoBytes = const_cast<std::uint8_t *>(info.bytes.data());
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key, ikm.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, infoBytes, info.size),
        OSSL_PARAM_construct_end(),
    };
    // Each derivation replaces the key and the info of the one before.
    const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
    if (!ok)
        OPENSSL_cleanse(out.data(), out.size());
    return ok;
}

EVP_MAC *hmacAlgorithm() noexcept {
    static EVP_MAC *const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    return mac;
}

}  // namespace

AgentKeyDeriver::AgentKeyDeriver(KeyView master) noexcept {
    EVP_MAC *mac = hmacAlgorithm();
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
    if (ctx == nullptr)
        return;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    // Extract with HKDF's empty salt, which RFC 5869 makes HashLen zero bytes.
    const std::array<std::uint8_t, kKeySize> zeros{};
    KeyBytes prk{};
    std::size_t length = 0;
    const bool ok = EVP_MAC_init(ctx, zeros.data(), zeros.size(), params) == 1
                    && EVP_MAC_update(ctx, master.data(), master.size()) == 1
                    && EVP_MAC_final(ctx, prk.data(), &length, prk.size()) == 1 && length == prk.size()
                    && EVP_MAC_init(ctx, prk.data(), prk.size(), nullptr) == 1;
    OPENSSL_cleanse(prk.data(), prk.size());
    if (ok)
        m_mac = ctx;
    else
        EVP_MAC_CTX_free(ctx);
}

AgentKeyDeriver::~AgentKeyDeriver() { EVP_MAC_CTX_free(m_mac); }

bool AgentKeyDeriver::derive(std::uint32_t pid, KeyOut out) noexcept {
    if (m_mac == nullptr)
        return false;
    Info info = makeInfo("varta-agent-v1", pid);
    info.bytes[info.size++] = 0x01;  // HKDF-Expand's block counter: L = 32 is one block
    std::size_t length = 0;
    // A null key restarts the HMAC with the PRK it was keyed with.
    const bool ok = EVP_MAC_init(m_mac, nullptr, 0, nullptr) == 1
                    && EVP_MAC_update(m_mac, info.bytes.data(), info.size) == 1
                    && EVP_MAC_final(m_mac, out.data(), &length, out.size()) == 1 && length == out.size();
    if (!ok)
        OPENSSL_cleanse(out.data(), out.size());
    return ok;
}

void wipe(std::span<std::uint8_t> bytes) noexcept { OPENSSL_cleanse(bytes.data(), bytes.size()); }

bool deriveAgentKey(KeyView master, std::uint32_t pid, KeyOut out) noexcept {
    return hkdfSha256(master, makeInfo("varta-agent-v1", pid), out);
}

std::optional<IvRandom> deriveIvPrefix(SessionSaltView sessionSalt, std::uint32_t prefixIndex) noexcept {
    IvRandom prefix{};
    if (!hkdfSha256(sessionSalt, makeInfo("varta-iv-prefix-v1", prefixIndex), prefix))
        return std::nullopt;
    return prefix;
}

bool deriveEpochKey(KeyView agentKey, std::uint64_t epoch, KeyOut out) noexcept {
    return hkdfSha256(agentKey, makeInfo("varta-epoch-v1", epoch), out);
}

}  // namespace varta::vlp
