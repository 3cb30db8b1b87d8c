#include "core/vlp/aead_context.h"

#include <openssl/evp.h>

namespace varta::vlp {
namespace {

int asInt(std::size_t size) noexcept { return static_cast<int>(size); }

}  // namespace

AeadContext::AeadContext() noexcept : m_ctx(EVP_CIPHER_CTX_new()) {
    // Choose the cipher once; every later init passes only key and nonce.
    if (m_ctx != nullptr && EVP_CipherInit_ex(m_ctx, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr, 1) != 1) {
        EVP_CIPHER_CTX_free(m_ctx);
        m_ctx = nullptr;
    }
}

AeadContext::~AeadContext() {
    // EVP_CIPHER_CTX_free cleanses the key schedule it holds.
    EVP_CIPHER_CTX_free(m_ctx);
}

bool AeadContext::seal(KeyView key, AeadNonceView nonce, std::span<const std::uint8_t> aad, FrameView plaintext,
                       FrameOut ciphertext, std::span<std::uint8_t, kAeadTagSize> tag) noexcept {
    if (m_ctx == nullptr || EVP_CipherInit_ex(m_ctx, nullptr, nullptr, key.data(), nonce.data(), 1) != 1)
        return false;
    int written = 0;
    if (!aad.empty() && EVP_CipherUpdate(m_ctx, nullptr, &written, aad.data(), asInt(aad.size())) != 1)
        return false;
    if (EVP_CipherUpdate(m_ctx, ciphertext.data(), &written, plaintext.data(), asInt(plaintext.size())) != 1
        || written != asInt(kFrameSize))
        return false;
    int tail = 0;
    if (EVP_CipherFinal_ex(m_ctx, ciphertext.data() + written, &tail) != 1)
        return false;
    return EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_AEAD_GET_TAG, asInt(tag.size()), tag.data()) == 1;
}

bool AeadContext::open(KeyView key, AeadNonceView nonce, std::span<const std::uint8_t> aad, FrameView ciphertext,
                       std::span<const std::uint8_t, kAeadTagSize> tag, FrameOut plaintext) noexcept {
    if (m_ctx == nullptr || EVP_CipherInit_ex(m_ctx, nullptr, nullptr, key.data(), nonce.data(), 0) != 1)
        return false;
    int written = 0;
    if (!aad.empty() && EVP_CipherUpdate(m_ctx, nullptr, &written, aad.data(), asInt(aad.size())) != 1)
        return false;
    if (EVP_CipherUpdate(m_ctx, plaintext.data(), &written, ciphertext.data(), asInt(ciphertext.size())) != 1
        || written != asInt(kFrameSize))
        return false;
    // The tag is only read by OpenSSL; the ctrl interface is not const-correct.
    auto *tagBytes = const_cast<std::uint8_t *>(tag.data());
    if (EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_AEAD_SET_TAG, asInt(tag.size()), tagBytes) != 1)
        return false;
    int tail = 0;
    return EVP_CipherFinal_ex(m_ctx, plaintext.data() + written, &tail) == 1;
}

}  // namespace varta::vlp
