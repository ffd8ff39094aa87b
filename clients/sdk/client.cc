#include "riec/sdk/client.h"

#include <grpcpp/grpcpp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "riec/common/call_metadata.h"
#include "riec/common/file.h"
#include "riec/common/request_limits.h"
#include "absl/strings/str_join.h"
#include "riec/common/hex.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/secret_bytes.h"
#include "riec/crypto/voprf.h"
#include "riec/crypto/sodium.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "riec/sdk/normalise.h"

namespace riec::sdk {
namespace {

// Runs fn(i) for i in [0, n) on all cores.
void ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                          std::max<size_t>(1, n / 64));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < n; i += threads) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

absl::StatusOr<ConnectionOptions> LoadClientConfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  ConnectionOptions o;
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  auto file = [&](const std::string& v) {
    std::filesystem::path p(v);
    return p.is_absolute() || base.empty() ? v : (base / p).string();
  };
  try {
    YAML::Node root = YAML::Load(*text);
    if (!root.IsMap()) return absl::InvalidArgumentError(absl::StrCat(path, ": must be a mapping"));
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key == "pseudonymisers") {
        for (const auto& s : it->second) {
          PseudonymiserShare share;
          share.address = s["address"].as<std::string>();
          share.index = s["index"].as<uint32_t>();
          auto pub = FromHex(s["public_share"].as<std::string>());
          if (!pub.ok() || pub->size() != 32) {
            return absl::InvalidArgumentError(absl::StrCat(path, ":", s.Mark().line + 1,
                                                           ": public_share: want 64 hex digits"));
          }
          share.public_share = *pub;
          o.pseudonymiser_shares.push_back(std::move(share));
        }
        continue;
      }
      const std::string value = it->second.as<std::string>();
      if (key == "broker") {
        o.broker = value;
      } else if (key == "pseudonymiser_key") {
        auto pub = FromHex(value);
        if (!pub.ok() || pub->size() != 32) {
          return absl::InvalidArgumentError(absl::StrCat(path, ":", it->first.Mark().line + 1,
                                                         ": pseudonymiser_key: want 64 hex digits"));
        }
        o.pseudonymiser_key = *pub;
      } else if (key == "threshold") {
        o.threshold = it->second.as<uint32_t>();
      } else if (key == "pseudonymiser") {
        o.pseudonymiser = value;
      } else if (key == "ca") {
        o.ca_file = file(value);
      } else if (key == "cert") {
        o.cert_file = file(value);
      } else if (key == "key") {
        o.key_file = file(value);
      } else if (key == "server_name") {
        o.server_name = value;
      } else if (key == "on_behalf_of") {
        o.on_behalf_of = value;
      } else if (key == "traceparent") {
        o.traceparent = value;
      } else if (key == "timeout_seconds") {
        o.timeout = absl::Seconds(it->second.as<int>());
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":", it->first.Mark().line + 1, ": unknown key '", key,
            "' (allowed: broker, pseudonymiser, pseudonymiser_key, pseudonymisers, threshold, ca, "
            "cert, key, server_name, on_behalf_of, traceparent, timeout_seconds)"));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  return o;
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ConnectionOptions& options) {
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  if (options.broker.empty()) {
    return absl::InvalidArgumentError("broker: no address (host:port) given");
  }
  if (auto name = DecodeOnBehalfOf(EncodeOnBehalfOf(options.on_behalf_of)); !name.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("on_behalf_of: ", name.status().message()));
  }
  if (auto trace = ParseTraceParent(options.traceparent); !trace.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("traceparent: ", trace.status().message()));
  }
  auto ca = ReadSettingFile(options.ca_file, "ca");
  if (!ca.ok()) return ca.status();
  auto cert = ReadSettingFile(options.cert_file, "cert");
  if (!cert.ok()) return cert.status();
  auto key = crypto::ReadSecretSettingFile(options.key_file, "key");
  if (!key.ok()) return key.status();

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *ca;
  ssl.pem_cert_chain = *cert;
  ssl.pem_private_key = std::string(key->view());
  auto credentials = grpc::SslCredentials(ssl);
  crypto::Wipe(ssl.pem_private_key);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(32 << 20);
  args.SetMaxSendMessageSize(32 << 20);
  if (!options.server_name.empty()) {
    args.SetSslTargetNameOverride(options.server_name);
  }
  std::unique_ptr<Client> c(new Client());
  c->options_ = options;
  c->broker_channel_ = grpc::CreateCustomChannel(options.broker, credentials, args);
  c->pseudonymiser_channel_ =
      options.pseudonymiser.empty() || options.pseudonymiser == options.broker
          ? c->broker_channel_
          : grpc::CreateCustomChannel(options.pseudonymiser, credentials, args);
  c->pseudonymiser_ = v1::Pseudonymiser::NewStub(c->pseudonymiser_channel_);
  if (!options.pseudonymiser_shares.empty()) {
    if (options.threshold < 2 || options.threshold > options.pseudonymiser_shares.size()) {
      return absl::InvalidArgumentError(absl::StrCat("threshold: ", options.threshold, " of ",
                                                     options.pseudonymiser_shares.size(),
                                                     " pseudonymisers; want 2 to their number"));
    }
    for (const auto& s : options.pseudonymiser_shares) {
      c->share_stubs_.push_back(
          v1::Pseudonymiser::NewStub(grpc::CreateCustomChannel(s.address, credentials, args)));
    }
  }
  c->index_ = v1::Index::NewStub(c->broker_channel_);
  c->signals_ = v1::Signals::NewStub(c->broker_channel_);
  c->inquiry_ = v1::Inquiry::NewStub(c->broker_channel_);
  c->events_ = v1::Events::NewStub(c->broker_channel_);
  c->operations_ = v1::Operations::NewStub(c->broker_channel_);
  c->log_ = v1::Log::NewStub(c->broker_channel_);
  c->audit_ = v1::Audit::NewStub(c->broker_channel_);
  c->cases_ = v1::Cases::NewStub(c->broker_channel_);
  c->content_ = v1::Content::NewStub(c->broker_channel_);
  return c;
}

void Client::Prepare(grpc::ClientContext* ctx, bool deadline) const {
  if (deadline) ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (!options_.on_behalf_of.empty()) {
    ctx->AddMetadata(kOnBehalfOfKey, EncodeOnBehalfOf(options_.on_behalf_of));
  }
  if (!options_.traceparent.empty()) ctx->AddMetadata(kTraceParentKey, options_.traceparent);
}

absl::Status Client::Convert(const grpc::Status& s, const std::string& target) const {
  if (s.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(s.error_code());
  if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
    return absl::Status(code, absl::StrCat(target, ": ", s.error_message()));
  }
  return absl::Status(code, s.error_message());
}

absl::StatusOr<bool> Client::Healthy() {
  auto stub = grpc::health::v1::Health::NewStub(broker_channel_);
  grpc::ClientContext ctx;
  Prepare(&ctx);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) return Convert(s, options_.broker);
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

absl::StatusOr<v1::KeyInfo> Client::GetKeyInfo() {
  grpc::ClientContext ctx;
  Prepare(&ctx);
  v1::KeyInfo info;
  grpc::Status s = pseudonymiser_->GetKeyInfo(&ctx, v1::GetKeyInfoRequest(), &info);
  if (!s.ok()) return Convert(s, pseudonymiser_channel_ == broker_channel_ ? options_.broker : options_.pseudonymiser);
  return info;
}

absl::StatusOr<v1::EvaluateResponse> Client::Evaluate(const v1::EvaluateRequest& request) {
  grpc::ClientContext ctx;
  Prepare(&ctx);
  v1::EvaluateResponse resp;
  grpc::Status s = pseudonymiser_->Evaluate(&ctx, request, &resp);
  if (!s.ok()) return Convert(s, pseudonymiser_channel_ == broker_channel_ ? options_.broker : options_.pseudonymiser);
  return resp;
}

absl::StatusOr<std::vector<std::string>> Client::EvaluateVerified(const std::vector<std::string>& blinded,
                                                                  const std::string& key, std::string* key_id) {
  v1::EvaluateRequest req;
  for (const auto& b : blinded) req.add_blinded_elements(b);
  if (share_stubs_.empty()) {
    auto resp = Evaluate(req);
    if (!resp.ok()) return resp.status();
    if (resp->evaluated_elements_size() != static_cast<int>(blinded.size())) {
      return absl::InternalError("the Pseudonymiser returned a different number of elements");
    }
    std::vector<std::string> evaluated(resp->evaluated_elements().begin(), resp->evaluated_elements().end());
    if (!crypto::VerifyProof(key, blinded, evaluated, resp->proof())) {
      return absl::DataLossError(absl::StrCat(
          "the Pseudonymiser's proof does not verify against key ", ToHex(crypto::Sha256(key)).substr(0, 16),
          ": its evaluations were not made with the pinned key; no pseudonym was made"));
    }
    *key_id = resp->key_id();
    return evaluated;
  }
  // Threshold: ask the instances in turn until `threshold` answered with a
  // proof that verifies against their public share; combine.
  std::vector<uint32_t> indices;
  std::vector<std::vector<std::string>> shares;
  std::vector<std::string> problems;
  for (size_t i = 0; i < share_stubs_.size() && indices.size() < options_.threshold; ++i) {
    const PseudonymiserShare& s = options_.pseudonymiser_shares[i];
    grpc::ClientContext ctx;
    Prepare(&ctx);
    v1::EvaluateResponse resp;
    grpc::Status st = share_stubs_[i]->Evaluate(&ctx, req, &resp);
    if (!st.ok()) {
      problems.push_back(absl::StrCat(s.address, " (share ", s.index, "): ", st.error_message()));
      continue;
    }
    std::vector<std::string> evaluated(resp.evaluated_elements().begin(), resp.evaluated_elements().end());
    if (evaluated.size() != blinded.size() || !crypto::VerifyProof(s.public_share, blinded, evaluated, resp.proof())) {
      problems.push_back(absl::StrCat(s.address, " (share ", s.index,
                                      "): its proof does not verify against its public share"));
      continue;
    }
    indices.push_back(s.index);
    shares.push_back(std::move(evaluated));
  }
  if (indices.size() < options_.threshold) {
    return absl::UnavailableError(absl::StrCat(
        "only ", indices.size(), " of the ", options_.threshold,
        " Pseudonymiser shares needed answered with a valid proof; tried: ", absl::StrJoin(problems, "; ")));
  }
  std::vector<std::string> combined(blinded.size());
  for (size_t e = 0; e < blinded.size(); ++e) {
    std::vector<std::string> points;
    for (const auto& share : shares) points.push_back(share[e]);
    auto c = crypto::CombineShares(indices, points);
    if (!c.ok()) return c.status();
    combined[e] = *std::move(c);
  }
  *key_id = ToHex(crypto::Sha256(key).substr(0, 8));
  return combined;
}

absl::StatusOr<std::string> Client::PinPseudonymiserKey() {
  absl::MutexLock l(&pin_mu_);
  if (!pinned_key_.empty()) return pinned_key_;
  if (!share_stubs_.empty()) {
    if (options_.pseudonymiser_key.empty()) {
      return absl::InvalidArgumentError("pseudonymiser_key: threshold mode needs the group's public key pinned");
    }
    // The public shares must combine to the group's key (any threshold of
    // them; the first ones here).
    std::vector<uint32_t> indices;
    std::vector<std::string> points;
    for (size_t i = 0; i < options_.threshold; ++i) {
      indices.push_back(options_.pseudonymiser_shares[i].index);
      points.push_back(options_.pseudonymiser_shares[i].public_share);
    }
    auto group = crypto::CombineShares(indices, points);
    if (!group.ok() || *group != options_.pseudonymiser_key) {
      return absl::InvalidArgumentError(
          "pseudonymisers: the public shares do not combine to pseudonymiser_key; check the configuration");
    }
    pinned_key_ = options_.pseudonymiser_key;
    return pinned_key_;
  }
  auto info = GetKeyInfo();
  if (!info.ok()) return info.status();
  if (!options_.pseudonymiser_key.empty() && info->public_key() != options_.pseudonymiser_key) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the Pseudonymiser's key ", info->key_id(), " is not the pinned key ",
        ToHex(crypto::Sha256(options_.pseudonymiser_key).substr(0, 8)),
        "; its pseudonyms would not match the index: not using it"));
  }
  pinned_key_ = info->public_key();
  return pinned_key_;
}

absl::StatusOr<std::vector<std::string>> Client::PseudonymiseInputs(
    const std::vector<std::string>& all_inputs, const Progress& progress) {
  if (all_inputs.empty()) return std::vector<std::string>();
  auto key = PinPseudonymiserKey();
  if (!key.ok()) return key.status();
  const size_t batch = kMaxBlindedPerCall;
  std::vector<std::string> pseudonyms(all_inputs.size());
  std::string key_id;
  for (size_t start = 0; start < all_inputs.size(); start += batch) {
    const size_t n = std::min(batch, all_inputs.size() - start);
    std::vector<crypto::BlindedInput> blinded(n);
    std::vector<std::string> inputs(n);
    std::vector<absl::Status> errors(n);
    ParallelFor(n, [&](size_t i) {
      inputs[i] = all_inputs[start + i];
      auto b = crypto::Blind(inputs[i]);
      if (b.ok()) {
        blinded[i] = *std::move(b);
      } else {
        errors[i] = b.status();
      }
    });
    std::vector<std::string> elements;
    for (size_t i = 0; i < n; ++i) {
      if (!errors[i].ok()) return errors[i];
      elements.push_back(blinded[i].blinded_element);
    }
    std::string batch_key;
    auto evaluated = EvaluateVerified(elements, *key, &batch_key);
    if (!evaluated.ok()) return evaluated.status();
    // All pseudonyms of one run must come from one key.
    if (!key_id.empty() && batch_key != key_id) {
      return absl::AbortedError("the Pseudonymiser's key changed during the run; start again");
    }
    key_id = batch_key;
    ParallelFor(n, [&](size_t i) {
      auto out = crypto::Finalize(inputs[i], blinded[i].blind, (*evaluated)[i]);
      if (out.ok()) {
        pseudonyms[start + i] = out->substr(0, 32);
      } else {
        errors[i] = out.status();
      }
    });
    for (const auto& e : errors) {
      if (!e.ok()) return e;
    }
    if (progress) progress(start + n, all_inputs.size());
  }
  return pseudonyms;
}

absl::StatusOr<std::vector<v1::Subject>> Client::Subjects(const std::vector<SubjectValue>& values) {
  return SubjectsOf(values, /*match_keys=*/true);
}

absl::StatusOr<std::vector<v1::Subject>> Client::SubjectsWithoutMatchKeys(
    const std::vector<SubjectValue>& values) {
  return SubjectsOf(values, /*match_keys=*/false);
}

absl::StatusOr<std::vector<v1::Subject>> Client::SubjectsOf(const std::vector<SubjectValue>& values,
                                                           bool match_keys) {
  std::map<v1::SubjectKind, std::vector<size_t>> by_kind;
  std::map<v1::SubjectKind, std::vector<std::string>> canonical;
  const absl::Time now = absl::Now();
  for (size_t i = 0; i < values.size(); ++i) {
    auto c = Normalise(values[i].kind, values[i].value, now);
    if (!c.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("subjects[", i, "]: ", c.status().message()));
    }
    by_kind[values[i].kind].push_back(i);
    canonical[values[i].kind].push_back(*std::move(c));
  }
  std::vector<v1::Subject> out(values.size());
  for (const auto& [kind, indices] : by_kind) {
    if (!match_keys) {
      auto pseudonyms = PseudonymiseCanonical(kind, canonical[kind]);
      if (!pseudonyms.ok()) return pseudonyms.status();
      for (size_t j = 0; j < indices.size(); ++j) {
        out[indices[j]].set_kind(kind);
        out[indices[j]].set_pseudonym(std::move((*pseudonyms)[j]));
      }
      continue;
    }
    auto subjects = SubjectsFromCanonical(kind, canonical[kind]);
    if (!subjects.ok()) return subjects.status();
    for (size_t j = 0; j < indices.size(); ++j) out[indices[j]] = std::move((*subjects)[j]);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Api::PseudonymiseCanonical(
    v1::SubjectKind kind, const std::vector<std::string>& canonical, const Progress& progress) {
  std::vector<std::string> inputs;
  inputs.reserve(canonical.size());
  for (const auto& c : canonical) inputs.push_back(PseudonymInput(kind, c));
  return PseudonymiseInputs(inputs, progress);
}

absl::StatusOr<std::vector<v1::Subject>> Api::SubjectsFromCanonical(
    v1::SubjectKind kind, const std::vector<std::string>& canonical, const Progress& progress) {
  // One run for the subjects' inputs and their match keys' (person-name-dob).
  std::vector<std::string> inputs;
  std::vector<std::vector<v1::MatchKeyKind>> keys(canonical.size());
  inputs.reserve(canonical.size());
  for (const auto& c : canonical) inputs.push_back(PseudonymInput(kind, c));
  if (kind == v1::PERSON_NAME_DOB) {
    for (size_t i = 0; i < canonical.size(); ++i) {
      auto projections = PersonMatchProjections(canonical[i]);
      if (!projections.ok()) return projections.status();
      for (const auto& p : *projections) {
        inputs.push_back(MatchKeyInput(p.kind, p.value));
        keys[i].push_back(p.kind);
      }
    }
  }
  auto pseudonyms = PseudonymiseInputs(inputs, progress ? [&](size_t done, size_t) {
    progress(done, inputs.size());
  } : Progress());
  if (!pseudonyms.ok()) return pseudonyms.status();
  std::vector<v1::Subject> out(canonical.size());
  size_t next = canonical.size();
  for (size_t i = 0; i < canonical.size(); ++i) {
    out[i].set_kind(kind);
    out[i].set_pseudonym((*pseudonyms)[i]);
    for (v1::MatchKeyKind k : keys[i]) {
      v1::MatchKey* key = out[i].add_match_keys();
      key->set_kind(k);
      key->set_pseudonym((*pseudonyms)[next++]);
    }
  }
  return out;
}

#define RIEC_UNARY_CALL(stub, method, request, Response)           \
  if (absl::Status v = CheckRequestLimits(request); !v.ok()) return v; \
  grpc::ClientContext ctx;                                          \
  Prepare(&ctx);                                                    \
  Response resp;                                                    \
  grpc::Status s = stub->method(&ctx, request, &resp);              \
  if (!s.ok()) return Convert(s, options_.broker);                  \
  return resp

absl::StatusOr<v1::PublishResponse> Client::Publish(const v1::PublishRequest& request) {
  RIEC_UNARY_CALL(index_, Publish, request, v1::PublishResponse);
}

absl::StatusOr<v1::PublishResponse> Client::PublishStream(
    const std::vector<v1::PublishRequest>& batches, const Progress& progress) {
  for (const auto& b : batches) {
    if (absl::Status v = CheckRequestLimits(b); !v.ok()) return v;
  }
  grpc::ClientContext ctx;
  Prepare(&ctx);
  v1::PublishResponse resp;
  auto writer = index_->PublishStream(&ctx, &resp);
  size_t done = 0;
  for (const auto& b : batches) {
    if (!writer->Write(b)) break;  // the server ended the stream; Finish says why
    done += b.entries_size();
    if (progress) progress(done, 0);
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return Convert(s, options_.broker);
  return resp;
}

absl::StatusOr<v1::WithdrawResponse> Client::Withdraw(const v1::WithdrawRequest& request) {
  RIEC_UNARY_CALL(index_, Withdraw, request, v1::WithdrawResponse);
}

absl::StatusOr<v1::IndexStatistics> Client::GetIndexStatistics() {
  RIEC_UNARY_CALL(index_, GetStatistics, v1::GetStatisticsRequest(), v1::IndexStatistics);
}

absl::StatusOr<v1::RegisterSignalResponse> Client::RegisterSignal(
    const v1::RegisterSignalRequest& request) {
  RIEC_UNARY_CALL(signals_, RegisterSignal, request, v1::RegisterSignalResponse);
}

absl::StatusOr<v1::Signal> Client::GetSignal(const std::string& signal_id) {
  v1::GetSignalRequest req;
  req.set_signal_id(signal_id);
  RIEC_UNARY_CALL(signals_, GetSignal, req, v1::Signal);
}

absl::StatusOr<v1::ListSignalsResponse> Client::ListSignals(const v1::ListSignalsRequest& request) {
  RIEC_UNARY_CALL(signals_, ListSignals, request, v1::ListSignalsResponse);
}

absl::StatusOr<v1::CloseSignalResponse> Client::CloseSignal(const std::string& signal_id) {
  v1::CloseSignalRequest req;
  req.set_signal_id(signal_id);
  RIEC_UNARY_CALL(signals_, CloseSignal, req, v1::CloseSignalResponse);
}

absl::StatusOr<v1::CheckSubjectsResponse> Client::CheckSubjects(
    const v1::CheckSubjectsRequest& request) {
  RIEC_UNARY_CALL(inquiry_, CheckSubjects, request, v1::CheckSubjectsResponse);
}

absl::StatusOr<v1::ListLateHitsResponse> Client::ListLateHits(const std::string& signal_id) {
  v1::ListLateHitsRequest req;
  req.set_signal_id(signal_id);
  RIEC_UNARY_CALL(inquiry_, ListLateHits, req, v1::ListLateHitsResponse);
}

absl::StatusOr<v1::ListEventsResponse> Client::ListEvents(uint64_t after_sequence,
                                                          uint32_t limit) {
  v1::ListEventsRequest req;
  req.set_after_sequence(after_sequence);
  req.set_limit(limit);
  RIEC_UNARY_CALL(events_, ListEvents, req, v1::ListEventsResponse);
}

absl::Status Client::Subscribe(uint64_t after_sequence,
                               const std::function<bool(const v1::Event&)>& on_event) {
  grpc::ClientContext ctx;
  Prepare(&ctx, /*deadline=*/false);
  v1::SubscribeRequest req;
  req.set_after_sequence(after_sequence);
  auto reader = events_->SubscribeBatches(&ctx, req);
  v1::EventBatch batch;
  bool stopped = false;
  while (!stopped && reader->Read(&batch)) {
    for (const auto& e : batch.events()) {
      if (!on_event(e)) {
        ctx.TryCancel();
        stopped = true;
        break;
      }
    }
  }
  grpc::Status s = reader->Finish();
  if (s.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
  return Convert(s, options_.broker);
}

absl::StatusOr<v1::PolicyInfo> Client::GetPolicy() {
  RIEC_UNARY_CALL(operations_, GetPolicy, v1::GetPolicyRequest(), v1::PolicyInfo);
}

absl::StatusOr<v1::ReloadPolicyResponse> Client::ReloadPolicy() {
  RIEC_UNARY_CALL(operations_, ReloadPolicy, v1::ReloadPolicyRequest(), v1::ReloadPolicyResponse);
}

absl::StatusOr<v1::SweepNowResponse> Client::SweepNow() {
  RIEC_UNARY_CALL(operations_, SweepNow, v1::SweepNowRequest(), v1::SweepNowResponse);
}

absl::StatusOr<v1::LogInfo> Client::GetLogInfo() {
  RIEC_UNARY_CALL(log_, GetLogInfo, v1::GetLogInfoRequest(), v1::LogInfo);
}

absl::StatusOr<v1::SignedTreeHead> Client::GetLatestTreeHead(bool fresh) {
  v1::GetLatestTreeHeadRequest req;
  req.set_fresh(fresh);
  RIEC_UNARY_CALL(log_, GetLatestTreeHead, req, v1::SignedTreeHead);
}

absl::StatusOr<v1::SignedTreeHead> Client::GetCosignedTreeHead() {
  v1::GetLatestTreeHeadRequest req;
  req.set_cosigned(true);
  RIEC_UNARY_CALL(log_, GetLatestTreeHead, req, v1::SignedTreeHead);
}

absl::StatusOr<v1::InclusionProofResponse> Client::GetInclusionProof(uint64_t index,
                                                                     uint64_t tree_size) {
  v1::GetInclusionProofRequest req;
  req.set_leaf_index(index);
  req.set_tree_size(tree_size);
  RIEC_UNARY_CALL(log_, GetInclusionProof, req, v1::InclusionProofResponse);
}

absl::StatusOr<v1::ConsistencyProofResponse> Client::GetConsistencyProof(uint64_t first,
                                                                         uint64_t second) {
  v1::GetConsistencyProofRequest req;
  req.set_first_size(first);
  req.set_second_size(second);
  RIEC_UNARY_CALL(log_, GetConsistencyProof, req, v1::ConsistencyProofResponse);
}

absl::StatusOr<v1::GetRecordsResponse> Client::GetRecords(uint64_t start, uint32_t count) {
  v1::GetRecordsRequest req;
  req.set_start(start);
  req.set_count(count);
  RIEC_UNARY_CALL(log_, GetRecords, req, v1::GetRecordsResponse);
}

absl::StatusOr<v1::ListRecordsResponse> Client::ListRecords(const v1::ListRecordsRequest& request) {
  RIEC_UNARY_CALL(audit_, ListRecords, request, v1::ListRecordsResponse);
}

absl::StatusOr<v1::AuditStatistics> Client::GetAuditStatistics(
    const v1::AuditStatisticsRequest& request) {
  RIEC_UNARY_CALL(audit_, GetAuditStatistics, request, v1::AuditStatistics);
}

absl::StatusOr<v1::RiecStatistics> Client::GetRiecStatistics(const v1::RiecStatisticsRequest& request) {
  RIEC_UNARY_CALL(audit_, GetRiecStatistics, request, v1::RiecStatistics);
}

absl::StatusOr<v1::RequestAssessmentsResponse> Client::RequestAssessments(const std::string& signal_id) {
  v1::RequestAssessmentsRequest req;
  req.set_signal_id(signal_id);
  RIEC_UNARY_CALL(signals_, RequestAssessments, req, v1::RequestAssessmentsResponse);
}

absl::StatusOr<v1::AssessResponse> Client::Assess(const v1::AssessRequest& request) {
  RIEC_UNARY_CALL(signals_, Assess, request, v1::AssessResponse);
}

absl::StatusOr<v1::ListAssessmentsResponse> Client::ListAssessments(const std::string& signal_id) {
  v1::ListAssessmentsRequest req;
  req.set_signal_id(signal_id);
  RIEC_UNARY_CALL(signals_, ListAssessments, req, v1::ListAssessmentsResponse);
}

absl::StatusOr<v1::CaseResponse> Client::ProposeCase(const v1::ProposeCaseRequest& request) {
  RIEC_UNARY_CALL(cases_, ProposeCase, request, v1::CaseResponse);
}

absl::StatusOr<v1::CaseResponse> Client::UnlockCase(const std::string& case_id) {
  v1::CaseRequest req;
  req.set_case_id(case_id);
  RIEC_UNARY_CALL(cases_, UnlockCase, req, v1::CaseResponse);
}

absl::StatusOr<v1::CaseResponse> Client::ConfirmCase(const std::string& case_id) {
  v1::CaseRequest req;
  req.set_case_id(case_id);
  RIEC_UNARY_CALL(cases_, ConfirmCase, req, v1::CaseResponse);
}

absl::StatusOr<v1::CaseResponse> Client::ExtendCase(const v1::ExtendCaseRequest& request) {
  RIEC_UNARY_CALL(cases_, ExtendCase, request, v1::CaseResponse);
}

absl::StatusOr<v1::CaseResponse> Client::NarrowCase(const v1::NarrowCaseRequest& request) {
  RIEC_UNARY_CALL(cases_, NarrowCase, request, v1::CaseResponse);
}

absl::StatusOr<v1::CaseResponse> Client::CloseCase(const v1::CloseCaseRequest& request) {
  RIEC_UNARY_CALL(cases_, CloseCase, request, v1::CaseResponse);
}

absl::StatusOr<v1::CaseResponse> Client::HandOverCase(const v1::HandOverCaseRequest& request) {
  RIEC_UNARY_CALL(cases_, HandOverCase, request, v1::CaseResponse);
}

absl::StatusOr<v1::Case> Client::GetCase(const std::string& case_id) {
  v1::CaseRequest req;
  req.set_case_id(case_id);
  RIEC_UNARY_CALL(cases_, GetCase, req, v1::Case);
}

absl::StatusOr<v1::ListCasesResponse> Client::ListCases(v1::CaseState state) {
  v1::ListCasesRequest req;
  req.set_state(state);
  RIEC_UNARY_CALL(cases_, ListCases, req, v1::ListCasesResponse);
}

absl::StatusOr<v1::EncryptionKey> Client::RegisterKey(const std::string& public_key) {
  v1::RegisterKeyRequest req;
  req.set_public_key(public_key);
  RIEC_UNARY_CALL(content_, RegisterKey, req, v1::EncryptionKey);
}

absl::StatusOr<v1::EncryptionKey> Client::GetKey(const std::string& partner) {
  v1::GetKeyRequest req;
  req.set_partner(partner);
  RIEC_UNARY_CALL(content_, GetKey, req, v1::EncryptionKey);
}

absl::StatusOr<v1::ContentRequest> Client::RequestContent(const v1::RequestContentRequest& request) {
  RIEC_UNARY_CALL(content_, RequestContent, request, v1::ContentRequest);
}

absl::StatusOr<v1::ListRequestsResponse> Client::ListRequests(v1::RequestState state) {
  v1::ListRequestsRequest req;
  req.set_state(state);
  RIEC_UNARY_CALL(content_, ListRequests, req, v1::ListRequestsResponse);
}

absl::StatusOr<v1::ContentRequest> Client::GetRequest(const std::string& request_id) {
  v1::GetRequestRequest req;
  req.set_request_id(request_id);
  RIEC_UNARY_CALL(content_, GetRequest, req, v1::ContentRequest);
}

absl::StatusOr<v1::ContentRequest> Client::ProvideContent(const v1::ProvideContentRequest& request) {
  RIEC_UNARY_CALL(content_, ProvideContent, request, v1::ContentRequest);
}

absl::StatusOr<v1::ContentRequest> Client::RefuseRequest(const v1::RefuseRequestRequest& request) {
  RIEC_UNARY_CALL(content_, RefuseRequest, request, v1::ContentRequest);
}

absl::StatusOr<v1::FetchContentResponse> Client::FetchContent(const std::string& request_id,
                                                              const std::string& key_proof) {
  v1::FetchContentRequest req;
  req.set_request_id(request_id);
  req.set_key_proof(key_proof);
  RIEC_UNARY_CALL(content_, FetchContent, req, v1::FetchContentResponse);
}

#undef RIEC_UNARY_CALL

}  // namespace riec::sdk
