#pragma once
// ChaCha20-Poly1305 (RFC 8439) over one 32-byte VLP frame, through OpenSSL's EVP
// interface. One OpenSSL cipher context is made up front and re-keyed per call, so
// sealing and opening allocate nothing (the receive path runs per datagram).

#include "core/vlp/frame.h"
#include "core/vlp/hkdf.h"

#include <cstddef>
#include <cstdint>
#include <span>

#include <openssl/types.h>

namespace varta::vlp {

inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

using AeadNonceView = std::span<const std::uint8_t, kAeadNonceSize>;
using FrameView = std::span<const std::uint8_t, kFrameSize>;
using FrameOut = std::span<std::uint8_t, kFrameSize>;

class AeadContext {
public:
    AeadContext() noexcept;
    ~AeadContext();
    AeadContext(const AeadContext &) = delete;
    AeadContext &operator=(const AeadContext &) = delete;

    // False only when OpenSSL could not make a context; every call then fails.
    bool isValid() const noexcept { return m_ctx != nullptr; }

    bool seal(KeyView key, AeadNonceView nonce, std::span<const std::uint8_t> aad, FrameView plaintext,
              FrameOut ciphertext, std::span<std::uint8_t, kAeadTagSize> tag) noexcept;

    // True when the tag verifies. On false, `plaintext` holds garbage the caller must
    // not use (OpenSSL decrypts before it checks the tag).
    bool open(KeyView key, AeadNonceView nonce, std::span<const std::uint8_t> aad, FrameView ciphertext,
              std::span<const std::uint8_t, kAeadTagSize> tag, FrameOut plaintext) noexcept;

private:
    EVP_CIPHER_CTX *m_ctx = nullptr;
};

}  // namespace varta::vlp
