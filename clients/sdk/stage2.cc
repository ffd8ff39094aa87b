#include "riec/sdk/stage2.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sealed_box.h"
#include "riec/crypto/sodium.h"

namespace riec::sdk {
namespace {

bool IsKeyId(absl::string_view id) {
  return id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A 32-byte key in hex (a secret one, or a public one: both are read as
// secrets, since the file does not say).
absl::StatusOr<crypto::SecretBytes> ReadHexKey(const std::string& path) {
  auto text = crypto::ReadSecretFile(path);
  if (!text.ok()) return text.status();
  auto bytes = FromHex(absl::StripAsciiWhitespace(text->view()));
  if (!bytes.ok() || bytes->size() != crypto::kBoxPublicKeySize) {
    return absl::DataLossError(absl::StrCat(path, ": not a 32-byte key in hex"));
  }
  return crypto::SecretBytes(*std::move(bytes));
}

}  // namespace

std::string Keyring::DefaultDir() {
  if (const char* env = std::getenv("RIEC_KEYRING"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.local/share/riec/keyring");
}

absl::StatusOr<std::string> Keyring::Generate() {
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  if (absl::Status s = MakeDirectories(dir_, 0700); !s.ok()) return s;
  crypto::BoxKeyPair pair = crypto::GenerateBoxKeyPair();
  const std::string id = crypto::BoxKeyId(pair.public_key);
  const crypto::SecretBytes secret_hex(ToHex(pair.secret_key));  // no newline: no reallocated copy
  absl::Status s = WriteFileAtomically(absl::StrCat(dir_, "/", id, ".key"), secret_hex, 0600);
  if (!s.ok()) return s;
  s = WriteFileAtomically(absl::StrCat(dir_, "/", id, ".pub"), ToHex(pair.public_key) + "\n", 0644);
  if (!s.ok()) return s;
  return id;
}

absl::StatusOr<std::string> Keyring::PublicKey(const std::string& key_id) const {
  if (!IsKeyId(key_id)) return absl::InvalidArgumentError(absl::StrCat("key id '", key_id, "': want 16 hex digits"));
  auto key = ReadHexKey(absl::StrCat(dir_, "/", key_id, ".pub"));
  if (!key.ok()) return key.status();
  return std::string(key->view());  // public
}

absl::StatusOr<crypto::SecretBytes> Keyring::SecretKey(const std::string& key_id) const {
  if (!IsKeyId(key_id)) return absl::InvalidArgumentError(absl::StrCat("key id '", key_id, "': want 16 hex digits"));
  auto key = ReadHexKey(absl::StrCat(dir_, "/", key_id, ".key"));
  if (key.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("keyring ", dir_, " has no secret key ", key_id,
                                            " (the content is sealed to it)"));
  }
  return key;
}

absl::StatusOr<std::string> Keyring::Current() const {
  auto text = ReadFile(dir_ + "/current");
  if (!text.ok()) {
    if (text.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("keyring ", dir_, " has no current key (riec keys register)"));
    }
    return text.status();
  }
  std::string id(absl::StripAsciiWhitespace(*text));
  if (!IsKeyId(id)) return absl::DataLossError(absl::StrCat(dir_, "/current: not a key id"));
  return id;
}

absl::Status Keyring::SetCurrent(const std::string& key_id) {
  if (!IsKeyId(key_id)) return absl::InvalidArgumentError("key id: want 16 hex digits");
  return WriteFileAtomically(dir_ + "/current", key_id + "\n", 0644);
}

absl::StatusOr<std::vector<std::string>> Keyring::List() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 20 && name.substr(16) == ".key" && IsKeyId(name.substr(0, 16))) out.push_back(name.substr(0, 16));
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::UnavailableError(absl::StrCat(dir_, ": ", ec.message()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<v1::EncryptionKey> RegisterKeyringKey(Api& client, Keyring& keyring, bool rotate) {
  std::string id;
  auto current = keyring.Current();
  if (current.ok() && !rotate) {
    id = *current;
  } else if (!current.ok() && current.status().code() != absl::StatusCode::kNotFound) {
    return current.status();
  } else {
    auto generated = keyring.Generate();
    if (!generated.ok()) return generated.status();
    id = *generated;
  }
  auto public_key = keyring.PublicKey(id);
  if (!public_key.ok()) return public_key.status();
  auto registered = client.RegisterKey(*public_key);
  if (!registered.ok()) return registered.status();
  if (registered->key_id() != id) {
    return absl::DataLossError(absl::StrCat("the broker registered key ", registered->key_id(),
                                            " but the keyring's key is ", id));
  }
  if (absl::Status s = keyring.SetCurrent(id); !s.ok()) return s;
  return registered;
}

absl::StatusOr<v1::ContentRequest> ProvideSealed(Api& client, const v1::ContentRequest& request,
                                                 const std::string& content,
                                                 const std::string& category,
                                                 const std::vector<std::string>& use_conditions) {
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  if (crypto::BoxKeyId(request.requester_public_key()) != request.key_id()) {
    return absl::DataLossError(absl::StrCat("request ", request.id(), ": the requester key does not match its fingerprint ",
                                            request.key_id(), "; not providing"));
  }
  auto sealed = crypto::Seal(request.requester_public_key(), content);
  if (!sealed.ok()) return sealed.status();
  v1::ProvideContentRequest req;
  req.set_request_id(request.id());
  req.set_sealed(*std::move(sealed));
  req.set_sha256(crypto::Sha256(content));
  req.set_size(content.size());
  req.set_category(category);
  for (const auto& u : use_conditions) req.add_use_conditions(u);
  req.set_key_id(request.key_id());
  return client.ProvideContent(req);
}

absl::StatusOr<OpenedContent> FetchAndOpen(Api& client, const Keyring& keyring,
                                           const std::string& request_id) {
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  auto request = client.GetRequest(request_id);
  if (!request.ok()) return request.status();
  // Check the key before the one fetch the broker allows.
  auto secret = keyring.SecretKey(request->key_id());
  if (!secret.ok()) return secret.status();
  auto public_key = keyring.PublicKey(request->key_id());
  if (!public_key.ok()) return public_key.status();
  // Prove to the broker that this keyring holds the key the content is
  // sealed to: a stolen certificate alone cannot take the content.
  auto proof = crypto::KeyProof(*secret, request->fetch_challenge(), request->id());
  if (!proof.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "request ", request_id, " carries no usable fetch challenge: ", proof.status().message()));
  }
  auto fetched = client.FetchContent(request_id, *proof);
  if (!fetched.ok()) {
    return fetched.status();
  }
  auto opened = crypto::OpenSealed(*public_key, *secret, fetched->sealed());
  if (!opened.ok()) return opened.status();
  const v1::ContentRequest& r = fetched->request();
  if (opened->size() != r.size() || crypto::Sha256(*opened) != r.sha256()) {
    return absl::DataLossError(absl::StrCat("request ", r.id(), ": the content does not match the size and SHA-256 "
                                            "its holder stated; do not use it, tell the holder"));
  }
  OpenedContent out;
  out.request = r;
  out.content = *std::move(opened);
  out.use_conditions.assign(fetched->use_conditions().begin(), fetched->use_conditions().end());
  return out;
}

}  // namespace riec::sdk
